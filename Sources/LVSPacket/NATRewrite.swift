/// In-place rewrites of addresses and ports for masquerading (reference §5.1), with RFC 1624
/// incremental checksum updates: the IPv4 header checksum for address changes, and the TCP,
/// UDP or ICMPv6 checksum for the pseudo-header address and the port. No allocation, no pass
/// over the payload.
///
/// Each function updates `packet` so its decoded fields describe the rewritten bytes.
public enum NATRewrite {
    /// Which end of the packet to rewrite.
    public enum Side: Sendable, Hashable {
        /// Destination address and port: DNAT of a request (VIP:vport → RS:port).
        case destination
        /// Source address and port: SNAT of a reply (RS:port → VIP:vport).
        case source
    }

    /// Rewrites the destination address and (for TCP/UDP) port: the request path of NAT.
    public static func rewriteDestination(
        in buffer: PacketBuffer, packet: inout ParsedPacket, address: WireAddress, port: UInt16
    ) throws(PacketError) {
        try rewrite(.destination, in: buffer, packet: &packet, address: address, port: port)
    }

    /// Rewrites the source address and (for TCP/UDP) port: the reply path of NAT.
    public static func rewriteSource(
        in buffer: PacketBuffer, packet: inout ParsedPacket, address: WireAddress, port: UInt16
    ) throws(PacketError) {
        try rewrite(.source, in: buffer, packet: &packet, address: address, port: port)
    }

    /// Rewrites one side. `port` is ignored for ICMP (which has none). Fragments are refused:
    /// the transport checksum lives in the first fragment only (IPVS sees reassembled packets,
    /// reference §5.7).
    public static func rewrite(
        _ side: Side, in buffer: PacketBuffer, packet: inout ParsedPacket, address: WireAddress, port: UInt16
    ) throws(PacketError) {
        guard address.isIPv6 == packet.isIPv6 else { throw .addressFamilyMismatch }
        guard !packet.network.isFragment else { throw .fragmented }
        let oldAddress = side == .destination ? packet.destination : packet.source

        // Transport checksum first (it reads nothing the address write changes).
        switch packet.transport {
        case .tcp(var header):
            let oldPort = side == .destination ? header.destinationPort : header.sourcePort
            let portField = header.offset + (side == .destination ? 2 : 0)
            var checksum = InternetChecksum.update(header.checksum, old: oldAddress, new: address)
            checksum = InternetChecksum.update(checksum, old: oldPort, new: port)
            try buffer.setU16(port, at: portField)
            try buffer.setU16(checksum, at: header.offset + TCPHeader.checksumOffset)
            header.checksum = checksum
            if side == .destination { header.destinationPort = port } else { header.sourcePort = port }
            packet.transport = .tcp(header)
        case .udp(var header):
            let oldPort = side == .destination ? header.destinationPort : header.sourcePort
            let portField = header.offset + (side == .destination ? 2 : 0)
            try buffer.setU16(port, at: portField)
            // RFC 768: 0 means "no checksum" (IPv4) and must stay 0; for IPv6 a 0 is invalid
            // anyway (RFC 8200 §8.1) and the receiver drops it, so it is left alone too.
            if header.checksum != 0 {
                var checksum = InternetChecksum.update(header.checksum, old: oldAddress, new: address)
                checksum = InternetChecksum.update(checksum, old: oldPort, new: port)
                if checksum == 0 { checksum = 0xFFFF }
                try buffer.setU16(checksum, at: header.offset + UDPHeader.checksumOffset)
                header.checksum = checksum
            }
            if side == .destination { header.destinationPort = port } else { header.sourcePort = port }
            packet.transport = .udp(header)
        case .icmp(var header):
            // ICMPv6 covers the pseudo-header (RFC 4443 §2.3); ICMPv4 does not.
            if header.isIPv6 {
                header.checksum = InternetChecksum.update(header.checksum, old: oldAddress, new: address)
                try buffer.setU16(header.checksum, at: header.offset + ICMPHeader.checksumOffset)
                packet.transport = .icmp(header)
            }
        case .other, .fragment:
            throw .unsupportedProtocol
        }
        if side == .destination { packet.destinationPort = packet.isICMP ? 0 : port }
        if side == .source { packet.sourcePort = packet.isICMP ? 0 : port }
        try rewriteAddressOnly(side, in: buffer, network: &packet.network, address: address)
    }

    /// Rewrites an address in the IP header alone (fixing the IPv4 header checksum); for use
    /// where the transport checksum is handled separately (quoted packets, tunnels).
    public static func rewriteAddressOnly(
        _ side: Side, in buffer: PacketBuffer, network: inout NetworkHeader, address: WireAddress
    ) throws(PacketError) {
        guard address.isIPv6 == network.isIPv6 else { throw .addressFamilyMismatch }
        switch network {
        case .ipv4(var header):
            let old = side == .destination ? header.destination : header.source
            let new = address.ipv4Value
            try buffer.setU32(new, at: header.offset + (side == .destination ? 16 : 12))
            // Update the stored value (the parsed field may be stale after earlier edits).
            let stored = buffer.u16(at: header.offset + 10) ?? header.checksum
            header.checksum = InternetChecksum.update(stored, old: old, new: new)
            try buffer.setU16(header.checksum, at: header.offset + 10)
            if side == .destination { header.destination = new } else { header.source = new }
            network = .ipv4(header)
        case .ipv6(var header):
            try address.write(to: buffer, at: header.offset + (side == .destination ? 24 : 8))
            if side == .destination { header.destination = address } else { header.source = address }
            network = .ipv6(header)
        }
    }

    /// Decrements the IPv4 TTL (with an incremental header-checksum fix over the TTL/protocol
    /// word) or the IPv6 hop limit. Throws `ttlExpired` when the value is ≤ 1: the caller sends
    /// time-exceeded and drops (reference §5).
    public static func decrementHopLimit(in buffer: PacketBuffer, network: inout NetworkHeader) throws(PacketError) {
        switch network {
        case .ipv4(var header):
            guard let ttl = buffer.u8(at: header.offset + 8), let checksum = buffer.u16(at: header.offset + 10) else {
                throw .outOfBounds
            }
            guard ttl > 1 else { throw .ttlExpired }
            let word = UInt16(ttl) << 8 | UInt16(header.protocolNumber)
            header.ttl = ttl - 1
            header.checksum = InternetChecksum.update(checksum, old: word, new: word &- 0x100)
            try buffer.setU8(header.ttl, at: header.offset + 8)
            try buffer.setU16(header.checksum, at: header.offset + 10)
            network = .ipv4(header)
        case .ipv6(var header):
            guard let hopLimit = buffer.u8(at: header.offset + 7) else { throw .outOfBounds }
            guard hopLimit > 1 else { throw .ttlExpired }
            header.hopLimit = hopLimit - 1
            try buffer.setU8(header.hopLimit, at: header.offset + 7)
            network = .ipv6(header)
        }
    }
}

extension ParsedPacket {
    var isICMP: Bool {
        switch transport {
        case .icmp: true
        case .tcp, .udp, .other, .fragment: false
        }
    }
}
