/// A route's path: literal segments and `{name}` parameters, e.g.
/// `/api/v1/services/{protocol}/{address}/{port}` (docs/http-api.md, "Routes").
///
/// Matching works on percent-decoded segments, so a parameter may hold any text (an IPv6 address
/// written `2001%3Adb8%3A%3A1` arrives as `2001:db8::1`).
public struct HTTPPathPattern: Sendable, Hashable, CustomStringConvertible {
    public enum Segment: Sendable, Hashable {
        case literal(String)
        case parameter(String)
    }

    public let segments: [Segment]

    /// Parses `text`: segments split on `/`; `{name}` is a parameter, anything else a literal.
    public init(_ text: String) {
        segments = text.split(separator: "/", omittingEmptySubsequences: true).map { part in
            if part.hasPrefix("{") && part.hasSuffix("}") && part.count > 2 {
                return .parameter(String(part.dropFirst().dropLast()))
            }
            return .literal(String(part))
        }
    }

    /// How many segments are literals: the more specific pattern wins when two match
    /// (`/services/fwmark/{mark}/real-servers` over `/services/{protocol}/{address}/{port}`).
    public var literalCount: Int {
        segments.reduce(0) { count, segment in
            if case .literal = segment { return count + 1 }
            return count
        }
    }

    /// The parameters by name when `path` (decoded segments) matches, else nil.
    public func match(_ path: [String]) -> [String: String]? {
        guard path.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, text) in zip(segments, path) {
            switch segment {
            case .literal(let literal):
                guard literal == text else { return nil }
            case .parameter(let name):
                guard !text.isEmpty else { return nil }
                parameters[name] = text
            }
        }
        return parameters
    }

    public var description: String {
        "/"
            + segments.map { segment in
                switch segment {
                case .literal(let text): return text
                case .parameter(let name): return "{\(name)}"
                }
            }.joined(separator: "/")
    }
}
