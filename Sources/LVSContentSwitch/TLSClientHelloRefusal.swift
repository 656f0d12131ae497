/// Why the ClientHello reader gave up on a TLS connection (docs/design/0018). The connection is
/// closed (or sent to the default group, as configured); `name` is the counter label.
public enum TLSClientHelloRefusal: Error, Sendable, Hashable, CaseIterable {
    /// The first record is not a handshake record (content type 22, RFC 8446 §5.1).
    case notHandshakeRecord
    /// A record version whose major byte is not 3.
    case invalidRecordVersion
    /// A record of length 0 or above 2^14 + 2048 (RFC 8446 §5.1, RFC 5246 §6.2.3).
    case invalidRecordLength
    /// The first handshake message is not a ClientHello (type 1).
    case notClientHello
    /// The ClientHello is longer than `TLSClientHelloParser.maximumLength`, or the limit was reached
    /// before it was complete.
    case tooLong
    /// A length field points past its enclosing structure.
    case truncated
    /// A field of wrong size: session id above 32, odd cipher-suite length, no compression method.
    case malformedField
    /// The same extension twice (RFC 8446 §4.2).
    case duplicateExtension
    /// A server_name extension that is malformed, or a host_name that is not a DNS name (RFC 6066 §3).
    case malformedServerName
    /// An ALPN extension that is malformed, or an empty protocol name (RFC 7301 §3.1).
    case malformedALPN

    /// The counter label, e.g. `not_handshake_record`.
    public var name: String {
        switch self {
        case .notHandshakeRecord: "not_handshake_record"
        case .invalidRecordVersion: "invalid_record_version"
        case .invalidRecordLength: "invalid_record_length"
        case .notClientHello: "not_client_hello"
        case .tooLong: "too_long"
        case .truncated: "truncated"
        case .malformedField: "malformed_field"
        case .duplicateExtension: "duplicate_extension"
        case .malformedServerName: "malformed_server_name"
        case .malformedALPN: "malformed_alpn"
        }
    }
}

/// What routing needs from a ClientHello.
public struct TLSClientHello: Sendable, Hashable {
    /// The SNI host_name in ASCII lower case, nil when the client sent none.
    public var serverName: [UInt8]?
    /// The ALPN protocol names in the client's order; empty without the extension.
    public var alpnProtocols: [[UInt8]]
    /// The ClientHello's legacy_version (0x0303 for TLS 1.2 and 1.3).
    public var legacyVersion: UInt16

    public init(serverName: [UInt8]?, alpnProtocols: [[UInt8]], legacyVersion: UInt16) {
        self.serverName = serverName
        self.alpnProtocols = alpnProtocols
        self.legacyVersion = legacyVersion
    }

    /// The server name as text.
    public var serverNameString: String? { serverName.map { String(decoding: $0, as: UTF8.self) } }
    /// The ALPN protocols as text.
    public var alpnProtocolStrings: [String] { alpnProtocols.map { String(decoding: $0, as: UTF8.self) } }
}
