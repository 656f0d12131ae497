import LVSPacket

// Offloaded frames (PACKET_VNET_HDR): a partial checksum stays partial and an aggregate stays
// one frame when the transmit side can say so to the kernel, which then completes or segments
// it on the way out (as the kernel's own forwarding does); otherwise the engine completes the
// checksum or segments the aggregate itself.
extension PacketForwarder {
    /// The IP length of the largest wire packet the frame stands for (an aggregate's segments
    /// are what must fit the MTU, reference §5.7).
    func wireLength(of packet: ParsedPacket) -> Int {
        guard offload.isSegmented else { return packet.l3Length }
        return min(packet.l3Length, packet.payloadOffset - packet.l3Offset + Int(offload.segmentSize))
    }

    /// The last step before a (rewritten) frame leaves through `egress`: settles its checksum
    /// and segmentation. Handed to the kernel as it is when the transmit side takes offload
    /// headers; else an aggregate is split and a partial checksum completed here.
    mutating func settleOffload(_ frame: PacketBuffer, packet: ParsedPacket, egress: Int) throws(PacketError)
        -> ForwardAction
    {
        guard offload.isSegmented || offload.needsChecksum else { return .transmit(interface: egress) }
        if offloadTransmit, let header = passThrough(packet) {
            try Segmenter.writePartialChecksum(in: frame, packet: packet)
            transmitOffload = header
            return .transmit(interface: egress)
        }
        if offload.isSegmented { return segmentInSoftware(frame, packet: packet, egress: egress, tunnel: nil) }
        try TransportChecksum.recompute(in: frame, packet: packet)
        return .transmit(interface: egress)
    }

    /// The header to send a TCP/UDP frame with, its checksum left partial (and its aggregate
    /// whole); nil when the frame's offload does not match what it carries.
    func passThrough(_ packet: ParsedPacket) -> PacketOffload? {
        guard let l4 = packet.l4Offset, !packet.network.isFragment,
            let field = TransportChecksum.fieldOffset(protocolNumber: packet.protocolNumber, ipv6: packet.isIPv6)
        else { return nil }
        let kind = offload.segmentation
        switch packet.transport {
        case .tcp:
            guard kind == PacketOffload.Segmentation.none || kind == (packet.isIPv6 ? .tcpIPv6 : .tcpIPv4) else {
                return nil
            }
        case .udp:
            guard kind == PacketOffload.Segmentation.none || kind == .udpSegments else { return nil }
        case .icmp, .other, .fragment:
            return nil
        }
        return PacketOffload(
            needsChecksum: true, segmentationType: offload.segmentationType,
            headerLength: UInt16(clamping: packet.payloadOffset), segmentSize: offload.segmentSize,
            checksumStart: UInt16(clamping: l4), checksumOffset: UInt16(field))
    }

    /// Splits the aggregate `frame` into the segment arena, each segment encapsulated for
    /// `tunnel` when given; `.transmitSegments` with their count.
    mutating func segmentInSoftware(_ frame: PacketBuffer, packet: ParsedPacket, egress: Int, tunnel: TunnelHop?)
        -> ForwardAction
    {
        let size = Int(offload.segmentSize)
        guard let kind = offload.segmentation, kind != .udpFragmentation,
            let count = Segmenter.segmentCount(of: packet, segmentSize: size),
            segments.reserve(count: count, frameLength: packet.payloadOffset + size)
        else { return drop(.segmentationFailed) }
        do {
            for index in 0..<count {
                var segment = segments.emptySlot(index)
                try Segmenter.writeSegment(index, of: frame, packet: packet, segmentSize: size, into: &segment)
                if let tunnel { try encapsulate(&segment, l3Offset: packet.l3Offset, hop: tunnel) }
                segments.append(segment)
            }
        } catch {
            return drop(.segmentationFailed)
        }
        counters.segmentsWritten &+= UInt64(count)
        return .transmitSegments(interface: egress, count: count)
    }
}
