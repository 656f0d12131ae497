/// A fluent builder of well-formed packets, with correct lengths and checksums, for tests (here
/// and in the engine's): `PacketBuilder.ethernet().ipv4(source: "10.0.0.1", destination:
/// "10.0.0.2").tcp(sourcePort: 40000, destinationPort: 80, flags: .syn).payload(bytes).build()`.
///
/// It allocates freely and is not for the packet path. Text addresses that do not parse become
/// 0.0.0.0 (`WireAddress` overloads take parsed ones).
public struct PacketBuilder: Sendable {
    /// An IPv6 extension header to insert between the fixed header and the transport header.
    public enum IPv6Extension: Sendable, Hashable {
        /// Hop-by-hop options, `(length + 1) × 8` bytes of PadN.
        case hopByHop(length: UInt8 = 0)
        case destinationOptions(length: UInt8 = 0)
        /// A routing header of type 4 (segment routing) with `length` × 8 bytes of zeros, segments left 0.
        case routing(length: UInt8 = 0)
        case fragment(offset: Int, moreFragments: Bool, identification: UInt32)
        /// An authentication header with `(length + 2) × 4` bytes.
        case authentication(length: UInt8 = 4)
    }

    /// How to fill the UDP checksum.
    public enum UDPChecksum: Sendable, Hashable {
        case computed
        /// 0: "no checksum" (IPv4, RFC 768).
        case zero
        case value(UInt16)
    }

    enum Network: Sendable {
        case ipv4(IPv4Header, options: [UInt8], checksum: UInt16?)
        case ipv6(IPv6Header, extensions: [IPv6Extension])
    }

    enum Transport: Sendable {
        case tcp(TCPHeader, options: [UInt8], checksum: UInt16?)
        case udp(UDPHeader, checksum: UDPChecksum)
        case icmp(type: UInt8, code: UInt8, rest: UInt32, checksum: UInt16?)
        case raw(protocolNumber: UInt8)
    }

    var ethernetHeader: EthernetHeader?
    var network: Network?
    var transport: Transport?
    var payloadBytes: [UInt8] = []
    var padding = false

    public static let defaultSourceMAC = MACAddress(0x02, 0, 0, 0, 0, 0x01)
    public static let defaultDestinationMAC = MACAddress(0x02, 0, 0, 0, 0, 0x02)

    /// Starts a frame with an Ethernet header (EtherType filled in from the network layer).
    public static func ethernet(
        source: MACAddress = defaultSourceMAC, destination: MACAddress = defaultDestinationMAC, vlanTag: UInt16? = nil
    ) -> PacketBuilder {
        var builder = PacketBuilder()
        builder.ethernetHeader = EthernetHeader(
            destination: destination, source: source, vlanTag: vlanTag, etherType: 0)
        return builder
    }

    /// Starts a bare IP packet (no L2 header).
    public static var ip: PacketBuilder { PacketBuilder() }

    public func ipv4(
        source: WireAddress, destination: WireAddress, ttl: UInt8 = 64, tos: UInt8 = 0, identification: UInt16 = 0,
        dontFragment: Bool = false, moreFragments: Bool = false, fragmentOffset: Int = 0, options: [UInt8] = [],
        headerChecksum: UInt16? = nil
    ) -> PacketBuilder {
        var copy = self
        let header = IPv4Header(
            headerLength: 20 + options.count, tos: tos, totalLength: 0, identification: identification,
            dontFragment: dontFragment, moreFragments: moreFragments, fragmentOffset: fragmentOffset, ttl: ttl,
            protocolNumber: 0, source: source.ipv4Value, destination: destination.ipv4Value)
        copy.network = .ipv4(header, options: options, checksum: headerChecksum)
        return copy
    }

    public func ipv4(
        source: String, destination: String, ttl: UInt8 = 64, tos: UInt8 = 0, identification: UInt16 = 0,
        dontFragment: Bool = false, moreFragments: Bool = false, fragmentOffset: Int = 0, options: [UInt8] = [],
        headerChecksum: UInt16? = nil
    ) -> PacketBuilder {
        ipv4(
            source: WireAddress(source) ?? WireAddress(ipv4: 0),
            destination: WireAddress(destination) ?? WireAddress(ipv4: 0),
            ttl: ttl, tos: tos, identification: identification, dontFragment: dontFragment,
            moreFragments: moreFragments,
            fragmentOffset: fragmentOffset, options: options, headerChecksum: headerChecksum)
    }

    public func ipv6(
        source: WireAddress, destination: WireAddress, hopLimit: UInt8 = 64, trafficClass: UInt8 = 0,
        flowLabel: UInt32 = 0, extensions: [IPv6Extension] = []
    ) -> PacketBuilder {
        var copy = self
        let header = IPv6Header(
            trafficClass: trafficClass, flowLabel: flowLabel, payloadLength: 0, nextHeader: 0, hopLimit: hopLimit,
            source: source, destination: destination)
        copy.network = .ipv6(header, extensions: extensions)
        return copy
    }

    public func ipv6(
        source: String, destination: String, hopLimit: UInt8 = 64, trafficClass: UInt8 = 0, flowLabel: UInt32 = 0,
        extensions: [IPv6Extension] = []
    ) -> PacketBuilder {
        let unspecified = WireAddress(ipv6High: 0, low: 0)
        return ipv6(
            source: WireAddress(source) ?? unspecified, destination: WireAddress(destination) ?? unspecified,
            hopLimit: hopLimit, trafficClass: trafficClass, flowLabel: flowLabel, extensions: extensions)
    }

    /// A TCP header; `options` are padded with zeros to a multiple of 4 bytes.
    public func tcp(
        sourcePort: UInt16, destinationPort: UInt16, flags: TCPFlags = [.ack], sequence: UInt32 = 1,
        acknowledgment: UInt32 = 0, window: UInt16 = 65535, options: [UInt8] = [], checksum: UInt16? = nil
    ) -> PacketBuilder {
        var copy = self
        var padded = options
        while padded.count % 4 != 0 { padded.append(0) }
        let header = TCPHeader(
            offset: 0, sourcePort: sourcePort, destinationPort: destinationPort, sequenceNumber: sequence,
            acknowledgmentNumber: acknowledgment, headerLength: 20 + padded.count, flags: flags, window: window,
            checksum: 0, urgentPointer: 0)
        copy.transport = .tcp(header, options: padded, checksum: checksum)
        return copy
    }

    public func udp(sourcePort: UInt16, destinationPort: UInt16, checksum: UDPChecksum = .computed) -> PacketBuilder {
        var copy = self
        let header = UDPHeader(
            offset: 0, sourcePort: sourcePort, destinationPort: destinationPort, length: 0, checksum: 0)
        copy.transport = .udp(header, checksum: checksum)
        return copy
    }

    /// An ICMP (IPv4) or ICMPv6 (IPv6) header; the family follows the network layer.
    public func icmp(type: UInt8, code: UInt8 = 0, restOfHeader: UInt32 = 0, checksum: UInt16? = nil) -> PacketBuilder {
        var copy = self
        copy.transport = .icmp(type: type, code: code, rest: restOfHeader, checksum: checksum)
        return copy
    }

    /// An echo request (ICMP 8 / ICMPv6 128) with identifier and sequence.
    public func echoRequest(identifier: UInt16, sequence: UInt16) -> PacketBuilder {
        let ipv6: Bool
        switch network {
        case .ipv6: ipv6 = true
        case .ipv4, nil: ipv6 = false
        }
        return icmp(
            type: ipv6 ? ICMPTypes.v6EchoRequest : ICMPTypes.v4EchoRequest,
            restOfHeader: UInt32(identifier) << 16 | UInt32(sequence))
    }

    /// No transport header: the payload follows the IP header under `protocolNumber` (e.g. 4
    /// for an inner packet built separately).
    public func rawProtocol(_ protocolNumber: UInt8) -> PacketBuilder {
        var copy = self
        copy.transport = .raw(protocolNumber: protocolNumber)
        return copy
    }

    public func payload(_ bytes: [UInt8]) -> PacketBuilder {
        var copy = self
        copy.payloadBytes = bytes
        return copy
    }

    /// Pads the finished frame with zeros to Ethernet's 60-byte minimum.
    public func padToMinimumFrame() -> PacketBuilder {
        var copy = self
        copy.padding = true
        return copy
    }
}
