// drop_entry (reference §4.12, the kernel's `ip_vs_random_dropentry`) and our cap on connection
// entries (docs/design/0030-ipvs-defences.md), which share the rules for what may go.
extension Director {
    /// How many slab slots one new entry may search for a victim at the cap.
    static let evictionWindow = 256
    /// An entry idle this long may be dropped (todrop_entry's 60 s).
    static let droppableIdle: UInt64 = 60 * 1_000_000_000

    /// One second of drop_entry: the kernel scans 1/32 of its hash buckets, chosen at random;
    /// we sweep 1/32 of the slab with a cursor, so every entry is looked at once every 32 s,
    /// and delete what its rules allow.
    func sweepDropEntry(now: MonotonicInstant) {
        let slab = connectionTable.entries.count
        guard slab > 0 else { return }
        var cursor = defenceStatus.sweepCursor < slab ? defenceStatus.sweepCursor : 0
        for _ in 0..<((slab + 31) / 32) {
            let index = Int32(cursor)
            cursor = cursor + 1 == slab ? 0 : cursor + 1
            guard isReleasable(index), dropEntryAllows(index, now: now.nanoseconds) else { continue }
            release(index)
            connectionCounters.deletedByDropEntry &+= 1
        }
        defenceStatus.sweepCursor = cursor
    }

    /// Live, controlling nothing, and on the expiry wheel: entries a proxy engine holds and
    /// entries being created (a template before its first connection) are never taken.
    private func isReleasable(_ index: Int32) -> Bool {
        guard connectionTable.isLive(index) else { return false }
        let entry = connectionTable.entries[Int(index)]
        return entry.controlledCount == 0 && entry.timerPrev != ConnectionTable.notArmed
    }

    /// The kernel's rules: TCP SYN_RECV/SYNACK always; TCP and SCTP ESTABLISHED, UDP, and
    /// templates of one-packet services only if droppable; other templates unless ASSURED;
    /// anything else never.
    private func dropEntryAllows(_ index: Int32, now: UInt64) -> Bool {
        let entry = connectionTable.entries[Int(index)]
        if entry.isTemplate {
            if boundServers.service(entry.server)?.config.onePacketScheduling == true {
                return isDroppable(index, now: now)
            }
            return entry.state != ConnectionEntry.templateAssured
        }
        if isEmbryonic(entry) { return true }
        return isIdleEstablishedOrUDP(entry, now: now) && isDroppable(index, now: now)
    }

    /// A TCP connection whose handshake has not completed (SYN_RECV, SYNACK).
    private func isEmbryonic(_ entry: ConnectionEntry) -> Bool {
        guard !entry.isTemplate, entry.protocolNumber == .tcp else { return false }
        return entry.state == TCPState.synRecv.rawValue || entry.state == TCPState.synAck.rawValue
    }

    /// TCP or SCTP ESTABLISHED, or UDP, idle for 60 s or more: its timer is at least 60 s
    /// closer than a packet now would put it.
    private func isIdleEstablishedOrUDP(_ entry: ConnectionEntry, now: UInt64) -> Bool {
        switch entry.protocolNumber {
        case .tcp: guard entry.state == TCPState.established.rawValue else { return false }
        case .sctp: guard entry.state == SCTPState.established.rawValue else { return false }
        case .udp: break
        case .ip: return false
        }
        return now &+ UInt64(entry.timeout) &* Self.nanosecondsPerSecond >= entry.expiry &+ Self.droppableIdle
    }

    /// The kernel's `todrop_entry` after the idle check: in_pkts i in 1…8, and then only every
    /// i-th such candidate (one counter per i).
    private func isDroppable(_ index: Int32, now: UInt64) -> Bool {
        let entry = connectionTable.entries[Int(index)]
        if entry.isTemplate {
            guard now &+ UInt64(entry.timeout) &* Self.nanosecondsPerSecond >= entry.expiry &+ Self.droppableIdle
            else { return false }
        }
        let packets = entry.inPackets
        guard packets >= 1 && packets <= 8 else { return false }
        let i = Int(packets)
        if defenceStatus.dropEntryCounters[i] > 1 {
            defenceStatus.dropEntryCounters[i] -= 1
            return false
        }
        defenceStatus.dropEntryCounters[i] = UInt8(i)
        return true
    }

    /// Our entry cap: at `maxConnectionEntries`, makes room for one more entry by evicting an
    /// embryonic TCP connection, or failing that an entry drop_entry could take under pressure
    /// (idle ESTABLISHED or UDP, templates not ASSURED). The search is bounded: up to
    /// `evictionWindow` slab slots from where the last one stopped (a clock hand). False: no
    /// room (counted as refused).
    func makeRoomForEntry(now: MonotonicInstant) -> Bool {
        let limit = Int(settings.defences.maxConnectionEntries)
        guard limit > 0, connectionTable.count >= limit else { return true }
        if let victim = evictionCandidate(now: now.nanoseconds) {
            release(victim)
            connectionCounters.evictedAtEntryLimit &+= 1
        }
        guard connectionTable.count < limit else {
            connectionCounters.refusedAtEntryLimit &+= 1
            return false
        }
        return true
    }

    private func evictionCandidate(now: UInt64) -> Int32? {
        let slab = connectionTable.entries.count
        guard slab > 0 else { return nil }
        var cursor = defenceStatus.evictionCursor < slab ? defenceStatus.evictionCursor : 0
        var fallback: Int32?
        defer { defenceStatus.evictionCursor = cursor }
        for _ in 0..<min(slab, Self.evictionWindow) {
            let index = Int32(cursor)
            cursor = cursor + 1 == slab ? 0 : cursor + 1
            guard isReleasable(index) else { continue }
            let entry = connectionTable.entries[Int(index)]
            if isEmbryonic(entry) { return index }
            guard fallback == nil else { continue }
            let underPressure =
                entry.isTemplate
                ? entry.state != ConnectionEntry.templateAssured : isIdleEstablishedOrUDP(entry, now: now)
            if underPressure { fallback = index }
        }
        return fallback
    }
}
