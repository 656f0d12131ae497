/// An IPv4 or IPv6 header.
public enum NetworkHeader: Sendable, Hashable {
    case ipv4(IPv4Header)
    case ipv6(IPv6Header)

    public var isIPv6: Bool {
        switch self {
        case .ipv4: false
        case .ipv6: true
        }
    }

    public var offset: Int {
        switch self {
        case .ipv4(let header): header.offset
        case .ipv6(let header): header.offset
        }
    }

    /// Offset just past the IP packet.
    public var end: Int {
        switch self {
        case .ipv4(let header): header.end
        case .ipv6(let header): header.end
        }
    }

    /// The whole IP packet's length (IPv4 total length, IPv6 40 + payload length).
    public var packetLength: Int { end - offset }

    /// The transport protocol (after IPv6 extension headers).
    public var protocolNumber: UInt8 {
        switch self {
        case .ipv4(let header): header.protocolNumber
        case .ipv6(let header): header.upperLayerProtocol
        }
    }

    /// Offset of the transport header.
    public var transportOffset: Int {
        switch self {
        case .ipv4(let header): header.payloadOffset
        case .ipv6(let header): header.upperLayerOffset
        }
    }

    public var source: WireAddress {
        switch self {
        case .ipv4(let header): WireAddress(ipv4: header.source)
        case .ipv6(let header): header.source
        }
    }

    public var destination: WireAddress {
        switch self {
        case .ipv4(let header): WireAddress(ipv4: header.destination)
        case .ipv6(let header): header.destination
        }
    }

    /// IPv4 TTL or IPv6 hop limit.
    public var hopLimit: UInt8 {
        switch self {
        case .ipv4(let header): header.ttl
        case .ipv6(let header): header.hopLimit
        }
    }

    public var isFragment: Bool {
        switch self {
        case .ipv4(let header): header.isFragment
        case .ipv6(let header): header.isFragment
        }
    }

    public var isNonFirstFragment: Bool {
        switch self {
        case .ipv4(let header): header.isNonFirstFragment
        case .ipv6(let header): header.isNonFirstFragment
        }
    }

    /// True for IPv4 with DF set; IPv6 is never fragmented by routers, so always true there
    /// (reference §5.7: too-big IPv6 packets get packet-too-big).
    public var dontFragment: Bool {
        switch self {
        case .ipv4(let header): header.dontFragment
        case .ipv6: true
        }
    }
}

/// The transport layer of a parsed packet.
public enum TransportHeader: Sendable, Hashable {
    case tcp(TCPHeader)
    case udp(UDPHeader)
    case icmp(ICMPHeader)
    /// A protocol the library does not decode (its header offset is the network's
    /// `transportOffset`), or SCTP (ports are read into `ParsedPacket`).
    case other
    /// A non-first fragment: no transport header in this packet.
    case fragment
}
