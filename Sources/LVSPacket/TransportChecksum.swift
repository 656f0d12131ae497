/// Full computation and verification of TCP, UDP and ICMP/ICMPv6 checksums (RFC 1071 over the
/// pseudo-header and segment). The slow path: rewrites use the incremental helpers.
public enum TransportChecksum {
    /// Offset of the checksum field within the transport header of `protocolNumber`, nil when
    /// the library does not checksum that protocol.
    public static func fieldOffset(protocolNumber: UInt8, ipv6: Bool) -> Int? {
        switch protocolNumber {
        case IPProtocolNumbers.tcp: TCPHeader.checksumOffset
        case IPProtocolNumbers.udp: UDPHeader.checksumOffset
        case IPProtocolNumbers.icmp where !ipv6, IPProtocolNumbers.icmpv6 where ipv6: ICMPHeader.checksumOffset
        default: nil
        }
    }

    /// The checksum the transport header of `packet` should carry (with its own field counted as
    /// zero). ICMPv4 has no pseudo-header; TCP, UDP and ICMPv6 do. A UDP result of 0 is
    /// returned as 0xFFFF (RFC 768). Nil for fragments and undecoded protocols.
    public static func compute(in buffer: PacketBuffer, packet: ParsedPacket) -> UInt16? {
        guard !packet.network.isFragment, let l4 = packet.l4Offset,
            let field = fieldOffset(protocolNumber: packet.protocolNumber, ipv6: packet.isIPv6),
            let stored = buffer.u16(at: l4 &+ field)
        else { return nil }
        let length = packet.network.end - l4
        var initial: UInt64 = 0
        if packet.isIPv6 || packet.protocolNumber != IPProtocolNumbers.icmp {
            initial = InternetChecksum.pseudoHeaderSum(
                source: packet.source, destination: packet.destination, protocolNumber: packet.protocolNumber,
                length: length)
        }
        // Subtract the stored field by adding its complement (one's-complement arithmetic).
        let sum = InternetChecksum.sum(buffer, at: l4, length: length, initial: initial &+ UInt64(~stored))
        let result = InternetChecksum.finish(sum)
        if packet.protocolNumber == IPProtocolNumbers.udp && result == 0 { return 0xFFFF }
        return result
    }

    /// Writes the computed checksum into the transport header.
    public static func recompute(in buffer: PacketBuffer, packet: ParsedPacket) throws(PacketError) {
        guard let l4 = packet.l4Offset, let value = compute(in: buffer, packet: packet),
            let field = fieldOffset(protocolNumber: packet.protocolNumber, ipv6: packet.isIPv6)
        else { throw packet.network.isFragment ? .fragmented : .unsupportedProtocol }
        try buffer.setU16(value, at: l4 &+ field)
    }

    /// True when the stored checksum matches (an IPv4 UDP checksum of 0, "not computed", is valid).
    public static func isValid(in buffer: PacketBuffer, packet: ParsedPacket) -> Bool {
        guard let l4 = packet.l4Offset,
            let field = fieldOffset(protocolNumber: packet.protocolNumber, ipv6: packet.isIPv6),
            let stored = buffer.u16(at: l4 &+ field), let expected = compute(in: buffer, packet: packet)
        else { return false }
        if stored == 0 && packet.protocolNumber == IPProtocolNumbers.udp && !packet.isIPv6 { return true }
        return stored == expected || (stored == 0xFFFF && expected == 0) || (stored == 0 && expected == 0xFFFF)
    }
}
