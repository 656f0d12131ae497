import LVSCore
import LVSPacket

/// A worker's AF_XDP sockets (`--packet-io xdp`, docs/design/0026-af-xdp.md): frames are
/// forwarded in place in the UMEM and sent through the interface's packet socket (sendmmsg,
/// with offload headers) before their chunks go back to the fill ring.
extension PacketWorker {
    /// Batches per wake-up at most, so the worker's other sockets get their turn.
    static let xdpRoundsPerWakeup = 16

    func drainXDP(_ endpoint: XDPPath.Endpoint, now: MonotonicInstant) {
        guard let ring = rings.firstIndex(where: { $0.interface == endpoint.interface }) else { return }
        let mac =
            forwarder.interfaces.indices.contains(endpoint.interface)
            ? forwarder.interfaces[endpoint.interface].mac : nil
        for _ in 0..<Self.xdpRoundsPerWakeup {
            let count = endpoint.socket.receive(
                limit: Self.batchCapacity,
                { storage, start, length in
                    var buffer = PacketBuffer(storage: storage, start: start, count: length)
                    // A frame from a local sender (veth) may carry a partial checksum that XDP
                    // does not say; the forwarder completes every checksum (or leaves it to the
                    // kernel through the offload header).
                    var offload = PacketOffload.none
                    offload.needsChecksum = true
                    forwardOne(
                        &buffer, ring: ring, forHost: Self.isForHost(storage, start, length, mac: mac),
                        offload: offload, now: now)
                }, beforeRelease: { flush() })
            if count < Self.batchCapacity { break }
        }
    }

    /// Whether the destination MAC is the interface's, or a group address (what the kernel
    /// would not mark PACKET_OTHERHOST).
    static func isForHost(_ storage: UnsafeMutableRawBufferPointer, _ start: Int, _ length: Int, mac: MACAddress?)
        -> Bool
    {
        guard let mac, length >= 6 else { return true }
        if storage[start] & 1 != 0 { return true }
        let destination = MACAddress(
            storage[start], storage[start + 1], storage[start + 2], storage[start + 3], storage[start + 4],
            storage[start + 5])
        return destination == mac
    }
}
