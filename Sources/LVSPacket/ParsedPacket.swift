/// What the director needs from an IP packet for its connection lookup: offsets, addresses,
/// ports, TCP flags, protocol, lengths; the quoted packet for ICMP errors. Parsed in place.
public struct ParsedPacket: Sendable, Hashable {
    public var network: NetworkHeader
    public var transport: TransportHeader
    /// The packet an ICMP error quotes (reference §5.6).
    public var quoted: QuotedPacket?
    /// Ports of TCP, UDP and SCTP (0 otherwise).
    public var sourcePort: UInt16
    public var destinationPort: UInt16

    public var l3Offset: Int { network.offset }
    /// Offset of the transport header, nil for a non-first fragment.
    public var l4Offset: Int? {
        switch transport {
        case .tcp(let header): header.offset
        case .udp(let header): header.offset
        case .icmp(let header): header.offset
        case .other: network.transportOffset
        case .fragment: nil
        }
    }
    public var protocolNumber: UInt8 { network.protocolNumber }
    public var source: WireAddress { network.source }
    public var destination: WireAddress { network.destination }
    public var isIPv6: Bool { network.isIPv6 }
    /// Length of the IP packet (excluding any Ethernet padding).
    public var l3Length: Int { network.packetLength }

    public var tcpFlags: TCPFlags? {
        switch transport {
        case .tcp(let header): header.flags
        case .udp, .icmp, .other, .fragment: nil
        }
    }

    /// Offset of the application payload (after the transport header).
    public var payloadOffset: Int {
        switch transport {
        case .tcp(let header): header.payloadOffset
        case .udp(let header): header.payloadOffset
        case .icmp(let header): header.bodyOffset
        case .other, .fragment: network.transportOffset
        }
    }

    public var payloadLength: Int { max(network.end - payloadOffset, 0) }

    /// Parses an IP packet starting at `offset` whose bytes end at or before `end` (the
    /// Ethernet frame end; padding beyond the IP length is ignored). IPv4 header checksums are
    /// verified (the kernel drops bad ones before IPVS sees them). Transport checksums are not:
    /// see `TransportChecksum.isValid`.
    public static func parse(_ buffer: PacketBuffer, at offset: Int, end: Int) throws(PacketError) -> ParsedPacket {
        guard let first = buffer.u8(at: offset), offset < end else { throw .truncatedIPv4Header }
        let network: NetworkHeader
        switch first >> 4 {
        case 4:
            let header = try IPv4Header.parse(buffer, at: offset, end: end)
            guard header.checksumIsValid(in: buffer) else { throw .badIPv4HeaderChecksum }
            network = .ipv4(header)
        case 6:
            network = .ipv6(try IPv6Header.parse(buffer, at: offset, end: end))
        default:
            throw .badIPVersion
        }
        return try parseTransport(buffer, network: network)
    }

    static func parseTransport(_ buffer: PacketBuffer, network: NetworkHeader) throws(PacketError) -> ParsedPacket {
        var packet = ParsedPacket(
            network: network, transport: .fragment, quoted: nil, sourcePort: 0, destinationPort: 0)
        guard !network.isNonFirstFragment else { return packet }
        let offset = network.transportOffset
        let end = network.end
        let whole = !network.isFragment
        switch network.protocolNumber {
        case IPProtocolNumbers.tcp:
            // A first fragment may carry only part of the options; the fixed header suffices.
            let header = try TCPHeader.parse(buffer, at: offset, end: end, checkOptions: whole)
            packet.transport = .tcp(header)
            packet.sourcePort = header.sourcePort
            packet.destinationPort = header.destinationPort
        case IPProtocolNumbers.udp:
            let header = try UDPHeader.parse(buffer, at: offset, end: end, checkLength: whole)
            packet.transport = .udp(header)
            packet.sourcePort = header.sourcePort
            packet.destinationPort = header.destinationPort
        case IPProtocolNumbers.icmp where !network.isIPv6, IPProtocolNumbers.icmpv6 where network.isIPv6:
            let header = try ICMPHeader.parse(buffer, at: offset, end: end, ipv6: network.isIPv6)
            packet.transport = .icmp(header)
            if header.isAnyError && whole {
                packet.quoted = try QuotedPacket.parse(buffer, at: header.bodyOffset, end: end, ipv6: network.isIPv6)
            }
        case IPProtocolNumbers.sctp:
            packet.transport = .other
            if end - offset >= 4, let source = buffer.u16(at: offset), let destination = buffer.u16(at: offset &+ 2) {
                packet.sourcePort = source
                packet.destinationPort = destination
            }
        default:
            packet.transport = .other
        }
        return packet
    }
}

/// The content of an Ethernet frame.
public enum FramePayload: Sendable, Hashable {
    case arp(ARPPacket)
    case ip(ParsedPacket)
}

/// A parsed Ethernet frame: L2 header plus ARP or IP content.
public struct ParsedFrame: Sendable, Hashable {
    public var ethernet: EthernetHeader
    public var payload: FramePayload

    /// Offset of the L3 header (14 or 18).
    public var l3Offset: Int { ethernet.length }

    /// The IP packet, nil for ARP.
    public var packet: ParsedPacket? {
        switch payload {
        case .arp: nil
        case .ip(let packet): packet
        }
    }

    public var arp: ARPPacket? {
        switch payload {
        case .arp(let arp): arp
        case .ip: nil
        }
    }
}

/// Parses an Ethernet II frame (one optional 802.1Q tag) carrying ARP, IPv4 or IPv6. The single
/// entry point of the engine's receive path: throws a typed `PacketError` for anything malformed
/// or unsupported, reads only inside `buffer`, allocates nothing.
public func parseFrame(_ buffer: PacketBuffer) throws(PacketError) -> ParsedFrame {
    let ethernet = try EthernetHeader.parse(buffer)
    let l3 = ethernet.length
    switch ethernet.etherType {
    case EtherType.arp:
        return ParsedFrame(ethernet: ethernet, payload: .arp(try ARPPacket.parse(buffer, at: l3)))
    case EtherType.ipv4:
        guard buffer.u8(at: l3).map({ $0 >> 4 == 4 }) ?? true else { throw .badIPVersion }
        guard buffer.count > l3 else { throw .truncatedIPv4Header }
    case EtherType.ipv6:
        guard buffer.u8(at: l3).map({ $0 >> 4 == 6 }) ?? true else { throw .badIPVersion }
        guard buffer.count > l3 else { throw .truncatedIPv6Header }
    default:
        throw .unsupportedEtherType
    }
    let packet = try ParsedPacket.parse(buffer, at: l3, end: buffer.count)
    return ParsedFrame(ethernet: ethernet, payload: .ip(packet))
}
