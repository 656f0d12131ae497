extension NATRewrite {
    /// Rewrites the packet quoted in an ICMP error when relaying it across the NAT (reference
    /// §5.6): the quoted `side` address becomes `address` and, when the quote holds ports, the
    /// quoted `side` port becomes `port`. The quoted IPv4 header checksum is fixed
    /// incrementally; the ICMP checksum is then recomputed over the whole message (the quote
    /// may be cut anywhere, so nothing is assumed about it). The quoted transport checksum is
    /// left as it was, like the kernel does.
    ///
    /// Rewrite the outer addresses first (with `rewriteAddressOnly`): the ICMPv6 checksum
    /// computed here covers the outer pseudo-header as `packet` describes it.
    public static func rewriteQuoted(
        _ side: Side, in buffer: PacketBuffer, packet: inout ParsedPacket, address: WireAddress, port: UInt16
    ) throws(PacketError) {
        guard case .icmp(var icmp) = packet.transport, var quoted = packet.quoted else { throw .unsupportedProtocol }
        guard address.isIPv6 == quoted.network.isIPv6 else { throw .addressFamilyMismatch }
        // The quoted header may be truncated, but the address fields always lie inside the quote:
        // the quote parser requires the complete fixed IP header.
        try rewriteAddressOnly(side, in: buffer, network: &quoted.network, address: address)
        if quoted.hasPorts, let transport = quoted.transportOffset {
            try buffer.setU16(port, at: transport + (side == .destination ? 2 : 0))
            if side == .destination { quoted.destinationPort = port } else { quoted.sourcePort = port }
        }
        packet.quoted = quoted
        let length = packet.network.end - icmp.offset
        var initial: UInt64 = 0
        if icmp.isIPv6 {
            initial = InternetChecksum.pseudoHeaderSum(
                source: packet.source, destination: packet.destination, protocolNumber: IPProtocolNumbers.icmpv6,
                length: length)
        }
        try buffer.setU16(0, at: icmp.offset + ICMPHeader.checksumOffset)
        icmp.checksum = InternetChecksum.checksum(buffer, at: icmp.offset, length: length, initial: initial)
        try buffer.setU16(icmp.checksum, at: icmp.offset + ICMPHeader.checksumOffset)
        packet.transport = .icmp(icmp)
    }
}
