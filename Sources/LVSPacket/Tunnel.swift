/// IP-in-IP encapsulation for tunnelling (reference §5.3, "ipip"): an outer IPv4 or IPv6 header
/// written into the headroom in front of the unchanged inner packet (no payload copy).
public enum Tunnel {
    /// The outer header's endpoints: source is the director's address towards the real
    /// server, destination the real server. Both of one family; it may differ from the inner
    /// packet's (cross-family tunnels are allowed, reference §5.3).
    public struct Endpoints: Sendable, Hashable {
        public var source: WireAddress
        public var destination: WireAddress
        public init(source: WireAddress, destination: WireAddress) {
            self.source = source
            self.destination = destination
        }
    }

    /// The ECN encapsulation rule (reference §5.3, RFC 6040 compatibility mode): DSCP copied,
    /// ECN copied except CE (3), which becomes ECT(0) (2).
    @inlinable
    public static func outerTrafficClass(inner: UInt8) -> UInt8 {
        inner & 0x03 == 0x03 ? (inner & 0xFC) | 0x02 : inner
    }

    /// Encapsulates the IP packet that `buffer` holds (it must start at the inner IP header and
    /// end with it: strip L2 and padding first) by prepending an outer header from the
    /// headroom. Outer protocol/next header is 4 for inner IPv4 and 41 for inner IPv6; TTL or
    /// hop limit is copied from the inner packet (decrement it first, reference §5); DSCP is
    /// copied with the ECN rule; the IPv4 ID is taken from `identification` (then advanced);
    /// DF is copied from an inner IPv4 header when `pathMTUDiscovery` (the kernel's
    /// `pmtu_disc`), and set for inner IPv6, which routers never fragment.
    ///
    /// - Returns: the outer header, at offset 0 of the grown buffer.
    @discardableResult
    public static func encapsulate(
        _ buffer: inout PacketBuffer, inner: NetworkHeader, endpoints: Endpoints, identification: inout UInt16,
        pathMTUDiscovery: Bool = true
    ) throws(PacketError) -> NetworkHeader {
        guard endpoints.source.isIPv6 == endpoints.destination.isIPv6 else { throw .addressFamilyMismatch }
        guard inner.offset == 0, inner.packetLength == buffer.count else { throw .outOfBounds }
        let innerTrafficClass: UInt8
        let innerDF: Bool
        switch inner {
        case .ipv4(let header):
            innerTrafficClass = header.tos
            innerDF = header.dontFragment
        case .ipv6(let header):
            innerTrafficClass = header.trafficClass
            innerDF = true
        }
        let protocolNumber = inner.isIPv6 ? IPProtocolNumbers.ipv6 : IPProtocolNumbers.ipip
        let trafficClass = outerTrafficClass(inner: innerTrafficClass)
        let innerLength = buffer.count
        if endpoints.destination.isIPv6 {
            guard innerLength <= 0xFFFF else { throw .packetTooLarge }
            try buffer.prepend(IPv6Header.length)
            let outer = IPv6Header(
                offset: 0, trafficClass: trafficClass, payloadLength: innerLength, nextHeader: protocolNumber,
                hopLimit: inner.hopLimit, source: endpoints.source, destination: endpoints.destination)
            try outer.write(to: buffer)
            return .ipv6(outer)
        }
        guard innerLength + IPv4Header.minimumLength <= 0xFFFF else { throw .packetTooLarge }
        try buffer.prepend(IPv4Header.minimumLength)
        var outer = IPv4Header(
            offset: 0, tos: trafficClass, totalLength: innerLength + IPv4Header.minimumLength,
            identification: identification, dontFragment: pathMTUDiscovery && innerDF, ttl: inner.hopLimit,
            protocolNumber: protocolNumber, source: endpoints.source.ipv4Value,
            destination: endpoints.destination.ipv4Value)
        identification &+= 1
        try outer.write(to: buffer)
        return .ipv4(outer)
    }

    /// What decapsulation found.
    public struct Decapsulated: Sendable, Hashable {
        /// The outer header that was removed (its offsets refer to the buffer before removal).
        public var outer: NetworkHeader
        /// The inner packet, now at offset 0 of the buffer.
        public var inner: ParsedPacket
    }

    /// Strips the outer header of an IP-in-IP packet that `buffer` holds from offset 0
    /// (IPv4 protocol 4/41 or IPv6 next header 4/41, after extension headers), validates the
    /// inner packet and leaves `buffer` holding exactly the inner packet. Throws `notATunnel`
    /// for any other protocol; the buffer is unchanged when this throws.
    public static func decapsulate(_ buffer: inout PacketBuffer) throws(PacketError) -> Decapsulated {
        let outer = try ParsedPacket.parse(buffer, at: 0, end: buffer.count).network
        guard !outer.isFragment else { throw .fragmented }
        let innerOffset = outer.transportOffset
        let innerIsIPv6: Bool
        switch outer.protocolNumber {
        case IPProtocolNumbers.ipip: innerIsIPv6 = false
        case IPProtocolNumbers.ipv6: innerIsIPv6 = true
        default: throw .notATunnel
        }
        guard let version = buffer.u8(at: innerOffset) else {
            throw innerIsIPv6 ? .truncatedIPv6Header : .truncatedIPv4Header
        }
        guard version >> 4 == (innerIsIPv6 ? 6 : 4) else { throw .badIPVersion }
        let innerEnd = outer.end
        var probe = buffer
        try probe.removeFront(innerOffset)
        let inner = try ParsedPacket.parse(probe, at: 0, end: innerEnd - innerOffset)
        try probe.setCount(inner.l3Length)
        buffer = probe
        return Decapsulated(outer: outer, inner: inner)
    }
}
