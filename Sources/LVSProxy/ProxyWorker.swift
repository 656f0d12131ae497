import CLinuxNet
import Glibc
import LVSCore
import LVSFTP
import LVSReactor
import LVSSharedDirector

/// One reactor's proxy engine: its listeners, its connections and UDP sessions, its buffer and
/// pipe pools (docs/design/0007-proxy-engine.md). Every method runs on the reactor's thread;
/// the only state shared with other threads is the `SharedDirector` (locked, at connection
/// events) and the counters (atomics).
public final class ProxyWorker: ReactorHandler {
    public typealias Message = ProxyMessage

    let index: Int
    let shared: SharedDirector
    let configuration: ProxyEngineConfiguration
    let counters: ProxyCounters
    var slots: SlotTable<ProxySlot>
    let buffers: BufferPool
    let pipes: PipePool
    var timeouts: TimeoutSettings
    /// This worker's listeners by service.
    var listeners: [VirtualServiceID: UInt32] = [:]
    /// Listeners whose accept budget ran out in this batch: drained again in `batchCompleted`.
    var pendingListeners: [UInt32] = []
    var udpSessions: [UDPSessionKey: UInt32] = [:]
    /// Sessions in the order they opened, for second-chance eviction (stale tokens are skipped).
    var udpSessionRing = UDPSessionRing()
    /// Most sessions this worker keeps (its share of `maxUDPSessions`).
    let udpSessionLimit: Int
    /// One datagram of scratch space for UDP.
    let datagram: UnsafeMutableRawBufferPointer
    var tickSlot: UInt32 = .max
    /// FTP control connections by client slot (only connections to an FTP port have one).
    var ftpControls: [UInt32: FTPControlState] = [:]
    /// One read of an FTP control connection.
    let ftpScratch: UnsafeMutableRawBufferPointer
    /// Content-switched HTTP connections by client slot (docs/design/0019).
    var httpSessions: [UInt32: HTTPSession] = [:]
    /// Finished sessions kept for new client connections (`HTTPSession.recycle`).
    var spareHTTPSessions: [HTTPSession] = []
    static let spareSessionLimit = 256
    /// One read of a content-switched connection.
    let httpScratch: UnsafeMutableRawBufferPointer
    /// Idle real-server connections of content-switched services, shared by this worker's clients.
    var httpPool = HTTPServerPool(
        perServerLimit: ProxyWorker.poolPerServerLimit, idleTimeoutNanoseconds: ProxyWorker.poolIdleTimeoutNanoseconds)
    /// Slots collected under a flush, acted on after the lock is released.
    var flushResults: [(slot: UInt32, token: ReactorToken, status: EngineEntryStatus)] = []

    static let tickNanoseconds: UInt64 = 1_000_000_000
    static let acceptBudget = 64
    static let datagramBudget = 256
    /// The most one splice from a socket into a pipe asks for: the pipe's capacity.
    let spliceChunk: Int

    init(
        index: Int, shared: SharedDirector, configuration: ProxyEngineConfiguration, counters: ProxyCounters,
        timeouts: TimeoutSettings
    ) {
        self.index = index
        self.shared = shared
        self.configuration = configuration
        self.counters = counters
        self.timeouts = timeouts
        self.slots = SlotTable(vacant: ProxySlot(), initialCapacity: 4096)
        self.buffers = BufferPool(bufferSize: configuration.bufferSize, capacity: configuration.buffersPerReactor)
        self.pipes = PipePool(
            maxPipes: configuration.pipesPerReactor,
            pipeSize: configuration.pipeSize > 0 ? Int32(configuration.pipeSize) : nil)
        self.spliceChunk = configuration.pipeSize > 0 ? configuration.pipeSize : 64 * 1024
        let reactors = max(
            1, configuration.reactorCount > 0 ? configuration.reactorCount : SystemLimits.onlineProcessors)
        let total =
            configuration.maxUDPSessions > 0
            ? configuration.maxUDPSessions : max(1024, Int(clamping: SystemLimits.fileDescriptors) / 2)
        self.udpSessionLimit = max(16, total / reactors)
        self.datagram = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
        self.ftpScratch = UnsafeMutableRawBufferPointer.allocate(
            byteCount: FTPControlParser.maximumLineLength + 2, alignment: 16)
        self.httpScratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 16_384, alignment: 16)
        self.flushResults.reserveCapacity(1024)
        self.pendingListeners.reserveCapacity(16)
    }

    deinit {
        datagram.deallocate()
        ftpScratch.deallocate()
        httpScratch.deallocate()
    }

    // MARK: - Reactor callbacks

    public func reactorStarted(_ reactor: Reactor<ProxyWorker>) {
        // An eventfd that never fires reserves a slot number for the once-a-second flush timer.
        let fd = clinuxnet_eventfd()
        guard fd >= 0, let token = try? reactor.register(fd, interest: .input) else {
            if fd >= 0 { _ = Glibc.close(fd) }
            counters.increment(.listenerErrors)
            return
        }
        var slot = ProxySlot()
        slot.kind = .tick
        slot.token = token
        _ = slots.occupy(token.slot, with: slot)
        tickSlot = token.slot
        reactor.armTimer(slot: tickSlot, afterNanoseconds: Self.tickNanoseconds)
    }

    public func handle(_ event: ReactorEvent, reactor: Reactor<ProxyWorker>) {
        let slot = event.token.slot
        guard slots.isCurrent(event.token) else { return }
        switch slots[slot].kind {
        case .tcpListener:
            acceptConnections(listener: slot, reactor: reactor)
        case .udpListener:
            receiveDatagrams(listener: slot, reactor: reactor)
        case .udpUpstream:
            receiveReplies(upstream: slot, reactor: reactor)
        case .client, .server:
            connectionEvent(slot, token: event.token, readiness: event.readiness, reactor: reactor)
        case .ftpDataListener:
            acceptDataConnection(listener: slot, reactor: reactor)
        case .tick, .vacant:
            break
        }
    }

    public func timerFired(slot: UInt32, reactor: Reactor<ProxyWorker>) {
        guard slots.isOccupied(slot) else { return }
        switch slots[slot].kind {
        case .tick:
            flush(reactor: reactor)
            reactor.armTimer(slot: slot, afterNanoseconds: Self.tickNanoseconds)
        case .tcpListener:
            acceptConnections(listener: slot, reactor: reactor)
        case .client:
            connectionTimer(slot, reactor: reactor)
        case .udpUpstream:
            sessionTimer(slot, reactor: reactor)
        case .ftpDataListener:
            counters.increment(.ftpDataAcceptTimeouts)
            closeDataListener(slot, reactor: reactor)
        case .udpListener, .server, .vacant:
            break
        }
    }

    public func mailboxMessage(_ message: ProxyMessage, reactor: Reactor<ProxyWorker>) {
        switch message {
        case .adoptListener(let service, let fd):
            adoptListener(service, fd: fd, reactor: reactor)
        case .closeListener(let service):
            closeListener(service, reactor: reactor)
        case .timeouts(let newTimeouts):
            timeouts = newTimeouts
            rearmIdleTimers(reactor: reactor)
        case .flush:
            flush(reactor: reactor)
        }
    }

    public func batchCompleted(reactor: Reactor<ProxyWorker>) {
        guard !pendingListeners.isEmpty else { return }
        let pending = pendingListeners
        pendingListeners.removeAll(keepingCapacity: true)
        for listener in pending where slots.isOccupied(listener) {
            switch slots[listener].kind {
            case .tcpListener: acceptConnections(listener: listener, reactor: reactor)
            case .udpListener: receiveDatagrams(listener: listener, reactor: reactor)
            case .client, .server, .udpUpstream, .tick, .ftpDataListener, .vacant: break
            }
        }
    }

    public func reactorStopping(_ reactor: Reactor<ProxyWorker>) {
        if !httpPool.isEmpty {
            // Idle pooled connections end as closed (their entries released), as an idle timeout would.
            let idle = httpPool.removeAll { _ in true }
            let now = reactor.now
            shared.withState { state in
                for connection in idle {
                    Self.releaseLocked(
                        &state, connection.ref, service: connection.group, traffic: connection.traffic, now: now)
                }
            }
            for connection in idle { closePooledSocket(connection, reactor: reactor) }
        }
        for slot in 0..<UInt32(slots.capacity) where slots.isOccupied(slot) {
            switch slots[slot].kind {
            case .client: finish(slot, reset: .client, reactor: reactor)
            case .udpUpstream: closeSession(slot, reactor: reactor)
            case .tcpListener, .udpListener, .tick, .server, .ftpDataListener, .vacant: break
            }
        }
        for slot in 0..<UInt32(slots.capacity) where slots.isOccupied(slot) {
            let entry = slots[slot]
            _ = slots.release(slot: slot)
            reactor.close(entry.token)
        }
        listeners.removeAll()
        ftpControls.removeAll()
        httpSessions.removeAll()
    }

    // MARK: - Listeners

    private func adoptListener(_ service: VirtualServiceID, fd: Int32, reactor: Reactor<ProxyWorker>) {
        if listeners[service] != nil { closeListener(service, reactor: reactor) }
        let interest: ReactorInterest = .input
        guard let token = try? reactor.register(fd, interest: interest) else {
            counters.increment(.listenerErrors)
            _ = Glibc.close(fd)
            return
        }
        var slot = ProxySlot()
        slot.kind = service.protocolNumber == .udp ? .udpListener : .tcpListener
        slot.token = token
        slot.service = service
        guard slots.occupy(token.slot, with: slot) != nil else {
            counters.increment(.listenerErrors)
            reactor.close(token)
            return
        }
        listeners[service] = token.slot
    }

    private func closeListener(_ service: VirtualServiceID, reactor: Reactor<ProxyWorker>) {
        guard let listener = listeners.removeValue(forKey: service) else { return }
        if service.protocolNumber == .udp {
            // Replies leave through the listener: its sessions end with it.
            for slot in 0..<UInt32(slots.capacity)
            where slots.isOccupied(slot) && slots[slot].kind == .udpUpstream && slots[slot].listener == listener {
                closeSession(slot, reactor: reactor)
            }
        }
        reactor.cancelTimer(slot: listener)
        if let entry = slots.release(slot: listener) { reactor.close(entry.token) }
    }

    // MARK: - Timers

    /// The idle timeout of a connection in its current state (reference §4.5): ESTABLISHED's
    /// while both directions are open, FIN_WAIT's once one side has closed.
    func idleTimeoutNanoseconds(_ slot: UInt32) -> UInt64 {
        let client = slots[slot]
        let halfClosed = client.readEOF || (slots.isOccupied(client.partner) && slots[client.partner].readEOF)
        let seconds = halfClosed ? timeouts.tcpFinWait : timeouts.tcpEstablished
        return UInt64(seconds) &* 1_000_000_000
    }

    private func rearmIdleTimers(reactor: Reactor<ProxyWorker>) {
        for slot in 0..<UInt32(slots.capacity) where slots.isOccupied(slot) {
            let entry = slots[slot]
            switch entry.kind {
            case .client where !entry.connecting && !entry.http:
                reactor.armTimer(
                    slot: slot,
                    at: MonotonicInstant(nanoseconds: entry.lastActivity &+ idleTimeoutNanoseconds(slot)))
            case .udpUpstream:
                reactor.armTimer(
                    slot: slot,
                    at: MonotonicInstant(nanoseconds: entry.lastActivity &+ UInt64(timeouts.udp) &* 1_000_000_000))
            case .client, .tcpListener, .udpListener, .server, .tick, .ftpDataListener, .vacant:
                break
            }
        }
    }
}
