// IPVS's defence strategies (reference §4.12) and our new-connection rate limits
// (docs/design/0030-ipvs-defences.md): the once-a-second evaluation, drop_packet, and the checks
// a connection-starting packet passes before it is scheduled. drop_entry and the entry cap are in
// Director+DropEntry.swift.
extension Director {
    static let defenceInterval: UInt64 = 1_000_000_000

    /// Part of `advance(to:)`: once a second, re-evaluates the automatic modes from the
    /// available memory and, while drop_entry is active, sweeps its slice of the table (the
    /// kernel's `defense_work`).
    func runDefences(now: MonotonicInstant) {
        if let due = defenceStatus.nextEvaluation, due > now.nanoseconds { return }
        defenceStatus.nextEvaluation = now.nanoseconds &+ Self.defenceInterval
        evaluateDefences()
        if defenceStatus.dropEntry.isActive { sweepDropEntry(now: now) }
    }

    /// New settings: every strategy starts from its configured mode and is evaluated at once
    /// (so mode 3 acts from the next packet); the per-source table is made or dropped.
    func defenceSettingsChanged() {
        let configured = settings.defences
        defenceStatus.dropEntry = configured.dropEntry
        defenceStatus.dropPacket = configured.dropPacket
        defenceStatus.secureTCP = configured.secureTCP
        defenceStatus.dropRate = 0
        evaluateDefences()
        if configured.sourceRateLimit == nil {
            sourceRates = nil
        } else if sourceRates?.slotCount != SourceRateTable.slotCount(for: configured.sourceRateSlots) {
            sourceRates = SourceRateTable(slots: configured.sourceRateSlots, seed: rateLimitSeed)
        }
    }

    /// The kernel's `update_defense_level`: `nomem = availmem < amemthresh`; automatic modes
    /// follow it; drop_packet's rate is `amemthresh / (amemthresh − availmem)` in automatic mode
    /// and `am_droprate` in mode 3. Memory is read only while some strategy is automatic.
    func evaluateDefences() {
        let configured = settings.defences
        let status = defenceStatus
        let automatic = [status.dropEntry, status.dropPacket, status.secureTCP].contains {
            $0 == .automaticOff || $0 == .automaticOn
        }
        let threshold = UInt64(configured.memoryThresholdPages)
        var shortage: UInt64?
        if automatic {
            let available = memoryReader?.availablePages()
            defenceStatus.availablePages = available
            if let available, available < threshold { shortage = threshold - available }
        }
        let lowMemory = shortage != nil
        defenceStatus.dropEntry = status.dropEntry.evaluated(lowMemory: lowMemory)
        defenceStatus.secureTCP = status.secureTCP.evaluated(lowMemory: lowMemory)
        defenceStatus.dropPacket = status.dropPacket.evaluated(lowMemory: lowMemory)
        switch defenceStatus.dropPacket {
        case .off, .automaticOff:
            defenceStatus.dropRate = 0
        case .automaticOn:
            let rate = UInt32(clamping: threshold / max(shortage ?? threshold, 1))
            defenceStatus.dropRate = rate
            defenceStatus.dropCounter = rate
        case .always:
            if defenceStatus.dropRate != configured.dropRate {
                defenceStatus.dropRate = configured.dropRate
                defenceStatus.dropCounter = configured.dropRate
            }
        }
    }

    /// The checks a connection-starting packet that found `service` passes before it is
    /// scheduled: drop_packet (the kernel's `ip_vs_todrop`), then the per-source and the
    /// per-service rate limits. Nil admits it; otherwise the counted drop to return.
    func newConnectionRefusal(_ p: InboundPacket, service: VirtualServiceState, now: MonotonicInstant)
        -> InboundVerdict?
    {
        if defenceStatus.dropRate > 0 {
            if defenceStatus.dropCounter > 1 {
                defenceStatus.dropCounter -= 1
            } else {
                defenceStatus.dropCounter = defenceStatus.dropRate
                connectionCounters.droppedByDropPacket &+= 1
                return .drop(.dropPacketDefence)
            }
        }
        let configured = settings.defences
        if let limit = configured.sourceRateLimit,
            sourceRates?.admit(p.clientAddress, now: now.nanoseconds, limit: limit) == false
        {
            connectionCounters.droppedSourceRateLimit &+= 1
            return .drop(.rateLimited)
        }
        if let limit = configured.serviceRateLimit,
            !NewConnectionBucket.admit(&service.newConnectionArrival, now: now.nanoseconds, limit: limit)
        {
            connectionCounters.droppedServiceRateLimit &+= 1
            return .drop(.rateLimited)
        }
        return nil
    }

    /// Bytes the per-source rate table holds (0 without a per-source limit); fixed once made.
    public var sourceRateTableBytes: Int { sourceRates?.footprintBytes ?? 0 }
}
