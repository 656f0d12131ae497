// The backup half of connection synchronisation (reference §7.5 steps 2–6): a record the
// driver decoded from a master's message becomes (or updates) a connection entry or template,
// bound to this director's own service and real server when it has them, so that after a
// takeover the normal inbound/outbound paths forward the connection's packets.
extension Director {
    /// Applies one sync record received from a master (reference §7.5 steps 2–6) and counts the
    /// outcome in `syncCounters`.
    ///
    /// The entry takes the record's state and timeout (0 → the protocol's table timeout for the
    /// state, 180 s for templates) and its timer restarts at `now`; its inbound packet count
    /// becomes the sync threshold T (of `syncOutput`, else the default 3). Entries created here
    /// carry the SYNC flag (`ConnectionSnapshot.isSynced`) and count no new connection in the
    /// statistics (reference §4.13). Sequence-adjust data (SEQ_DATA with IN_SEQ/OUT_SEQ) is
    /// kept as the entry's helper state, so an FTP control connection whose replies the master
    /// rewrote keeps its adjusted numbers after a takeover (reference §6, §7.5 steps 4 and 6).
    public func applySynced(_ record: SyncedConnection, now: MonotonicInstant) -> SyncApplyOutcome {
        let outcome = applySyncedRecord(record, now: now)
        syncCounters.count(outcome)
        return outcome
    }

    /// The flags a backup keeps from a record (IP_VS_CONN_F_BACKUP_MASK). The sequence bits are
    /// set again from the data by `setHelperState`.
    private static let keptSyncFlags: UInt32 =
        SyncedConnectionFlags.forwardingMask
        | SyncedConnectionFlags([.noOutput, .inactive, .noClientPort, .template]).rawValue

    private func applySyncedRecord(_ record: SyncedConnection, now: MonotonicInstant) -> SyncApplyOutcome {
        if let reason = Self.rejection(of: record) { return .rejected(reason) }
        var flags = ConnectionFlags(rawValue: UInt16(truncatingIfNeeded: record.flags.rawValue & Self.keptSyncFlags))
        flags.insert(.sync)
        // Step 3: the connection (or template) the record describes.
        var found: Int32?
        var replaced = false
        let persistenceData = Self.templatePersistenceData(of: record)
        if record.isTemplate, let persistenceData {
            // A persistence-engine template is found by its data too (reference §4.2, §4.14).
            found = connectionTable.lookupTemplate(
                record.protocolNumber, network: record.clientAddress, virtualHigh: record.virtualAddress.high,
                virtualLow: record.virtualAddress.low, virtualPort: record.virtualPort,
                persistenceData: persistenceData)
        } else if record.isTemplate {
            found = connectionTable.lookupTemplate(
                record.protocolNumber, network: record.clientAddress, virtualHigh: record.virtualAddress.high,
                virtualLow: record.virtualAddress.low, virtualPort: record.virtualPort)
        } else {
            found = connectionTable.lookupIn(
                record.protocolNumber, client: record.clientAddress, clientPort: record.clientPort,
                virtual: record.virtualAddress, virtualPort: record.virtualPort)
            if let index = found, !pointsAt(index, record) {
                // An inactive record is the expiry notice of a connection already replaced.
                guard !record.flags.contains(.inactive) else { return .ignoredStale }
                expireNow(index)
                found = nil
                replaced = true
            }
        }
        let index: Int32
        let outcome: SyncApplyOutcome
        if let existing = found {
            updateSynced(existing, inactive: flags.contains(.inactive), firewallMark: record.firewallMark)
            index = existing
            outcome = .updated
        } else {
            guard let created = createSynced(record, flags: flags, persistenceData: persistenceData, now: now)
            else { return .rejected(.tableFull) }
            index = created
            let bound = connectionTable.entries[Int(created)].server >= 0
            outcome = replaced ? .replaced(bound: bound) : .created(bound: bound)
        }
        // Steps 4 and 6: the sequence adjustment follows the record (the helper's own byte stays).
        if !record.isTemplate { applySyncedSequence(record, to: index) }
        // Step 6: packets, state, timeout, timer.
        let slot = Int(index)
        let state = UInt8(truncatingIfNeeded: record.state)
        connectionTable.entries[slot].inPackets = syncOutput?.threshold ?? SyncOutputSettings.defaultThreshold
        connectionTable.entries[slot].state = state
        connectionTable.entries[slot].oldState = state
        connectionTable.entries[slot].timeout = record.timeout != 0 ? record.timeout : tableTimeout(of: record)
        if !record.isTemplate { linkToTemplate(index) }
        put(index, now: now)
        if connectionTable.entries[slot].flags.contains(.held) { connectionTable.disarm(index) }
        return outcome
    }

    /// A record's SEQ_DATA becomes the entry's helper state: a direction is adjusted iff its
    /// flag is set (a missing record reads as zeros).
    private func applySyncedSequence(_ record: SyncedConnection, to index: Int32) {
        var state = connectionTable.helperState(of: index) ?? ConnectionHelperState()
        state.inSequence =
            record.flags.contains(.inSequence) ? (record.inSequence ?? SequenceAdjustment()) : nil
        state.outSequence =
            record.flags.contains(.outSequence) ? (record.outSequence ?? SequenceAdjustment()) : nil
        connectionTable.setHelperState(state, of: index)
    }

    /// Step 2: records a backup must skip.
    private static func rejection(of record: SyncedConnection) -> SyncRejectReason? {
        let flags = record.flags
        if flags.contains(.noClientPort) && flags.contains(.template) { return .templateWithoutClientPort }
        if flags.contains(.onePacket) { return .onePacket }
        guard flags.forwarding != nil else { return .invalidForwardingMethod }
        let family = record.clientAddress.family
        guard record.virtualAddress.family == family, record.destinationAddress.family == family else {
            return .addressFamilyMismatch
        }
        let state = record.state
        if record.isTemplate {
            // The kernel skips a record naming an engine it does not have (reference §7.5).
            if let name = record.persistenceEngine, PersistenceEngine(name: name) == nil {
                return .unknownPersistenceEngine
            }
            if record.persistenceData.count > SIPCallID.maximumLength { return .invalidPersistenceData }
            return state <= UInt16(ConnectionEntry.templateAssured) ? nil : .invalidState
        }
        switch record.protocolNumber {
        case .tcp:
            return state < UInt16(TCPState.allCases.count) ? nil : .invalidState
        case .udp:
            return state == 0 ? nil : .invalidState  // the single state "UDP"
        case .sctp:
            return state < UInt16(SCTPState.allCases.count) ? nil : .invalidState
        case .ip:
            return .unsupportedProtocol
        }
    }

    /// The persistence data that keys a template record: its PE_DATA when it names a known
    /// engine; nil for connections, data without an engine name and templates without data.
    private static func templatePersistenceData(of record: SyncedConnection) -> [UInt8]? {
        guard record.isTemplate, !record.persistenceData.isEmpty,
            PersistenceEngine(name: record.persistenceEngine) != nil
        else { return nil }
        return record.persistenceData
    }

    private func pointsAt(_ index: Int32, _ record: SyncedConnection) -> Bool {
        let entry = connectionTable.entries[Int(index)]
        return entry.destinationPort == record.destinationPort
            && entry.destinationAddress == record.destinationAddress
    }

    /// ip_vs_conn_expire_now for the entry a record replaces: freed, or (if it still controls
    /// entries) unhashed so the new entry is the one found; its timer then ends it.
    private func expireNow(_ index: Int32) {
        if connectionTable.entries[Int(index)].controlledCount == 0 {
            release(index)
        } else {
            connectionTable.unhash(index)
        }
    }

    /// Step 4: the activity of an existing entry follows the record (and its real server's
    /// ActiveConn with it); an unbound entry is bound if a matching real server exists now.
    private func updateSynced(_ index: Int32, inactive: Bool, firewallMark: UInt32) {
        let slot = Int(index)
        let entry = connectionTable.entries[slot]
        if entry.flags.contains(.inactive) != inactive {
            if !entry.isTemplate, let server = boundServers.server(entry.server) {
                if inactive {
                    server.activeConnections &-= 1
                } else {
                    server.activeConnections &+= 1
                }
            }
            if inactive {
                connectionTable.entries[slot].flags.insert(.inactive)
            } else {
                connectionTable.entries[slot].flags.remove(.inactive)
            }
        }
        if entry.server < 0, bindSynced(index, firewallMark: firewallMark) { syncCounters.boundLater &+= 1 }
    }

    /// Step 5: a new entry with the record's identity and flags, bound when the backup has the
    /// service and real server. Nil when the table is full (or at the entry cap).
    private func createSynced(
        _ record: SyncedConnection, flags: ConnectionFlags, persistenceData: [UInt8]?, now: MonotonicInstant
    ) -> Int32? {
        var entry = ConnectionEntry()
        entry.clientHigh = record.clientAddress.high
        entry.clientLow = record.clientAddress.low
        entry.clientPort = record.clientPort
        entry.virtualHigh = record.virtualAddress.high
        entry.virtualLow = record.virtualAddress.low
        entry.virtualPort = record.virtualPort
        entry.destinationHigh = record.destinationAddress.high
        entry.destinationLow = record.destinationAddress.low
        entry.destinationFamily = record.destinationAddress.family
        entry.destinationPort = record.destinationPort
        entry.protocolNumber = record.protocolNumber
        entry.family = record.clientAddress.family
        entry.flags = flags
        entry.syncEndTime = Self.syncClock(now) & ~3
        // The entry cap holds on a backup too (docs/design/0030-ipvs-defences.md).
        guard makeRoomForEntry(now: now), let index = connectionTable.allocate(entry) else { return nil }
        if let persistenceData { connectionTable.setPersistenceData(persistenceData, of: index) }
        connectionTable.hash(index)
        _ = bindSynced(index, firewallMark: record.firewallMark)
        return index
    }

    /// ip_vs_find_dest + ip_vs_bind_dest for a synced entry: the service by the normal lookup
    /// (firewall mark first), the real server by (daddr, dport) — for a marked non-NAT record
    /// port 0 first — then the other alternative. A bound entry takes the forwarding method and
    /// NOOUTPUT of this director's real server; a connection keeps the record's activity (and
    /// counts in ActiveConn when active), a template counts in PersistConn.
    private func bindSynced(_ index: Int32, firewallMark: UInt32) -> Bool {
        let slot = Int(index)
        let entry = connectionTable.entries[slot]
        var mark = firewallMark
        // A firewall-mark template carries its mark as its virtual address (version 0 records
        // have no mark field).
        if mark == 0 && entry.protocolNumber == .ip { mark = UInt32(truncatingIfNeeded: entry.virtualLow) }
        let lookup = InboundPacket(
            protocolNumber: entry.protocolNumber, clientAddress: entry.clientAddress, clientPort: entry.clientPort,
            destinationAddress: entry.virtualAddress, destinationPort: entry.virtualPort, firewallMark: mark)
        guard let service = lookupService(for: lookup) else { return false }
        let recordPort = entry.destinationPort
        let firstPort: UInt16 = (mark != 0 && entry.forwarding != .masquerading) ? 0 : recordPort
        let address = entry.destinationAddress
        guard
            let server = service.realServer(RealServerKey(address: address, port: firstPort))
                ?? service.realServer(RealServerKey(address: address, port: firstPort ^ recordPort))
        else { return false }
        let forwarding = server.config.forwarding
        var flags = entry.flags
        flags = ConnectionFlags(rawValue: flags.rawValue & ~ConnectionFlags.forwardingMask)
        flags.remove(.noOutput)
        flags.formUnion(ConnectionFlags(rawValue: UInt16(forwarding.rawValue)))
        if forwarding != .masquerading { flags.insert(.noOutput) }
        // Templates are always inactive (their dest's conn_flags); connections keep the record's.
        if entry.isTemplate { flags.insert(.inactive) }
        connectionTable.entries[slot].flags = flags
        connectionTable.entries[slot].server = boundServers.retain(server, of: service)
        bind(server, template: entry.isTemplate)
        if !entry.isTemplate && !flags.contains(.inactive) { server.activeConnections &+= 1 }
        return true
    }

    /// A synced connection of a persistent service is put under the control of its template
    /// when that template is already here (templates come first in `syncSnapshot`; a master
    /// sends a connection before its template, so a live stream links at the next record).
    private func linkToTemplate(_ index: Int32) {
        let entry = connectionTable.entries[Int(index)]
        guard entry.control < 0, let service = boundServers.service(entry.server), service.config.isPersistent
        else { return }
        let key = TemplateKey(
            service: service, protocolNumber: entry.protocolNumber, client: entry.clientAddress,
            virtual: entry.virtualAddress, virtualPort: entry.virtualPort)
        guard let template = lookupTemplate(key) else { return }
        connectionTable.entries[Int(index)].control = template
        connectionTable.entries[Int(template)].controlledCount &+= 1
    }

    /// Step 6 for a record without a timeout (version 0): the protocol table's timeout for the
    /// state; templates 180 s.
    private func tableTimeout(of record: SyncedConnection) -> UInt32 {
        if record.isTemplate { return Self.syncedTemplateTimeout }
        let timeouts = ProtocolTimeouts(settings: configuration.timeouts)
        let state = UInt8(truncatingIfNeeded: record.state)
        switch record.protocolNumber {
        case .tcp: return timeouts.tcp(TCPState(rawValue: state) ?? .none)
        case .udp: return timeouts.udp
        case .sctp: return timeouts.sctp(SCTPState(rawValue: state) ?? .none)
        case .ip: return Self.syncedTemplateTimeout
        }
    }

    static let syncedTemplateTimeout: UInt32 = 180
}
