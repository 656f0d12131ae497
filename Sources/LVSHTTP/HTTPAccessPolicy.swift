import LVSCore
import NIOHTTP1

/// Who may use the endpoint (docs/http-api.md, "Authentication"): on a loopback address nobody
/// needs credentials (the host's users are trusted as with the control socket's reads);
/// anywhere else writes need `Authorization: Bearer <token>`, and reads too when `authReads`.
public struct HTTPAccessPolicy: Sendable, Hashable {
    /// The token's bytes, or nil for none (allowed only on loopback).
    public var token: [UInt8]?
    /// True when the endpoint is reachable from other hosts: writes need the token.
    public var requiresToken: Bool
    /// Reads need the token too (`--http-auth-reads`).
    public var authReads: Bool

    public init(token: [UInt8]?, requiresToken: Bool, authReads: Bool) {
        self.token = token
        self.requiresToken = requiresToken
        self.authReads = authReads
    }

    /// The policy for an endpoint bound to `host`; throws when a non-loopback address has no
    /// token (the daemon must refuse to start rather than serve writes to the network).
    public static func forBinding(host: String, token: [UInt8]?, authReads: Bool) throws(HTTPConfigurationError)
        -> HTTPAccessPolicy
    {
        let loopback = isLoopback(host)
        if !loopback && token == nil { throw .tokenRequired(host: host) }
        if let token, token.isEmpty { throw .emptyToken }
        return HTTPAccessPolicy(token: token, requiresToken: !loopback, authReads: authReads)
    }

    /// 127.0.0.0/8, ::1 and `localhost`; an unparsable or wildcard address is not loopback.
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" { return true }
        var text = host
        if text.hasPrefix("[") && text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        guard let address = IPAddress(text) else { return false }
        switch address.family {
        case .inet: return address.ipv4Value >> 24 == 127
        case .inet6: return address == IPAddress(ipv6High: 0, low: 1)
        }
    }

    /// Whether a request may proceed: `changesState` says what the route does.
    public func permits(changesState: Bool, authorization: String?) -> Bool {
        guard requiresToken else { return true }
        guard changesState || authReads else { return true }
        guard let token, let authorization else { return false }
        let prefix = "Bearer "
        guard authorization.count > prefix.count,
            authorization.prefix(prefix.count).lowercased() == prefix.lowercased()
        else { return false }
        return Self.constantTimeEqual(Array(authorization.utf8.dropFirst(prefix.utf8.count)), token)
    }

    /// Compares without stopping at the first difference, so the time taken does not tell an
    /// attacker how much of a guess was right. The length still shows; tokens are long and random.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        let count = max(a.count, b.count)
        for index in 0..<count {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }

    /// Reads a token file: its content without surrounding whitespace (a trailing newline from
    /// `echo` or an editor is not part of the token).
    public static func token(fromFileContents bytes: [UInt8]) throws(HTTPConfigurationError) -> [UInt8] {
        let text = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
        guard !text.isEmpty else { throw .emptyToken }
        return Array(text.utf8)
    }
}

/// Why the HTTP endpoint was not started.
public enum HTTPConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    case tokenRequired(host: String)
    case emptyToken
    case badAddress(String)
    case tokenFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .tokenRequired(let host):
            return
                "--http on \(host) is reachable from other hosts: give --http-token-file FILE (a bearer token for writes), or bind to 127.0.0.1 or [::1]"
        case .emptyToken: return "the --http-token-file is empty: put a long random token in it"
        case .badAddress(let text):
            return "--http takes ADDRESS:PORT (for example 127.0.0.1:8080 or [::1]:8080), not '\(text)'"
        case .tokenFile(let path, let reason): return "cannot read --http-token-file \(path): \(reason)"
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
