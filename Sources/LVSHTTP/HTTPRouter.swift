import NIOHTTP1

/// Chooses the route for a method and path: the matching pattern with the most literal segments
/// (ties: the first registered). A path that matches only under other methods is a 405 with
/// `Allow`; no match at all is a 404.
public struct HTTPRouter: Sendable {
    public enum Resolution: Sendable {
        case matched(HTTPRoute, parameters: [String: String])
        case methodNotAllowed(allowed: [HTTPMethod])
        case notFound
    }

    public private(set) var routes: [HTTPRoute]

    public init(_ routes: [HTTPRoute] = []) {
        self.routes = routes
    }

    public mutating func add(_ route: HTTPRoute) { routes.append(route) }

    public func resolve(method: HTTPMethod, path: [String]) -> Resolution {
        var best: (route: HTTPRoute, parameters: [String: String])?
        var allowed: [HTTPMethod] = []
        for route in routes {
            guard let parameters = route.pattern.match(path) else { continue }
            // HEAD is answered by the GET route, without the body (RFC 9110 §9.3.2).
            let accepts = route.method == method || (method == .HEAD && route.method == .GET)
            guard accepts else {
                if !allowed.contains(route.method) { allowed.append(route.method) }
                continue
            }
            if best == nil || route.pattern.literalCount > best!.route.pattern.literalCount {
                best = (route, parameters)
            }
        }
        if let best { return .matched(best.route, parameters: best.parameters) }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }

    /// Splits a request target into decoded path segments and query members; nil when the
    /// percent-encoding is malformed.
    public static func split(target: String) -> (path: [String], query: [String: String])? {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var path: [String] = []
        for segment in parts[0].split(separator: "/", omittingEmptySubsequences: true) {
            guard let decoded = percentDecoded(segment, plusIsSpace: false) else { return nil }
            path.append(decoded)
        }
        var query: [String: String] = [:]
        if parts.count == 2 {
            for member in parts[1].split(separator: "&", omittingEmptySubsequences: true) {
                let pair = member.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let name = percentDecoded(pair[0], plusIsSpace: true),
                    let value = percentDecoded(pair.count == 2 ? pair[1] : "", plusIsSpace: true)
                else { return nil }
                query[name] = value
            }
        }
        return (path, query)
    }

    /// RFC 3986 §2.1 percent-decoding; nil for a bad escape or bytes that are not UTF-8.
    static func percentDecoded(_ text: Substring, plusIsSpace: Bool) -> String? {
        var bytes: [UInt8] = []
        var utf8 = text.utf8.makeIterator()
        while let byte = utf8.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = utf8.next().flatMap(hexValue), let low = utf8.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            } else if plusIsSpace && byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
