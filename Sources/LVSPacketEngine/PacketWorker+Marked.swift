import LVSCore
import LVSPacket

// The worker that holds the marked-packet log (firewall-mark services, reference §4.7) drains
// it like a ring: each logged IP packet is framed as if it had arrived on its interface and
// forwarded by the same forwarder, with its mark.
extension PacketWorker {
    /// Packets taken from the log per wake-up (the socket stays readable for the rest).
    static let markedBatch = 256

    /// Reads and forwards up to `markedBatch` logged packets.
    func drainMarked(_ log: MarkedPacketLog, now: MonotonicInstant) {
        var handled = 0
        while handled < Self.markedBatch {
            switch log.receive() {
            case .empty:
                return
            case .overflow:
                forwarder.countUnreadable(.markedLost)
                handled += 1
            case .datagram(let count):
                let datagram = UnsafeRawBufferPointer(rebasing: log.buffer[0..<count])
                let parsed = NFLogMessage.parse(datagram)
                for _ in 0..<parsed.malformed { forwarder.countUnreadable(.malformed) }
                for packet in parsed.packets {
                    forwardMarked(packet, in: datagram, now: now)
                    handled += 1
                }
            }
        }
    }

    /// Frames one logged packet in `markedFrame` and forwards it; the frame is sent before the
    /// buffer is reused.
    private func forwardMarked(_ packet: NFLogPacket, in datagram: UnsafeRawBufferPointer, now: MonotonicInstant) {
        let headroom = Self.scratchHeadroom
        let length = packet.payload.count
        guard let sourceMAC = packet.sourceMAC, length >= 20, headroom + 14 + length <= markedFrame.count,
            let base = markedFrame.baseAddress, let bytes = datagram.baseAddress
        else {
            forwarder.countUnreadable(.malformed)
            return
        }
        let l3 = bytes + packet.payload.lowerBound
        guard let ingress = markedIngress(packet, l3: l3, length: length) else {
            forwarder.countUnreadable(.markedNoInterface)
            return
        }
        if Self.declaredLength(l3, length: length) > length {
            // nfnetlink_log copies at most 64 KiB less its headers: a larger aggregate is cut.
            forwarder.countUnreadable(.markedLost)
            return
        }
        (base + headroom + 14).copyMemory(from: l3, byteCount: length)
        var buffer = PacketBuffer(storage: markedFrame, start: headroom, count: 14 + length)
        let header = EthernetHeader(
            destination: forwarder.interfaces[ingress].mac, source: sourceMAC, etherType: packet.hardwareProtocol)
        guard (try? header.write(to: buffer)) != nil else {
            forwarder.countUnreadable(.malformed)
            return
        }
        if scratchUsed == Self.scratchCount { flush() }
        var reply = scratchBuffer()
        let action = forwarder.forwardMarked(
            &buffer, ingress: ingress, mark: packet.mark, decider: decider, neighbours: &neighbours, now: now,
            scratch: &reply)
        complete(action, buffer: buffer, reply: reply)
        flush()
    }

    /// The engine interface the packet came in on; for one that is not the engine's, the
    /// interface of the route back to its sender (where replies and errors go).
    private func markedIngress(_ packet: NFLogPacket, l3: UnsafeRawPointer, length: Int) -> Int? {
        if let position = forwarder.interfaces.firstIndex(where: { $0.index == packet.inputInterface }) {
            return position
        }
        let source: IPAddress?
        switch l3.load(as: UInt8.self) >> 4 {
        case 4: source = IPAddress(bytes: Array(UnsafeRawBufferPointer(start: l3 + 12, count: 4)))
        case 6 where length >= 40: source = IPAddress(bytes: Array(UnsafeRawBufferPointer(start: l3 + 8, count: 16)))
        default: source = nil
        }
        return source.flatMap { forwarder.routes.lookup($0)?.interface }
    }

    /// The IP packet's own length field (IPv4 total length, IPv6 40 + payload length).
    static func declaredLength(_ l3: UnsafeRawPointer, length: Int) -> Int {
        func u16(_ offset: Int) -> Int {
            Int(l3.load(fromByteOffset: offset, as: UInt8.self)) << 8
                | Int(l3.load(fromByteOffset: offset + 1, as: UInt8.self))
        }
        switch l3.load(as: UInt8.self) >> 4 {
        case 4: return u16(2)
        case 6 where length >= 40: return 40 + u16(4)
        default: return 0
        }
    }
}
