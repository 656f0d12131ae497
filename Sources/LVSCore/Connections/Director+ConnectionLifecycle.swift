// Life of a connection entry inside the director: creation and binding to a real server,
// state transitions with active/inactive accounting, timer restarts ("put") and expiry
// (reference §4.2, §4.6, §4.10, §4.11).
extension Director {
    static let nanosecondsPerSecond: UInt64 = 1_000_000_000

    /// Creates an entry bound to `server`, counted in its totals (reference §4.6.4, §4.10).
    /// Returns nil when the table is full, or at the entry cap with nothing to evict
    /// (Director+DropEntry.swift).
    func createEntry(
        protocolNumber: IPProtocolNumber, client: IPAddress, clientPort: UInt16,
        virtualHigh: UInt64, virtualLow: UInt64, virtualPort: UInt16,
        server: RealServer, service: VirtualServiceState, destinationPort: UInt16,
        template: Bool, onePacket: Bool, persistenceData: [UInt8]? = nil, now: MonotonicInstant
    ) -> Int32? {
        let forwarding = server.config.forwarding
        var flags = ConnectionFlags(rawValue: UInt16(forwarding.rawValue))
        // A new entry starts INACTIVE; non-NAT entries start NOOUTPUT (reference §4.1).
        flags.insert(.inactive)
        if forwarding != .masquerading { flags.insert(.noOutput) }
        if template { flags.insert(.template) }
        if onePacket && !template && protocolNumber == .udp { flags.insert(.onePacket) }
        var entry = ConnectionEntry()
        entry.clientHigh = client.high
        entry.clientLow = client.low
        entry.clientPort = clientPort
        entry.virtualHigh = virtualHigh
        entry.virtualLow = virtualLow
        entry.virtualPort = virtualPort
        entry.destinationHigh = server.key.address.high
        entry.destinationLow = server.key.address.low
        entry.destinationFamily = server.key.address.family
        entry.destinationPort = destinationPort
        entry.protocolNumber = protocolNumber
        entry.family = client.family
        entry.flags = flags
        entry.syncEndTime = Self.syncClock(now) & ~3
        guard makeRoomForEntry(now: now), let index = connectionTable.allocate(entry) else { return nil }
        // Before hashing: a persistence-engine template is chained by its data (reference §4.2).
        if template, let persistenceData { connectionTable.setPersistenceData(persistenceData, of: index) }
        connectionTable.entries[Int(index)].server = boundServers.retain(server, of: service)
        if !flags.contains(.onePacket) { connectionTable.hash(index) }
        bind(server, template: template)
        return index
    }

    /// ip_vs_bind_dest: templates count in PersistConn, connections in the total (inactive).
    func bind(_ server: RealServer, template: Bool) {
        if template {
            server.persistentConnections &+= 1
        } else {
            server.totalConnections &+= 1
        }
        // Reference §4.10: a new connection that makes the total reach u overloads the server.
        let upper = Int64(server.config.upperThreshold)
        if upper != 0 && Int64(server.totalConnections) >= upper { server.isOverloaded = true }
    }

    /// ip_vs_unbind_dest: undo the counts and apply the lower threshold (reference §4.10).
    private func unbind(_ server: RealServer, entry: ConnectionEntry) {
        if entry.isTemplate {
            server.persistentConnections &-= 1
        } else {
            if !entry.flags.contains(.inactive) { server.activeConnections &-= 1 }
            server.totalConnections &-= 1
        }
        let upper = server.config.upperThreshold
        if upper == 0 && server.config.lowerThreshold == 0 {
            server.isOverloaded = false
        } else if Int64(server.totalConnections) < server.lowerThresholdBound {
            server.isOverloaded = false
        }
    }

    /// Restarts the entry's timer: it expires `timeout` seconds from `now` (reference §4.2).
    func put(_ index: Int32, now: MonotonicInstant) {
        let timeout = UInt64(connectionTable.entries[Int(index)].timeout)
        connectionTable.arm(
            index, expiry: now.nanoseconds &+ timeout &* Self.nanosecondsPerSecond, now: now.nanoseconds)
    }

    /// Runs the protocol state machine for one packet and sets the entry's timeout for its new
    /// state (reference §4.6, §4.5). The caller restarts the timer.
    func transition(_ index: Int32, direction: PacketDirection, tcpFlags: TCPSegmentFlags) {
        let slot = Int(index)
        let timeouts = ProtocolTimeouts(settings: configuration.timeouts)
        switch connectionTable.entries[slot].protocolNumber {
        case .tcp:
            var direction = direction
            if connectionTable.entries[slot].flags.contains(.noOutput) {
                // The first reply seen proves the director is on the return path (§4.6.1).
                switch direction {
                case .output: connectionTable.entries[slot].flags.remove(.noOutput)
                case .input, .inputOnly: direction = .inputOnly
                }
            }
            let old = TCPState(rawValue: connectionTable.entries[slot].state) ?? .none
            let new = TCPStateMachine.next(
                from: old, event: TCPEvent(flags: tcpFlags), direction: direction,
                secure: defenceStatus.secureTCP.isActive)
            if new != old {
                setActivity(index, active: new.isActive)
                if new == .established { assureControl(of: index) }
                connectionTable.entries[slot].state = new.rawValue
            }
            connectionTable.entries[slot].timeout = timeouts.tcp(new)
        case .udp:
            if direction == .output { assureControl(of: index) }
            connectionTable.entries[slot].timeout = timeouts.udp
        case .sctp:
            // Without chunk types (the engines do not pass them yet) an SCTP entry goes straight
            // to ESTABLISHED; see the report's deviations.
            let new = SCTPState.established
            if connectionTable.entries[slot].state != new.rawValue {
                setActivity(index, active: new.isActive)
                assureControl(of: index)
                connectionTable.entries[slot].state = new.rawValue
            }
            connectionTable.entries[slot].timeout = timeouts.sctp(new)
        case .ip:
            break  // templates see no packets
        }
    }

    /// Moves the entry between ActiveConn and InActConn (reference §4.6.4).
    private func setActivity(_ index: Int32, active: Bool) {
        let entry = connectionTable.entries[Int(index)]
        guard let server = boundServers.server(entry.server) else { return }
        let inactive = entry.flags.contains(.inactive)
        if !inactive && !active {
            server.activeConnections &-= 1
            connectionTable.entries[Int(index)].flags.insert(.inactive)
        } else if inactive && active {
            server.activeConnections &+= 1
            connectionTable.entries[Int(index)].flags.remove(.inactive)
        }
    }

    /// Marks the persistence template controlling `index` ASSURED.
    private func assureControl(of index: Int32) {
        let control = connectionTable.entries[Int(index)].control
        guard connectionTable.isLive(control) else { return }
        connectionTable.entries[Int(control)].state = ConnectionEntry.templateAssured
    }

    /// The entry's timer fired (or it is expired now): an entry still controlling others is
    /// re-armed for 60 s, anything else is released (reference §4.2).
    func expire(_ index: Int32, now: MonotonicInstant) {
        guard connectionTable.isLive(index) else { return }
        if connectionTable.entries[Int(index)].controlledCount > 0 {
            connectionTable.arm(
                index,
                expiry: now.nanoseconds &+ UInt64(ProtocolTimeouts.controllingRearm) &* Self.nanosecondsPerSecond,
                now: now.nanoseconds)
            // Reference §7.2: a master re-syncs it, with the 60 s it now lives for.
            if let sync = syncOutput {
                syncConnection(
                    index, packets: sync.threshold, settings: sync, now: now,
                    timeout: ProtocolTimeouts.controllingRearm)
            }
            return
        }
        release(index)
    }

    /// Frees the entry: leaves its template's control, unbinds its real server, and frees a
    /// deleted real server from the trash once nothing references it (reference §4.11).
    func release(_ index: Int32) {
        guard connectionTable.isLive(index) else { return }
        let entry = connectionTable.entries[Int(index)]
        if connectionTable.isLive(entry.control) {
            connectionTable.entries[Int(entry.control)].controlledCount &-= 1
        }
        if let server = boundServers.server(entry.server) {
            unbind(server, entry: entry)
            if let (last, service) = boundServers.release(entry.server), !last.isAvailable, let service {
                let key = TrashKey(service: service.id, realServer: last.key)
                if trash[key] === last { trash[key] = nil }
            }
        }
        connectionTable.free(index)
    }

    /// conn_reuse_mode (reference §4.11): a connection-starting packet that hits this entry
    /// expires it and is scheduled anew.
    func shouldReschedule(reusing index: Int32) -> Bool {
        let entry = connectionTable.entries[Int(index)]
        let mode = settings.connReuseMode
        guard mode != 0 else { return false }
        if settings.expireNodestConn, let server = boundServers.server(entry.server), server.weight == 0 {
            return true
        }
        guard entry.control < 0 else { return false }
        switch entry.protocolNumber {
        case .tcp:
            let state = TCPState(rawValue: entry.state) ?? .none
            return state == .timeWait || state == .close
                || (mode & 2 != 0 && state == .finWait && entry.flags.contains(.noOutput))
        case .sctp:
            return entry.state == SCTPState.closed.rawValue
        case .udp, .ip:
            return false
        }
    }
}
