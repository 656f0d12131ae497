/// Why a frame could not be parsed or rewritten. Every failure of the library is one of these:
/// the engine counts drops by case (design §9: a malformed packet is a counted drop, never a crash).
///
/// Frames arrive whole (a ring slot holds a complete datagram), so unlike stream parsers there
/// is no "need more bytes": a truncated header is malformed.
public enum PacketError: Error, Sendable, Hashable, CaseIterable {
    case truncatedEthernet
    case unsupportedEtherType
    case truncatedARP
    case unsupportedARP
    case truncatedIPv4Header
    case badIPVersion
    case badIPv4HeaderLength
    case badIPv4TotalLength
    case badIPv4HeaderChecksum
    case truncatedIPv6Header
    case badIPv6PayloadLength
    case truncatedExtensionHeader
    case tooManyExtensionHeaders
    case truncatedTCPHeader
    case badTCPDataOffset
    case truncatedUDPHeader
    case badUDPLength
    case truncatedICMPHeader
    case malformedQuotedPacket
    /// IPv4 TTL or IPv6 hop limit would reach 0 (reference §5: send time-exceeded, drop).
    case ttlExpired
    /// The operation needs the transport header, which a non-first fragment lacks.
    case fragmented
    /// The operation does not apply to this protocol or address family.
    case unsupportedProtocol
    case addressFamilyMismatch
    case notATunnel
    /// An ICMP error must not be sent about this packet (RFC 1122 §3.2.2: ICMP errors,
    /// non-first fragments).
    case icmpErrorNotPermitted
    /// The result would exceed the 65535-byte IP length limit.
    case packetTooLarge
    case noHeadroom
    case outOfBounds

    /// The text used in drop counters and fixture verdicts ("drop: <reason>").
    public var reason: String {
        switch self {
        case .truncatedEthernet: "truncated ethernet header"
        case .unsupportedEtherType: "unsupported ethertype"
        case .truncatedARP: "truncated arp"
        case .unsupportedARP: "unsupported arp"
        case .truncatedIPv4Header: "truncated ipv4 header"
        case .badIPVersion: "bad ip version"
        case .badIPv4HeaderLength: "bad ipv4 header length"
        case .badIPv4TotalLength: "bad ipv4 total length"
        case .badIPv4HeaderChecksum: "bad ipv4 header checksum"
        case .truncatedIPv6Header: "truncated ipv6 header"
        case .badIPv6PayloadLength: "bad ipv6 payload length"
        case .truncatedExtensionHeader: "truncated ipv6 extension header"
        case .tooManyExtensionHeaders: "too many ipv6 extension headers"
        case .truncatedTCPHeader: "truncated tcp header"
        case .badTCPDataOffset: "bad tcp data offset"
        case .truncatedUDPHeader: "truncated udp header"
        case .badUDPLength: "bad udp length"
        case .truncatedICMPHeader: "truncated icmp header"
        case .malformedQuotedPacket: "malformed quoted packet"
        case .ttlExpired: "ttl expired"
        case .fragmented: "fragmented"
        case .unsupportedProtocol: "unsupported protocol"
        case .addressFamilyMismatch: "address family mismatch"
        case .notATunnel: "not a tunnel packet"
        case .icmpErrorNotPermitted: "icmp error not permitted"
        case .packetTooLarge: "packet too large"
        case .noHeadroom: "no headroom"
        case .outOfBounds: "out of bounds"
        }
    }
}
