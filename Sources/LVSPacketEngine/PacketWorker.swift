import CLinuxNet
import Glibc
import LVSCore
import LVSPacket
import LVSReactor
import Synchronization

/// What the control plane tells a worker.
enum PacketWorkerMessage: Sendable {
    /// A new forwarding plan with the interfaces and routes as they are now.
    case plan(ForwardingPlan, interfaces: [NetworkInterface], routes: RouteTable)
    /// The director's configuration changed: report the flow table's traffic and forget its
    /// grants (docs/design/0025-packet-engine-without-a-lock.md).
    case forgetFlows
}

/// One packet-engine worker on its own reactor thread: drains its rings block by block, runs
/// each frame through the forwarder, and sends what comes out with one sendmmsg per interface
/// per block (DESIGN.md §6: no syscall per packet).
final class PacketWorker: ReactorHandler {
    typealias Message = PacketWorkerMessage

    /// Batch size of one sendmmsg.
    static let batchCapacity = 64
    /// Scratch frames (ICMP errors, solicitations) per batch.
    static let scratchCount = 16
    static let scratchSize = 2048
    static let scratchHeadroom = 64

    var rings: [PacketRing]
    var forwarder: PacketForwarder
    var neighbours: WorkerNeighbours
    let decider: WorkerDecider
    let published: CounterBox
    /// Raw sockets into the director's own stack (local real servers).
    let local: LocalDelivery
    /// The marked-packet log (firewall-mark services); one worker reads it.
    let markedLog: MarkedPacketLog?
    /// Where a logged packet is framed: headroom, an Ethernet header, up to 64 KiB of packet.
    let markedFrame: UnsafeMutableRawBufferPointer

    /// Per interface: pending iovecs (two per message: offload header, frame) and their message
    /// headers.
    let iovecs: UnsafeMutablePointer<iovec>
    /// One offload header per message slot (sent in front of the frame when the ring has them).
    let offloadHeaders: UnsafeMutableRawPointer
    let messages: UnsafeMutablePointer<clinuxnet_mmsghdr>
    var pending: [Int]
    let scratch: UnsafeMutableRawBufferPointer
    var scratchUsed = 0
    /// Where a frame larger than a TPACKET_V2 slot is read to (an aggregate up to BIG TCP's size).
    let large: UnsafeMutableRawBufferPointer
    /// The AF_XDP sockets this worker drains (`--packet-io xdp`; PacketWorker+XDP.swift).
    let xdpEndpoints: [XDPPath.Endpoint]

    init(
        rings: [PacketRing], forwarder: PacketForwarder, director: any PacketEngineDirector,
        neighbours: SharedNeighbours, published: CounterBox, local: LocalDelivery, markedLog: MarkedPacketLog? = nil,
        flowCapacity: Int = 1 << 17, xdpEndpoints: [XDPPath.Endpoint] = []
    ) {
        self.xdpEndpoints = xdpEndpoints
        self.local = local
        self.markedLog = markedLog
        markedFrame = .allocate(byteCount: markedLog == nil ? 0 : Self.scratchHeadroom + 14 + 65536, alignment: 64)
        self.rings = rings
        self.forwarder = forwarder
        self.neighbours = WorkerNeighbours(shared: neighbours)
        self.decider = WorkerDecider(director: director, capacity: flowCapacity)
        self.published = published
        let slots = max(rings.count, 1) * Self.batchCapacity
        iovecs = .allocate(capacity: 2 * slots)
        messages = .allocate(capacity: slots)
        offloadHeaders = .allocate(byteCount: slots * PacketOffload.length, alignment: 8)
        for slot in 0..<slots {
            let header = offloadHeaders + slot * PacketOffload.length
            PacketOffload.none.write(to: header)
            (iovecs + 2 * slot).initialize(to: iovec(iov_base: header, iov_len: PacketOffload.length))
            (iovecs + 2 * slot + 1).initialize(to: iovec())
            (messages + slot).initialize(to: clinuxnet_mmsghdr())
            let withHeader = rings[slot / Self.batchCapacity].offload
            messages[slot].msg_hdr.msg_iov = iovecs + 2 * slot + (withHeader ? 0 : 1)
            messages[slot].msg_hdr.msg_iovlen = withHeader ? 2 : 1
        }
        self.forwarder.offloadTransmit = !rings.isEmpty && rings.allSatisfy(\.offload)
        self.forwarder.counters.ringBytes = UInt64(rings.reduce(0) { $0 + $1.blockSize * $1.blockCount })
        pending = Array(repeating: 0, count: rings.count)
        scratch = .allocate(byteCount: Self.scratchCount * Self.scratchSize, alignment: 64)
        large = .allocate(
            byteCount: rings.contains { $0.kind == .frames } ? SegmentArena.headroom + (512 << 10) : 0, alignment: 64)
    }

    deinit {
        iovecs.deallocate()
        messages.deallocate()
        offloadHeaders.deallocate()
        scratch.deallocate()
        large.deallocate()
        markedFrame.deallocate()
    }

    func reactorStarted(_ reactor: Reactor<PacketWorker>) {
        for ring in rings {
            // Level-triggered: readable while a block is user-owned, so none is left behind.
            _ = try? reactor.register(ring.fd, interest: .readable)
        }
        if let markedLog { _ = try? reactor.register(markedLog.fd, interest: .readable) }
        for endpoint in xdpEndpoints { _ = try? reactor.register(endpoint.socket.fd, interest: .readable) }
        reactor.armTimer(slot: 0, afterNanoseconds: 1_000_000_000)
    }

    func handle(_ event: ReactorEvent, reactor: Reactor<PacketWorker>) {
        if let markedLog, event.fd == markedLog.fd {
            drainMarked(markedLog, now: reactor.now)
            return
        }
        if let endpoint = xdpEndpoints.first(where: { $0.socket.fd == event.fd }) {
            drainXDP(endpoint, now: reactor.now)
            return
        }
        guard let position = rings.firstIndex(where: { $0.fd == event.fd }) else { return }
        let now = reactor.now
        switch rings[position].kind {
        case .blocks:
            // Bounded: at most one ring's worth of blocks per wake-up, so other rings get their turn.
            for _ in 0..<rings[position].blockCount {
                guard let block = rings[position].readyBlock() else { break }
                process(block: block, ring: position, now: now)
                flush()
                rings[position].releaseBlock()
            }
        case .frames:
            // Rounds of up to one batch: the slots' frames are sent (flush) before the slots go
            // back to the kernel. Bounded by the ring's size per wake-up; the slot before the
            // next one being user-owned too means the kernel filled the whole ring.
            if rings[position].frame(rings[position].frameCount - 1) != nil { forwarder.counters.ringFull &+= 1 }
            var handled = 0
            while handled < rings[position].frameCount {
                var taken = 0
                while taken < Self.batchCapacity, let frame = rings[position].frame(taken) {
                    process(slot: frame, ring: position, now: now)
                    taken += 1
                }
                guard taken > 0 else { break }
                flush()
                rings[position].releaseFrames(taken)
                handled += taken
            }
        }
    }

    func timerFired(slot: UInt32, reactor: Reactor<PacketWorker>) {
        decider.report(now: reactor.now, force: true)
        guard slot == 0 else { return }
        decider.flows.removeExpired(now: reactor.now.nanoseconds)
        var drops: UInt64 = 0
        for ring in rings { drops &+= UInt64(ring.statistics().drops) }
        forwarder.counters.ringDrops &+= drops
        reactor.armTimer(slot: 0, afterNanoseconds: 1_000_000_000)
    }

    func mailboxMessage(_ message: PacketWorkerMessage, reactor: Reactor<PacketWorker>) {
        switch message {
        case .forgetFlows:
            decider.forgetFlows(now: reactor.now)
        case .plan(let plan, let interfaces, let routes):
            decider.forgetFlows(now: reactor.now)
            forwarder.plan = plan
            forwarder.interfaces = interfaces
            forwarder.routes = routes
            for server in plan.realServers {
                if scratchUsed == Self.scratchCount { flush() }
                var reply = scratchBuffer()
                if let interface = forwarder.resolveAhead(
                    server, neighbours: &neighbours, now: reactor.now, scratch: &reply)
                {
                    scratchUsed += 1
                    enqueue(reply, interface: interface)
                }
            }
            flush()
        }
    }

    func batchCompleted(reactor: Reactor<PacketWorker>) {
        // Traffic of the worker's own flows reaches the director within one report interval
        // (timer slot 1; slot 0 is the one-second timer, and the worker arms none per fd).
        decider.report(now: reactor.now)
        if decider.flows.hasUnreportedTraffic && !reactor.isTimerArmed(slot: 1) {
            reactor.armTimer(slot: 1, afterNanoseconds: WorkerDecider.reportInterval)
        }
        let counters = forwarder.counters
        published.value.withLock { $0 = counters }
    }

    func reactorStopping(_ reactor: Reactor<PacketWorker>) {
        decider.report(now: reactor.now, force: true)
        for ring in rings {
            if let token = reactor.token(for: ring.fd) { try? reactor.deregister(token) }
        }
        if let markedLog, let token = reactor.token(for: markedLog.fd) { try? reactor.deregister(token) }
        for endpoint in xdpEndpoints {
            if let token = reactor.token(for: endpoint.socket.fd) { try? reactor.deregister(token) }
        }
    }

    /// Walks the frames of one TPACKET_V3 block.
    private func process(block: UnsafeMutableRawPointer, ring: Int, now: MonotonicInstant) {
        let count = Int(clinuxpacket_block_packets(block))
        var offset = Int(clinuxpacket_block_first(block))
        let headerLength = clinuxpacket_frame_header_length()
        let blockSize = rings[ring].blockSize
        for _ in 0..<count {
            guard offset > 0, offset + headerLength <= blockSize else { break }
            let frame = block + offset
            // The frame may grow (an FTP reply rewritten longer) into the padding before the
            // next frame, or to the block's end after the last one.
            let next = Int(clinuxpacket_frame_next(frame))
            receive(
                frame, headerLength: headerLength, room: blockSize - offset,
                usable: next > 0 ? next : blockSize - offset,
                mac: Int(clinuxpacket_frame_mac(frame)),
                snap: Int(clinuxpacket_frame_snaplen(frame)), length: Int(clinuxpacket_frame_len(frame)),
                status: clinuxpacket_frame_status(frame), type: Int32(clinuxpacket_frame_pkttype(frame)),
                ring: ring, now: now)
            guard next > 0 else { break }
            offset += next
        }
    }

    /// One TPACKET_V2 slot; a frame too large for it (TP_STATUS_COPY) is read whole from the
    /// socket's queue, where the kernel put a copy in the same order.
    private func process(slot frame: UnsafeMutableRawPointer, ring: Int, now: MonotonicInstant) {
        let status = clinuxpacket_v2_status(frame)
        let type = Int32(clinuxpacket_v2_pkttype(frame))
        if status & CLINUXPACKET_TP_STATUS_COPY != 0 {
            receiveQueued(ring: ring, type: type, now: now)
            return
        }
        receive(
            frame, headerLength: clinuxpacket_v2_header_length(), room: rings[ring].frameSize,
            usable: rings[ring].frameSize, mac: Int(clinuxpacket_v2_mac(frame)),
            snap: Int(clinuxpacket_v2_snaplen(frame)),
            length: Int(clinuxpacket_v2_len(frame)), status: status, type: type, ring: ring, now: now)
    }

    /// Forwards the frame of one ring slot: `mac` and `snap` locate it from `frame`, which has
    /// `room` bytes; the ring's header takes `headerLength`, the offload header (if any) the 10
    /// bytes in front of the frame. The first `usable` bytes from `frame` belong to this frame
    /// alone: what lies after the frame's end within them is its tailroom.
    private func receive(
        _ frame: UnsafeMutableRawPointer, headerLength: Int, room: Int, usable: Int, mac: Int, snap: Int, length: Int,
        status: UInt32, type: Int32, ring: Int, now: MonotonicInstant
    ) {
        let withOffload = rings[ring].offload
        let headerBytes = headerLength + (withOffload ? PacketOffload.length : 0)
        guard mac >= headerBytes, mac + snap <= room, type != CLINUXPACKET_PACKET_OUTGOING else { return }
        guard snap == length else {
            // Cut short by the ring (a frame larger than it, and no room to queue a copy).
            forwarder.countUnreadable(.truncated)
            return
        }
        let end = max(min(usable, room), mac + snap)
        let storage = UnsafeMutableRawBufferPointer(start: frame + headerLength, count: end - headerLength)
        var buffer = PacketBuffer(storage: storage, start: mac - headerLength, count: snap)
        var offload = PacketOffload.none
        if withOffload {
            offload = PacketOffload(reading: frame + mac - PacketOffload.length)
        } else if status & CLINUXPACKET_TP_STATUS_CSUMNOTREADY != 0 {
            // Without offload headers a partial checksum is all the ring tells.
            offload.needsChecksum = true
        }
        forwardOne(&buffer, ring: ring, forHost: type != 3 /* PACKET_OTHERHOST */, offload: offload, now: now)
    }

    /// Reads the next queued whole frame (an aggregate larger than a V2 slot) and forwards it.
    private func receiveQueued(ring: Int, type: Int32, now: MonotonicInstant) {
        let withOffload = rings[ring].offload
        let front = SegmentArena.headroom - (withOffload ? PacketOffload.length : 0)
        guard let base = large.baseAddress else { return }
        let received = Glibc.recv(rings[ring].fd, base + front, large.count - front, Int32(MSG_DONTWAIT | MSG_TRUNC))
        guard received > 0 else {
            forwarder.countUnreadable(.truncated)
            return
        }
        let length = received - (withOffload ? PacketOffload.length : 0)
        guard length > 0, front + received <= large.count else {
            forwarder.countUnreadable(.truncated)
            return
        }
        let offload = withOffload ? PacketOffload(reading: base + front) : .none
        var buffer = PacketBuffer(storage: large, start: SegmentArena.headroom, count: length)
        guard type != CLINUXPACKET_PACKET_OUTGOING else { return }
        forwardOne(&buffer, ring: ring, forHost: type != 3 /* PACKET_OTHERHOST */, offload: offload, now: now)
        // The buffer is reused by the next queued frame.
        flush()
    }

    func forwardOne(
        _ buffer: inout PacketBuffer, ring: Int, forHost: Bool, offload: PacketOffload, now: MonotonicInstant
    ) {
        if scratchUsed == Self.scratchCount { flush() }
        var reply = scratchBuffer()
        let action = forwarder.forward(
            &buffer, ingress: rings[ring].interface, forHost: forHost, offload: offload,
            decider: decider, neighbours: &neighbours,
            now: now, scratch: &reply)
        complete(action, buffer: buffer, reply: reply)
    }

    /// Sends what `action` says for the frame in `buffer` (or the reply in `reply`).
    func complete(_ action: ForwardAction, buffer: PacketBuffer, reply: PacketBuffer) {
        switch action {
        case .transmit(let interface):
            enqueue(buffer, interface: interface, offload: forwarder.transmitOffload)
        case .transmitSegments(let interface, let count):
            for index in 0..<count { enqueue(forwarder.segments.frame(index), interface: interface) }
            // The arena is reused by the next aggregate.
            flush()
        case .reply(let interface):
            scratchUsed += 1
            enqueue(reply, interface: interface)
        case .deliverLocally(let l3Offset):
            if !local.send(buffer, l3Offset: l3Offset) { forwarder.counters.count(.localDeliveryFailed) }
        case .drop, .ignore:
            break
        }
    }

    /// The next free scratch frame, empty, with headroom for an Ethernet header.
    func scratchBuffer() -> PacketBuffer {
        let slot = UnsafeMutableRawBufferPointer(
            rebasing: scratch[(scratchUsed * Self.scratchSize)..<((scratchUsed + 1) * Self.scratchSize)])
        return PacketBuffer(storage: slot, start: Self.scratchHeadroom, count: 0)
    }

    private func enqueue(_ buffer: PacketBuffer, interface: Int, offload: PacketOffload = .none) {
        guard let ring = rings.firstIndex(where: { $0.interface == interface }),
            let base = buffer.storage.baseAddress
        else {
            forwarder.counters.count(.transmitFailed)
            return
        }
        if pending[ring] == Self.batchCapacity { flush() }
        let slot = ring * Self.batchCapacity + pending[ring]
        iovecs[2 * slot + 1] = iovec(iov_base: base + buffer.start, iov_len: buffer.count)
        if rings[ring].offload { offload.write(to: offloadHeaders + slot * PacketOffload.length) }
        pending[ring] += 1
    }

    /// Sends every pending frame: one sendmmsg per interface (retrying a partial send once).
    func flush() {
        for ring in rings.indices where pending[ring] > 0 {
            let first = messages + ring * Self.batchCapacity
            var sent = 0
            var attempts = 0
            while sent < pending[ring] && attempts < 4 {
                attempts += 1
                let result = clinuxnet_sendmmsg(rings[ring].fd, first + sent, UInt32(pending[ring] - sent), 0)
                if result > 0 { sent += Int(result) } else if errno != EINTR { break }
            }
            for _ in sent..<pending[ring] { forwarder.counters.count(.transmitFailed) }
            pending[ring] = 0
        }
        scratchUsed = 0
    }
}
