/// Segmentation in software: what the kernel's GSO does for a device that cannot, done by the
/// engine for an aggregate frame it cannot hand back to the kernel as one (a tunnelled
/// aggregate: a packet socket cannot describe segmentation inside IP-IP).
///
/// A TCP aggregate becomes segments of `segmentSize` payload bytes with consecutive sequence
/// numbers, FIN and PSH only on the last, CWR only on the first; a UDP aggregate (UDP_SEGMENT,
/// UDP GRO) becomes datagrams of `segmentSize` payload bytes. Every segment gets its own IP
/// length, IPv4 identification (+1 per segment) and header checksum, and a complete transport
/// checksum, whatever the aggregate's checksum field held (partial or stale).
public enum Segmenter {
    /// How many wire packets `packet` stands for at `segmentSize` payload bytes each; nil when it
    /// cannot be segmented (not TCP/UDP, a fragment, a zero segment size).
    public static func segmentCount(of packet: ParsedPacket, segmentSize: Int) -> Int? {
        guard segmentSize > 0, !packet.network.isFragment else { return nil }
        switch packet.transport {
        case .tcp, .udp: break
        case .icmp, .other, .fragment: return nil
        }
        return max(1, (packet.payloadLength + segmentSize - 1) / segmentSize)
    }

    /// Writes segment `index` of the aggregate `frame` (whose IP packet is `packet`) into
    /// `output`, which must be empty with room for the headers and `segmentSize` bytes: the
    /// bytes in front of the payload (link-layer header included) are copied, then the
    /// segment's slice of the payload.
    public static func writeSegment(
        _ index: Int, of frame: PacketBuffer, packet: ParsedPacket, segmentSize: Int, into output: inout PacketBuffer
    ) throws(PacketError) {
        guard let count = segmentCount(of: packet, segmentSize: segmentSize), index >= 0, index < count,
            let l4 = packet.l4Offset
        else { throw .unsupportedProtocol }
        let headers = packet.payloadOffset
        let first = index * segmentSize
        // Every index below `count` starts inside the payload (or is the only, empty segment).
        let payload = max(min(segmentSize, packet.payloadLength - first), 0)
        try output.setCount(headers + payload)
        try output.copyBytes(from: frame, at: 0, to: 0, length: headers)
        try output.copyBytes(from: frame, at: headers + first, to: headers, length: payload)
        let l3 = packet.l3Offset
        switch packet.network {
        case .ipv4(let header):
            try output.setU16(UInt16(headers - l3 + payload), at: l3 + 2)
            try output.setU16(header.identification &+ UInt16(truncatingIfNeeded: index), at: l3 + 4)
            try output.setU16(0, at: l3 + 10)
            try output.setU16(InternetChecksum.checksum(output, at: l3, length: header.headerLength), at: l3 + 10)
        case .ipv6:
            try output.setU16(UInt16(headers - l3 - IPv6Header.length + payload), at: l3 + 4)
        }
        let field: Int
        switch packet.transport {
        case .tcp(let header):
            try output.setU32(header.sequenceNumber &+ UInt32(truncatingIfNeeded: first), at: l4 + 4)
            var flags = header.flags
            if index != count - 1 { flags.subtract([.fin, .psh]) }
            if index != 0 { flags.remove(.cwr) }
            try output.setU8(flags.rawValue, at: l4 + 13)
            field = l4 + TCPHeader.checksumOffset
        case .udp:
            try output.setU16(UInt16(headers - l4 + payload), at: l4 + 4)
            field = l4 + UDPHeader.checksumOffset
        case .icmp, .other, .fragment:
            throw .unsupportedProtocol
        }
        let length = headers - l4 + payload
        try output.setU16(0, at: field)
        let initial = InternetChecksum.pseudoHeaderSum(
            source: packet.source, destination: packet.destination, protocolNumber: packet.protocolNumber,
            length: length)
        var checksum = InternetChecksum.checksum(output, at: l4, length: length, initial: initial)
        if checksum == 0 && packet.protocolNumber == IPProtocolNumbers.udp { checksum = 0xFFFF }
        try output.setU16(checksum, at: field)
    }

    /// Writes the pseudo-header sum into the transport checksum field (the partial checksum a
    /// CHECKSUM_PARTIAL frame carries: the device or the kernel's GSO completes it over the
    /// bytes from the transport header on). Used after a rewrite changed the addresses.
    public static func writePartialChecksum(in frame: PacketBuffer, packet: ParsedPacket) throws(PacketError) {
        guard let l4 = packet.l4Offset,
            let field = TransportChecksum.fieldOffset(protocolNumber: packet.protocolNumber, ipv6: packet.isIPv6),
            packet.protocolNumber == IPProtocolNumbers.tcp || packet.protocolNumber == IPProtocolNumbers.udp
        else { throw .unsupportedProtocol }
        let sum = InternetChecksum.pseudoHeaderSum(
            source: packet.source, destination: packet.destination, protocolNumber: packet.protocolNumber,
            length: packet.network.end - l4)
        try frame.setU16(InternetChecksum.fold(sum), at: l4 + field)
    }
}
