// The master half of connection synchronisation (reference §7.2): for each inbound packet of an
// entry (and, through its `control` link, of its template) decide whether the entry must be
// sent to the backups, and queue it as a `SyncedConnection` for the driver, which encodes and
// multicasts it. Everything here runs only when `syncOutput` is set.
extension Director {
    /// Every record the master queued since the last call, oldest first. The outbox is bounded
    /// (`SyncOutputSettings.outboxCapacity`); records dropped because it was full are counted in
    /// `syncCounters.droppedOutboxFull`.
    public func takeSyncOutput() -> [SyncedConnection] {
        syncOutbox.drain()
    }

    /// Every live entry as the master would send it, templates first (so a backup can link
    /// connections to their templates as they arrive): what a director that comes back needs to
    /// be re-synchronised. Reads only; the sync bookkeeping of the entries is left alone.
    public func syncSnapshot(now: MonotonicInstant) -> [SyncedConnection] {
        var templates: [SyncedConnection] = []
        var connections: [SyncedConnection] = []
        connections.reserveCapacity(connectionTable.count)
        for slot in connectionTable.entries.indices where connectionTable.isLive(Int32(slot)) {
            let entry = connectionTable.entries[slot]
            // One-packet entries are never synced (reference §4.9); they never stay in the table.
            guard !entry.flags.contains(.onePacket) else { continue }
            if entry.isTemplate {
                templates.append(syncRecord(of: Int32(slot), timeout: entry.timeout))
            } else {
                connections.append(syncRecord(of: Int32(slot), timeout: entry.timeout))
            }
        }
        return templates + connections
    }

    // MARK: - Per-packet decision

    /// An inbound packet was processed on the entry (reference §4.3 step 7, "feed the sync
    /// master"): count it in `inPackets` (one-packet entries count as T) and run §7.2.
    func syncInboundPacket(_ index: Int32, settings: SyncOutputSettings, now: MonotonicInstant) {
        let slot = Int(index)
        let packets: UInt32
        if connectionTable.entries[slot].flags.contains(.onePacket) {
            packets = settings.threshold
        } else {
            connectionTable.entries[slot].inPackets &+= 1
            packets = connectionTable.entries[slot].inPackets
        }
        syncConnection(index, packets: packets, settings: settings, now: now)
    }

    /// `packets` more inbound packets were reported at once (the proxy engine's traffic
    /// batches): counted, then §7.2 runs once with the count at which the threshold rule would
    /// have fired inside the batch, if any.
    func syncInboundPackets(_ index: Int32, count: UInt64, settings: SyncOutputSettings, now: MonotonicInstant) {
        guard count > 0 else { return }
        let slot = Int(index)
        let old = connectionTable.entries[slot].inPackets
        let new = old &+ UInt32(truncatingIfNeeded: count)
        connectionTable.entries[slot].inPackets = new
        var packets = new
        let threshold = settings.threshold
        if settings.period > 0, threshold < settings.period {
            let first = old &+ 1
            let step = (threshold &+ settings.period &- first % settings.period) % settings.period
            let hit = first &+ step
            if hit &- first <= new &- first { packets = hit }
        } else if settings.period == 0, old < threshold, threshold <= new {
            packets = threshold
        }
        syncConnection(index, packets: packets, settings: settings, now: now)
    }

    /// ip_vs_sync_conn: decides for the entry, then walks its controllers; a template
    /// controller counts one more packet of its own, another controller is tried with T
    /// (reference §7.2 item 5). `timeout` overrides the entry's timeout for the first record
    /// (the 60 s re-arm of an entry that still controls others).
    func syncConnection(
        _ index: Int32, packets: UInt32, settings: SyncOutputSettings, now: MonotonicInstant,
        timeout: UInt32? = nil, walkControllers: Bool = true
    ) {
        let clock = Self.syncClock(now)
        var current = index
        var pkts = packets
        var timeoutOverride = timeout
        // Controllers form a short chain (connection → template); the bound guards a corrupt one.
        for _ in 0..<4 {
            let entry = connectionTable.entries[Int(current)]
            let recordTimeout = timeoutOverride ?? entry.timeout
            timeoutOverride = nil
            // One-packet entries are never sent themselves, but their template is (item 5).
            if !entry.flags.contains(.onePacket),
                syncNeeded(current, packets: pkts, settings: settings, clock: clock, timeout: recordTimeout)
            {
                syncCounters.queued &+= 1
                if syncOutbox.append(syncRecord(of: current, timeout: recordTimeout)) {
                    syncCounters.droppedOutboxFull &+= 1
                }
            }
            let control = entry.control
            guard walkControllers, connectionTable.isLive(control) else { return }
            if connectionTable.entries[Int(control)].isTemplate {
                connectionTable.entries[Int(control)].inPackets &+= 1
                pkts = connectionTable.entries[Int(control)].inPackets
            } else {
                pkts = settings.threshold
            }
            current = control
        }
    }

    /// ip_vs_sync_conn_needed (reference §7.2 items 1–4). Records the sync in the entry
    /// (`oldState`, `syncEndTime` with the retry count) when it says yes.
    private func syncNeeded(
        _ index: Int32, packets: UInt32, settings: SyncOutputSettings, clock: UInt32, timeout: UInt32
    ) -> Bool {
        let slot = Int(index)
        let entry = connectionTable.entries[slot]
        let original = entry.syncEndTime
        let timeoutClock = Self.syncDuration(seconds: timeout)
        var next = (clock &+ timeoutClock) & ~3
        // Item 1 and 2: templates have no state rule; persist mode leaves controlled
        // connections to their templates; TCP/SCTP sync only in some states, and a change into
        // one of them other than ESTABLISHED is sent at once.
        if !entry.isTemplate {
            if settings.persistMode && isControlledByTemplate(index) { return false }
            let state = entry.state
            switch entry.protocolNumber {
            case .tcp:
                guard let tcp = TCPState(rawValue: state), tcp.isSyncedState else { return false }
                if state != entry.oldState && tcp != .established {
                    return recordSync(slot, endTime: next)
                }
            case .sctp:
                guard let sctp = SCTPState(rawValue: state), sctp.isSyncedState else { return false }
                if state != entry.oldState && sctp != .established {
                    return recordSync(slot, endTime: next)
                }
            case .udp, .ip:
                break  // a single state: no state rule
            }
        }
        // Item 3: an entry whose expiry barely moved since its last sync waits, except for up to
        // `retries` resends spaced R/8 apart.
        if settings.refreshPeriod > 0 {
            let refresh = Self.syncDuration(seconds: settings.refreshPeriod)
            let difference = Int32(bitPattern: next &- original).magnitude
            let minimum = max(timeoutClock / 2, Self.syncDuration(seconds: 10))
            if difference < min(refresh, minimum) {
                let retries = original & 3
                guard retries < min(settings.retries, 3) else { return false }  // two bits hold the count
                // time_before(now, last sync + R/8): the last sync was at original − timeout.
                let due = original &- timeoutClock &+ refresh / 8
                guard Int32(bitPattern: clock &- due) >= 0 else { return false }
                next |= retries + 1
            }
        }
        // Item 4: (T, P).
        if settings.period > 0 {
            if !entry.isTemplate && packets % settings.period != settings.threshold { return false }
        } else if settings.refreshPeriod == 0 && packets != settings.threshold {
            return false
        }
        return recordSync(slot, endTime: next)
    }

    private func recordSync(_ slot: Int, endTime: UInt32) -> Bool {
        connectionTable.entries[slot].oldState = connectionTable.entries[slot].state
        connectionTable.entries[slot].syncEndTime = endTime
        return true
    }

    /// in_persistence: some controller up the chain is a template.
    private func isControlledByTemplate(_ index: Int32) -> Bool {
        var control = connectionTable.entries[Int(index)].control
        for _ in 0..<4 {
            guard connectionTable.isLive(control) else { return false }
            if connectionTable.entries[Int(control)].isTemplate { return true }
            control = connectionTable.entries[Int(control)].control
        }
        return false
    }

    // MARK: - Records

    /// The flag bits a record carries (reference §7.3: the entry's flags without HASHED; our own
    /// `held`/`inUse` bits stay home).
    static let exportedFlags: UInt16 =
        ConnectionFlags.forwardingMask
        | ConnectionFlags([
            .sync, .noOutput, .inactive, .inSequence, .outSequence, .noClientPort, .template, .onePacket,
        ]).rawValue

    /// The entry as a sync record; `timeout` is its current state timeout in seconds.
    func syncRecord(of index: Int32, timeout: UInt32) -> SyncedConnection {
        let entry = connectionTable.entries[Int(index)]
        // The packet mark that selected a firewall-mark service, so the backup's service lookup
        // finds the same service (the core keeps no per-entry mark: the service carries it).
        var mark: UInt32 = 0
        if let service = boundServers.service(entry.server), service.id.isFirewallMark {
            mark = service.id.firewallMark
        } else if entry.protocolNumber == .ip {
            mark = UInt32(truncatingIfNeeded: entry.virtualLow)
        }
        // A persistence-engine template carries its data and the engine's name (reference §7.3
        // options PE_DATA and PE_NAME).
        let engine = persistenceEngineData(of: index)
        // The sequence adjustment an application helper keeps (reference §7.3 SEQ_DATA, present
        // iff IN_SEQ/OUT_SEQ is set; the codec writes both records, a missing one as zeros).
        let helper = entry.flags.contains(.helperState) ? connectionTable.helperState(of: index) : nil
        return SyncedConnection(
            protocolNumber: entry.protocolNumber,
            flags: SyncedConnectionFlags(rawValue: UInt32(entry.flags.rawValue & Self.exportedFlags)),
            state: UInt16(entry.state), clientAddress: entry.clientAddress, clientPort: entry.clientPort,
            virtualAddress: entry.virtualAddress, virtualPort: entry.virtualPort,
            destinationAddress: entry.destinationAddress, destinationPort: entry.destinationPort,
            firewallMark: mark, timeout: timeout, inSequence: helper?.inSequence, outSequence: helper?.outSequence,
            persistenceData: engine?.data ?? [],
            persistenceEngine: engine?.engine.name)
    }

    // MARK: - Sync clock

    /// The sync bookkeeping's clock: milliseconds, wrapping at 32 bits like jiffies at HZ=1000
    /// (differences are compared as signed, so they must stay under 24 days).
    static func syncClock(_ now: MonotonicInstant) -> UInt32 {
        UInt32(truncatingIfNeeded: now.nanoseconds / 1_000_000)
    }

    static func syncDuration(seconds: UInt32) -> UInt32 {
        UInt32(truncatingIfNeeded: UInt64(seconds) &* 1000)
    }
}

extension TCPState {
    /// The states in which a master syncs a TCP entry (reference §7.2 item 2).
    var isSyncedState: Bool {
        switch self {
        case .established, .finWait, .close, .closeWait, .timeWait: return true
        case .none, .synSent, .synRecv, .lastAck, .listen, .synAck: return false
        }
    }
}

extension SCTPState {
    /// The states in which a master syncs an SCTP entry (reference §7.2 item 2).
    var isSyncedState: Bool {
        switch self {
        case .established, .shutdownSent, .shutdownReceived, .shutdownAckSent, .closed: return true
        case .none, .init1, .initState, .cookieSent, .cookieReplied, .cookieWait, .cookie, .cookieEchoed,
            .rejected:
            return false
        }
    }
}
