import Glibc
import LVSControl
import LVSCore
import LVSProxy
import LVSSharedDirector
import LVSSync
import LVSSyncTransport

/// The sync thread's state and loop (`SyncService`). A master wakes every 20 ms (the kernel's
/// sender wakes 20 ms after the first queued buffer, reference §7.2) to drain the director's
/// outbox into its message builders, sends full messages at once and partly filled ones when
/// they are 2 s old. A backup applies each message's entries under one lock of the director.
struct SyncLoop {
    struct Master {
        var config: SyncDaemonConfig
        var sockets: SyncSockets
        var builders: [SyncMessageBuilder]
        var sealer: SyncMessageSealer?
        var started: MonotonicInstant
        var counters: [String: UInt64] = [:]
    }

    struct Peer {
        var messages: UInt64 = 0
        var entries: UInt64 = 0
        var last: MonotonicInstant
    }

    struct Backup {
        var config: SyncDaemonConfig
        var sockets: SyncSockets
        var verifier: SyncMessageVerifier<IPAddress>
        var started: MonotonicInstant
        var counters: [String: UInt64] = [:]
        var drops: [String: UInt64] = [:]
        var peers: [IPAddress: Peer] = [:]
        /// The (sender, reason) pairs of dropped messages already logged.
        var loggedDrops: Set<String> = []
    }

    let service: SyncService
    let shared: SharedDirector
    let clock: @Sendable () -> MonotonicInstant
    var master: Master?
    var backup: Backup?
    var running = true
    var buffer = [UInt8](repeating: 0, count: 65536)
    var lastPublished = MonotonicInstant(nanoseconds: 0)
    /// When an announcement last made the master send a snapshot: at most one a second, however
    /// many peers (or forgers, without a sync key) announce.
    var lastAnsweredAnnouncement: MonotonicInstant?

    init(service: SyncService, shared: SharedDirector, clock: @escaping @Sendable () -> MonotonicInstant) {
        self.service = service
        self.shared = shared
        self.clock = clock
    }

    mutating func run() {
        while running {
            var fds = [pollfd(fd: service.wakeDescriptor, events: Int16(POLLIN), revents: 0)]
            for receiver in backup?.sockets.receivers ?? [] {
                fds.append(pollfd(fd: receiver.fd, events: Int16(POLLIN), revents: 0))
            }
            _ = poll(&fds, nfds_t(fds.count), master == nil ? 250 : 20)
            if fds[0].revents != 0 { handle(service.takeMessages()) }
            for index in fds.indices.dropFirst() where fds[index].revents != 0 {
                receive(from: index - 1)
            }
            let now = clock()
            if master != nil { sendPending(now: now) }
            if now.nanoseconds &- lastPublished.nanoseconds >= 100_000_000 {
                publish(now: now)
            }
        }
        let resigning = master != nil
        if resigning { stopMaster() }
        backup?.sockets.close()
        backup = nil
        publish(now: clock())
    }

    mutating func handle(_ messages: [SyncService.Message]) {
        for message in messages {
            switch message {
            case .start(let config, let sockets):
                let now = clock()
                switch config.role {
                case .master:
                    master?.sockets.close()
                    let builders = sockets.senders.map { _ in
                        SyncMessageBuilder(
                            syncID: config.syncID, version: service.tuning.version, maxLength: sockets.maxLength)
                    }
                    let sealer = service.tuning.key.map {
                        // The wall clock in microseconds: sequence numbers stay increasing across restarts.
                        var time = timespec()
                        clock_gettime(CLOCK_REALTIME, &time)
                        return SyncMessageSealer(
                            key: $0, firstSequence: UInt64(time.tv_sec) * 1_000_000 + UInt64(time.tv_nsec / 1000))
                    }
                    var state = Master(
                        config: config, sockets: sockets, builders: builders, sealer: sealer, started: now)
                    let output = service.tuning.output
                    shared.withDirector { $0.syncOutput = output }
                    announce(&state)
                    master = state
                    service.logger.notice("sync: master daemon started on \(config.multicastInterface)")
                case .backup:
                    backup?.sockets.close()
                    backup = Backup(
                        config: config, sockets: sockets,
                        verifier: SyncMessageVerifier(keys: service.tuning.key.map { [$0] } ?? []), started: now)
                    service.logger.notice("sync: backup daemon started on \(config.multicastInterface)")
                }
            case .stop(let role):
                switch role {
                case .master: stopMaster()
                case .backup:
                    backup?.sockets.close()
                    backup = nil
                    service.logger.notice("sync: backup daemon stopped")
                }
            case .snapshot:
                sendSnapshot()
            case .quit:
                running = false
            }
        }
        publish(now: clock())
    }

    /// Sends what is queued and pending, then closes the master's sockets.
    mutating func stopMaster() {
        guard master != nil else { return }
        shared.withDirector { $0.syncOutput = nil }
        sendPending(now: clock(), flushAll: true)
        master?.sockets.close()
        master = nil
        service.logger.notice("sync: master daemon stopped")
    }

    /// Drains the director's outbox into the builders; sends full messages and (after 2 s, or
    /// all with `flushAll`) partly filled ones.
    mutating func sendPending(now: MonotonicInstant, flushAll: Bool = false) {
        let records = shared.withDirector { $0.takeSyncOutput() }
        append(records, now: now)
        guard var state = master else { return }
        for index in state.builders.indices {
            let message = flushAll ? state.builders[index].flush() : state.builders[index].flushIfDue(now: now)
            if let message { send(message, thread: index, state: &state) }
        }
        master = state
    }

    /// Tells the peers' backups that this master started (`SyncAnnouncement`): an active-active
    /// peer answers with a snapshot of its table.
    func announce(_ state: inout Master) {
        guard !state.sockets.senders.isEmpty else { return }
        send(
            SyncAnnouncement.message(syncID: state.config.syncID, version: service.tuning.version), thread: 0,
            state: &state, counter: "announcements_sent")
    }

    /// Sends every entry once, now (re-synchronisation of a director that returns).
    mutating func sendSnapshot() {
        guard master != nil else { return }
        let now = clock()
        let records = shared.withDirector { $0.syncSnapshot(now: now) }
        append(records, now: now)
        guard var state = master else { return }
        for index in state.builders.indices {
            if let message = state.builders[index].flush() { send(message, thread: index, state: &state) }
        }
        state.counters["snapshots_sent", default: 0] += 1
        master = state
        service.logger.info("sync: sent a snapshot of \(records.count) entries")
    }

    mutating func append(_ records: [SyncedConnection], now: MonotonicInstant) {
        guard var state = master, !records.isEmpty else { return }
        let threads = state.builders.count
        for record in records {
            // sync_ports threads: an entry always goes through the same one.
            var hasher = Hasher()
            hasher.combine(record.clientAddress)
            hasher.combine(record.clientPort)
            let thread = threads == 1 ? 0 : Int(UInt(bitPattern: hasher.finalize()) % UInt(threads))
            do throws(SyncEncodingError) {
                if let full = try state.builders[thread].append(SyncWireMapping.toWire(record), now: now) {
                    send(full, thread: thread, state: &state)
                }
                state.counters["entries_sent", default: 0] += 1
            } catch {
                // IPv6 entries in version 0, which has no room for them (the kernel skips them too).
                state.counters["entries_not_encodable", default: 0] += 1
            }
        }
        master = state
    }

    /// Sends `message` on `thread`'s socket; counts it under `counter` when it went out (an
    /// announcement is not one of the `messages_sent`, which carry entries).
    func send(_ message: [UInt8], thread: Int, state: inout Master, counter: String = "messages_sent") {
        let sealed = state.sealer.map { sealer -> [UInt8] in
            var copy = sealer
            defer { state.sealer = copy }
            return copy.seal(message)
        }
        let sender = state.sockets.senders[thread]
        let full = sender.counters.bufferFull
        if sender.send(sealed ?? message) {
            state.counters[counter, default: 0] += 1
        } else if sender.counters.bufferFull != full {
            // The socket's buffer was full: the message is lost, as the kernel's would be.
            state.counters["send_buffer_full", default: 0] += 1
        } else {
            state.counters["send_failed", default: 0] += 1
        }
    }

    /// Reads what waits on receiver `index` (bounded per wake-up) and applies it.
    mutating func receive(from index: Int) {
        guard var state = backup, state.sockets.receivers.indices.contains(index) else { return }
        let receiver = state.sockets.receivers[index]
        var announced = false
        for _ in 0..<64 {
            let received: (count: Int, sender: IPAddress)?
            do throws(SyncTransportError) {
                received = try receiver.receive(into: &buffer)
            } catch {
                state.counters["receive_errors", default: 0] += 1
                break
            }
            guard let (count, sender) = received else { break }
            var datagram = Array(buffer[0..<count])
            state.counters["messages_received", default: 0] += 1
            if state.verifier.isEnabled {
                switch state.verifier.verify(datagram, from: sender) {
                case .success(let message):
                    datagram = message
                case .failure(let reason):
                    state.drops[reason.name, default: 0] += 1
                    state.counters["messages_dropped", default: 0] += 1
                    logDrop(reason.name, from: sender, state: &state)
                    continue
                }
            }
            let decoded = SyncMessage.decode(datagram, backupSyncID: state.config.syncID)
            for reason in decoded.dropReasons { state.drops[reason.name, default: 0] += 1 }
            state.counters["entries_dropped", default: 0] += UInt64(decoded.skippedRecords.count)
            if let drop = decoded.messageDrop {
                state.counters["messages_dropped", default: 0] += 1
                logDrop(drop.name, from: sender, state: &state)
            }
            if decoded.isAnnouncement {
                state.counters["announcements_received", default: 0] += 1
                announced = true
            }
            let now = clock()
            let connections = decoded.connections.map(SyncWireMapping.fromWire)
            if !connections.isEmpty {
                shared.withDirector { director in
                    for connection in connections { _ = director.applySynced(connection, now: now) }
                }
            }
            state.counters["entries_received", default: 0] += UInt64(connections.count)
            var peer = state.peers[sender] ?? Peer(last: now)
            peer.messages += 1
            peer.entries += UInt64(connections.count)
            peer.last = now
            state.peers[sender] = peer
        }
        backup = state
        // A peer's master (re)started: if this director runs a master too, the peer gets the
        // whole table, as a returning director needs it before the routers send flows back.
        guard announced, master != nil else { return }
        let now = clock()
        if let last = lastAnsweredAnnouncement, now.nanoseconds &- last.nanoseconds < 1_000_000_000 { return }
        lastAnsweredAnnouncement = now
        sendSnapshot()
    }

    /// Logs a dropped message the first time its sender and reason come together: a forger or a
    /// misconfigured peer (another SyncID, no key) shows in the log without flooding it; the
    /// counters of `lvsadm --sync` count every one.
    func logDrop(_ reason: String, from sender: IPAddress, state: inout Backup) {
        guard state.loggedDrops.count < 64, state.loggedDrops.insert("\(sender) \(reason)").inserted else { return }
        service.logger.warning(
            "sync: dropped a message from \(sender): \(reason) (logged once per sender and reason; lvsadm --sync counts them)"
        )
    }
}
