// The packet-facing API of the director: what the proxy and packet engines call for each packet,
// and the periodic `advance(to:)` (reference §4.2, §4.3, §4.11, §4.13).
extension Director {
    /// A client → virtual-service packet (reference §4.3 steps 4–7): finds or creates its
    /// connection entry, runs the state machine, counts it and restarts the entry's timer.
    /// Allocates nothing for packets of existing connections.
    public func inbound(_ p: InboundPacket, now: MonotonicInstant) -> InboundVerdict {
        switch p.protocolNumber {
        case .tcp, .udp, .sctp: break
        case .ip: return .notOurs
        }
        var found = connectionTable.lookupInAllowingUnknownClientPort(
            p.protocolNumber, client: p.clientAddress, clientPort: p.clientPort,
            virtual: p.destinationAddress, virtualPort: p.destinationPort)
        // An FTP passive data entry learns the client port from the client's first packet
        // (reference §4.2, §5.1).
        if let index = found, connectionTable.entries[Int(index)].flags.contains(.noClientPort) {
            connectionTable.learnClientPort(p.clientPort, of: index)
        }
        // Step 4: a connection-starting packet on an old entry (client port reuse, §4.11).
        if let index = found, startsConnection(p), shouldReschedule(reusing: index) {
            if connectionTable.entries[Int(index)].controlledCount == 0 { release(index) }
            found = nil
        }
        let index: Int32
        switch entryOrNewConnection(found, for: p, now: now) {
        case .created(let existing): index = existing
        case .verdict(let verdict): return verdict
        }
        // Step 7: count, state machine INPUT, feed the sync master, restart the timer.
        let entry = connectionTable.entries[Int(index)]
        let destination: RealServerKey
        if let server = boundServers.server(entry.server) {
            recordInbound(bytes: p.length, server: server, service: boundServers.service(entry.server))
            destination = server.key
        } else {
            // An entry a backup created from a sync record without a matching real server still
            // forwards by its own flags (reference §7.5 step 5); there is no server to count in.
            destination = RealServerKey(address: entry.destinationAddress, port: entry.destinationPort)
        }
        transition(index, direction: .input, tcpFlags: p.tcpFlags)
        if let sync = syncOutput {
            syncInboundPacket(index, settings: sync, now: now)
        } else {
            // The kernel's in_pkts counts with or without sync; drop_entry reads it (§4.12).
            connectionTable.entries[Int(index)].inPackets &+= 1
        }
        let ref = connectionTable.ref(index)
        let verdict = InboundVerdict.forward(
            ref, to: destination, forwarding: entry.forwarding, destinationPort: entry.destinationPort)
        if entry.flags.contains(.onePacket) {
            // One-packet scheduling (§4.9): counted while it exists, gone after this datagram.
            release(index)
        } else {
            put(index, now: now)
        }
        return verdict
    }

    /// A packet towards a client (a NAT reply, reference §4.3 "Outbound"): counts it, runs the
    /// state machine OUTPUT (clearing NOOUTPUT) and restarts the entry's timer.
    ///
    /// A UDP datagram that matches no entry but comes from a masquerading real server of a
    /// service with a persistence engine, with the engine's data in `p.persistenceData`, starts
    /// a connection (and a template keyed by that data) as IPVS's SIP `conn_out` does (reference
    /// §4.14): the verdict is then `.reply` too. A one-packet (`-o`) service's entry is released
    /// again before this returns (reference §4.9).
    public func outbound(_ p: OutboundPacket, now: MonotonicInstant) -> OutboundVerdict {
        switch p.protocolNumber {
        case .tcp, .udp, .sctp: break
        case .ip: return .notOurs
        }
        guard
            let index = connectionTable.lookupOut(
                p.protocolNumber, source: p.sourceAddress, sourcePort: p.sourcePort,
                client: p.destinationAddress, clientPort: p.destinationPort)
                ?? connectionFromRealServer(p, now: now)
        else { return .notOurs }
        let entry = connectionTable.entries[Int(index)]
        if let server = boundServers.server(entry.server) {
            recordOutbound(bytes: p.length, server: server, service: boundServers.service(entry.server))
        }
        transition(index, direction: .output, tcpFlags: p.tcpFlags)
        let verdict = OutboundVerdict.reply(
            connectionTable.ref(index), virtualAddress: entry.virtualAddress, virtualPort: entry.virtualPort,
            forwarding: entry.forwarding)
        if entry.flags.contains(.onePacket) {
            release(index)
        } else {
            put(index, now: now)
        }
        return verdict
    }

    /// Called after `server` left `service` (delete, service delete, clear): with
    /// expire_nodest_conn every entry whose real server is unavailable is expired, and a template
    /// left controlling nothing goes with it (reference §4.11 (c)).
    func realServerRetired(_ server: RealServer, of service: VirtualServiceState, now: MonotonicInstant) {
        guard settings.expireNodestConn else { return }
        for slot in connectionTable.entries.indices {
            let index = Int32(slot)
            guard connectionTable.isLive(index) else { continue }
            let entry = connectionTable.entries[slot]
            guard entry.controlledCount == 0, let bound = boundServers.server(entry.server), !bound.isAvailable
            else { continue }
            let control = entry.control
            release(index)
            if connectionTable.isLive(control) && connectionTable.entries[Int(control)].controlledCount == 0 {
                release(control)
            }
        }
    }

    /// Every live connection entry and persistence template, as `ipvsadm -L -c` lists them
    /// (slab order).
    public func connectionSnapshots(now: MonotonicInstant) -> [ConnectionSnapshot] {
        var result: [ConnectionSnapshot] = []
        result.reserveCapacity(connectionTable.count)
        for slot in connectionTable.entries.indices where connectionTable.isLive(Int32(slot)) {
            result.append(snapshot(of: Int32(slot), now: now))
        }
        return result
    }

    /// The entry a reference names, or nil once it has expired.
    public func connectionSnapshot(_ ref: ConnectionRef, now: MonotonicInstant) -> ConnectionSnapshot? {
        connectionTable.index(of: ref).map { snapshot(of: $0, now: now) }
    }

    /// Live connection entries and templates.
    public var connectionCount: Int { connectionTable.count }

    func snapshot(of index: Int32, now: MonotonicInstant) -> ConnectionSnapshot {
        let e = connectionTable.entries[Int(index)]
        let stateName: String
        if e.isTemplate {
            stateName = e.state == ConnectionEntry.templateAssured ? "ASSURED" : "NONE"
        } else {
            switch e.protocolNumber {
            case .tcp: stateName = TCPState(rawValue: e.state)?.name ?? "ERR!"
            case .udp: stateName = "UDP"
            case .sctp: stateName = SCTPState(rawValue: e.state)?.name ?? "ERR!"
            case .ip: stateName = "ERR!"
            }
        }
        // Firewall-mark templates show the mark as an IPv4 address (reference §2.4).
        let virtualAddress =
            e.protocolNumber == .ip
            ? IPAddress(ipv4: UInt32(truncatingIfNeeded: e.virtualLow)) : e.virtualAddress
        let remaining = e.expiry > now.nanoseconds ? (e.expiry - now.nanoseconds) / Self.nanosecondsPerSecond : 0
        // The PE columns of `-L -c --persistent-conn` (reference §2.4): the data as its bytes.
        let engine = persistenceEngineData(of: index)
        return ConnectionSnapshot(
            protocolNumber: e.protocolNumber, clientAddress: e.clientAddress, clientPort: e.clientPort,
            virtualAddress: virtualAddress, virtualPort: e.virtualPort, destinationAddress: e.destinationAddress,
            destinationPort: e.destinationPort, stateName: stateName,
            expiresInSeconds: UInt32(clamping: remaining), isTemplate: e.isTemplate,
            isSynced: e.flags.contains(.sync), persistenceEngineName: engine?.engine.name,
            persistenceEngineData: engine.map { String(decoding: $0.data, as: UTF8.self) })
    }

    /// Moves the director's clock to `now`: expires due entries, runs the rate estimator every
    /// 2 s, the defence strategies every second (§4.12), and every 60 s scheduler housekeeping and the trash scan. Drivers call it about once
    /// a second; it never needs to be called more often.
    public func advance(to now: MonotonicInstant) {
        while let index = connectionTable.popExpired(now: now.nanoseconds) {
            expire(index, now: now)
        }
        runEstimation(now: now.nanoseconds)
        runDefences(now: now)
        runMaintenance(now: now)
    }

    private static let maintenanceInterval: UInt64 = 60_000_000_000

    private func runMaintenance(now: MonotonicInstant) {
        guard let due = connectionClock.nextMaintenance else {
            connectionClock.nextMaintenance = now.nanoseconds &+ Self.maintenanceInterval
            return
        }
        guard due <= now.nanoseconds else { return }
        connectionClock.nextMaintenance = now.nanoseconds &+ Self.maintenanceInterval
        for service in orderedServices { service.scheduler.maintenance(now: now) }
        // Storage a burst left behind goes back once its entries expired (design 0024).
        connectionTable.shrinkIfSparse()
        // Trash scan (§4.11): servers nothing references any more are freed.
        for (key, server) in trash where boundServers.references(of: server) == 0 { trash[key] = nil }
    }

    /// TCP SYN or (not passed by the engines yet) SCTP INIT: the packets that may reuse an entry.
    private func startsConnection(_ p: InboundPacket) -> Bool {
        switch p.protocolNumber {
        case .tcp: return p.tcpFlags.contains(.syn)
        case .udp, .sctp, .ip: return false
        }
    }

    /// Reference §4.3 steps 5–6 for the entry a lookup found (or none): an entry whose real server
    /// was deleted drops the packet (counted) or, with expire_nodest_conn, is expired and the
    /// packet scheduled as new; no entry schedules a new connection. `.created` carries the entry
    /// to use, old or new.
    func entryOrNewConnection(_ found: Int32?, for packet: InboundPacket, now: MonotonicInstant) -> NewConnection {
        if let index = found, let server = boundServers.server(connectionTable.entries[Int(index)].server),
            !server.isAvailable
        {
            guard settings.expireNodestConn else {
                connectionCounters.droppedDestinationUnavailable &+= 1
                return .verdict(.drop(.destinationUnavailable))
            }
            expire(index, now: now)
            return scheduleNewConnection(packet, now: now)
        }
        if let index = found { return .created(index) }
        return scheduleNewConnection(packet, now: now)
    }
}
