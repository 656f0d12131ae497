import LVSPacket

extension FuzzHarness {
    /// The first 10 bytes are a virtio-net header (PacketOffload), the rest an Ethernet frame:
    /// parsed as the rings deliver it, its IP packet decapsulated as a tunnelled real server
    /// does, and the offload header's segment count computed as the forwarder would.
    static func runPacket(_ bytes: [UInt8]) {
        guard bytes.count >= PacketOffload.length else { return }
        let offload = bytes.withUnsafeBytes { header in header.baseAddress.map { PacketOffload(reading: $0) } }
        guard let offload else { return }
        let frameBytes = Array(bytes.dropFirst(PacketOffload.length))
        PacketBuffer.withCopy(of: frameBytes, headroom: 64, tailroom: 64) { frame in
            guard let parsed = try? parseFrame(frame), let packet = parsed.packet else { return }
            if offload.isSegmented {
                _ = Segmenter.segmentCount(of: packet, segmentSize: Int(offload.segmentSize))
            }
            try? frame.removeFront(parsed.l3Offset)
            _ = try? Tunnel.decapsulate(&frame)
        }
        // The same bytes as a bare IP packet, as lvs-realserver reads them from its tunnel device.
        PacketBuffer.withCopy(of: frameBytes) { packet in
            _ = try? ParsedPacket.parse(packet, at: 0, end: packet.count)
            _ = try? Tunnel.decapsulate(&packet)
        }
    }
}
