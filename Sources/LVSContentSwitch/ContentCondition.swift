import LVSCore

/// How a text part of a request is compared. Literals are stored as bytes and compared in place
/// (no allocation); only `.regex` decodes the part into a `String`.
public enum TextMatch: Sendable {
    case exact([UInt8])
    case prefix([UInt8])
    case suffix([UInt8])
    case regex(CompiledPattern)

    public static func exact(_ text: String) -> TextMatch { .exact(Array(text.utf8)) }
    public static func prefix(_ text: String) -> TextMatch { .prefix(Array(text.utf8)) }
    public static func suffix(_ text: String) -> TextMatch { .suffix(Array(text.utf8)) }
}

/// How a named value (header, cookie, query parameter) is tested.
public enum ValueMatch: Sendable {
    /// The name is present, whatever its value.
    case exists
    /// The value equals these bytes exactly.
    case equals([UInt8])
    /// The value matches the pattern.
    case regex(CompiledPattern)

    public static func equals(_ text: String) -> ValueMatch { .equals(Array(text.utf8)) }
}

/// An address block for client-address conditions, IPv4 or IPv6.
public struct AddressBlock: Sendable, Hashable {
    public let network: IPAddress
    public let prefixLength: Int

    public init(_ address: IPAddress, prefixLength: Int) {
        let limit = address.family == .inet ? 32 : 128
        self.prefixLength = min(max(0, prefixLength), limit)
        self.network = address.masked(prefixLength: self.prefixLength)
    }

    /// Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address (a host block).
    public init(parsing text: String) throws(ContentSwitchConfigurationError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPAddress(String(parts[0])) else { throw .invalidCIDR(text) }
        let limit = address.family == .inet ? 32 : 128
        var length = limit
        if parts.count == 2 {
            guard let value = Int(parts[1]), value >= 0, value <= limit else { throw .invalidCIDR(text) }
            length = value
        }
        self.init(address, prefixLength: length)
    }

    public func contains(_ address: IPAddress) -> Bool {
        address.family == network.family && address.masked(prefixLength: prefixLength) == network
    }
}

/// One condition of a content-switching rule (docs/design/0018), HAProxy-ACL-like and combinable.
public indirect enum ContentCondition: Sendable {
    /// The `Host` value without its port, compared without case (literals must be lower case).
    case host(TextMatch)
    /// The path of the request target (before `?`).
    case path(TextMatch)
    /// The method, exactly (methods are case-sensitive, RFC 9110 §9.1).
    case method([UInt8])
    /// A header by lower-case name.
    case header(name: [UInt8], ValueMatch)
    /// A cookie by name (RFC 6265 §5.4).
    case cookie(name: [UInt8], ValueMatch)
    /// A query parameter by name (`a=1&b=2`, no percent-decoding).
    case queryParameter(name: [UInt8], ValueMatch)
    /// The client's address lies in one of these blocks.
    case clientAddress([AddressBlock])
    /// The TLS SNI name (lower case), for TLS virtual services.
    case serverName(TextMatch)
    /// The client offers this ALPN protocol.
    case alpn([UInt8])
    case all([ContentCondition])
    case any([ContentCondition])
    case not(ContentCondition)
    /// Always true (a catch-all rule).
    case always
}

/// A rule: when `condition` holds, the request goes to the group `group`.
public struct ContentRule: Sendable {
    public let name: String
    public let condition: ContentCondition
    public let group: String

    public init(name: String, condition: ContentCondition, group: String) {
        self.name = name
        self.condition = condition
        self.group = group
    }
}
