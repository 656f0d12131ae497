// The engine-facing API of the director: what a terminating engine (the proxy engine) reports
// for each connection event, in place of the per-packet `inbound`/`outbound` of a packet engine
// (docs/design/0006-engines-and-the-director.md, docs/design/0007-proxy-engine.md).
//
// A proxied connection has no packets the director sees, so the engine translates socket events
// into the state machine's inputs (reference §4.6): accept = INPUT SYN, the real server's
// connect completing = OUTPUT ACK (it clears NOOUTPUT: the proxy sees both directions), the
// client's FIN = INPUT FIN, the real server's FIN = OUTPUT FIN, a refused connect = OUTPUT RST,
// a client reset = INPUT RST. While the engine's sockets are open the entry is *held*: it stays
// off the expiry wheel (the engine enforces the idle timeout itself) and its expiry is refreshed
// as traffic is reported, so `-L -c` shows the time left as IPVS would. Releasing the hold
// arms the entry for what is left of its state's timeout, so closed connections linger in
// TIME_WAIT/CLOSE exactly as in IPVS.

/// Which socket of a proxied connection an event concerns.
public enum ConnectionSide: Sendable, Hashable {
    /// The client's connection to the virtual service.
    case client
    /// The engine's connection to the real server.
    case server
}

/// What the engine should do with a connection after reporting an event.
public enum EngineEntryStatus: Sendable, Hashable {
    /// Keep forwarding.
    case live
    /// The real server was deleted and `expire_nodest_conn` is off: IPVS drops the packets of
    /// such a connection (reference §4.11), so the engine stops moving its bytes until the
    /// server is re-added (the entry revives) or the idle timeout ends it.
    case destinationUnavailable
    /// The entry is gone (expired by `expire_nodest_conn`, or the reference is stale): close
    /// the connection.
    case gone
}

extension Director {
    /// A new client connection (TCP accept) or a datagram from a client without an engine session
    /// (UDP): the proxy's equivalent of a connection-starting packet (reference §4.3 steps 4–7).
    /// Finds or schedules the entry (scheduler, persistence, thresholds, `conns` counted) and
    /// holds it for the engine. TCP entries enter SYN_RECV (active). For UDP pass the datagram's
    /// length: it is counted as one inbound packet; a one-packet (`-o`) entry is released again
    /// before this returns (reference §4.9) and must not be reported on.
    ///
    /// An existing entry of the same client address and port that the engine still holds belongs
    /// to a connection the kernel has already replaced; it is released and the new one scheduled.
    ///
    /// `persistenceData` is the datagram's persistence-engine data (the SIP Call-ID, reference
    /// §4.14) when `persistenceEngine(forPacketTo:…)` names an engine for the service; it keys
    /// the persistence template as in `inbound`.
    public func openConnection(
        _ protocolNumber: IPProtocolNumber, client: IPAddress, clientPort: UInt16,
        virtual: IPAddress, virtualPort: UInt16, datagramLength: UInt32? = nil, persistenceData: [UInt8]? = nil,
        firewallMark: UInt32 = 0, preferredServer: RealServerKey? = nil, now: MonotonicInstant
    ) -> InboundVerdict {
        switch protocolNumber {
        case .tcp, .udp: break
        case .sctp, .ip: return .notOurs
        }
        var packet = InboundPacket(
            protocolNumber: protocolNumber, clientAddress: client, clientPort: clientPort,
            destinationAddress: virtual, destinationPort: virtualPort,
            firewallMark: firewallMark, tcpFlags: protocolNumber == .tcp ? [.syn] : [], length: datagramLength ?? 0,
            persistenceData: persistenceData)
        packet.preferredServer = preferredServer
        var found = connectionTable.lookupIn(
            protocolNumber, client: client, clientPort: clientPort, virtual: virtual, virtualPort: virtualPort)
        // A content-switched request (a firewall-mark group, docs/design/0019) replaces the
        // entry of the same client connection's previous request, which may name another group.
        if let index = found,
            firewallMark != 0
                || connectionTable.entries[Int(index)].flags.contains(.held)
                || (protocolNumber == .tcp && shouldReschedule(reusing: index))
        {
            release(index)
            found = nil
        }
        let index: Int32
        switch entryOrNewConnection(found, for: packet, now: now) {
        case .created(let existing): index = existing
        case .verdict(let verdict): return verdict
        }
        let entry = connectionTable.entries[Int(index)]
        guard let server = boundServers.server(entry.server) else { return .notOurs }
        if let datagramLength {
            recordInbound(bytes: datagramLength, server: server, service: boundServers.service(entry.server))
        }
        transition(index, direction: .input, tcpFlags: packet.tcpFlags)
        // The accept (or datagram) is the connection's first inbound packet for the sync master:
        // it reaches the persistence template too (reference §7.2 item 5).
        if let sync = syncOutput { syncInboundPacket(index, settings: sync, now: now) }
        let verdict = InboundVerdict.forward(
            connectionTable.ref(index), to: server.key, forwarding: entry.forwarding,
            destinationPort: entry.destinationPort)
        if entry.flags.contains(.onePacket) {
            release(index)
        } else {
            hold(index, now: now)
        }
        return verdict
    }

    /// The connection to the real server is up: OUTPUT ACK, so SYN_RECV → ESTABLISHED (and the
    /// persistence template becomes ASSURED).
    @discardableResult
    public func connectionEstablished(_ ref: ConnectionRef, now: MonotonicInstant) -> EngineEntryStatus {
        guard let index = connectionTable.index(of: ref) else { return .gone }
        transition(index, direction: .output, tcpFlags: .ack)
        refresh(index, now: now)
        syncStateChange(index, now: now)
        return status(of: index)
    }

    /// Connecting to the entry's real server failed (refused, unreachable or timed out). The entry
    /// is released (its counts undone), a persistence template pointing at that server is
    /// invalidated (like HAProxy's `option redispatch`, the client loses its stickiness rather
    /// than its connection), and the connection is scheduled again with the failed server
    /// skipped. Returns the new verdict; `.noDestination` when no other server is eligible.
    public func redispatch(_ ref: ConnectionRef, now: MonotonicInstant) -> InboundVerdict {
        guard let index = connectionTable.index(of: ref) else { return .drop(.destinationUnavailable) }
        let entry = connectionTable.entries[Int(index)]
        let failed = boundServers.server(entry.server)
        let control = entry.control
        if connectionTable.isLive(control),
            connectionTable.entries[Int(control)].server == entry.server
        {
            // Re-keyed so no lookup finds it again; it dies with its timer (as `neutralise`).
            connectionTable.entries[Int(control)].virtualPort = 0xFFFF
            connectionTable.entries[Int(control)].destinationPort = 0xFFFF
        }
        release(index)
        // Every scheduler skips an overloaded server (reference §4.10): the flag keeps the
        // failed one out of this one pick only.
        let wasOverloaded = failed?.isOverloaded ?? false
        failed?.isOverloaded = true
        let verdict = openConnection(
            entry.protocolNumber, client: entry.clientAddress, clientPort: entry.clientPort,
            virtual: entry.virtualAddress, virtualPort: entry.virtualPort, now: now)
        failed?.isOverloaded = wasOverloaded
        return verdict
    }

    /// One side sent FIN (its read side reached end of file): the client's is INPUT FIN, the real
    /// server's OUTPUT FIN (ESTABLISHED → CLOSE_WAIT or FIN_WAIT, then TIME_WAIT).
    @discardableResult
    public func sideClosed(_ ref: ConnectionRef, _ side: ConnectionSide, now: MonotonicInstant) -> EngineEntryStatus {
        guard let index = connectionTable.index(of: ref) else { return .gone }
        transition(index, direction: side == .client ? .input : .output, tcpFlags: .fin)
        refresh(index, now: now)
        syncStateChange(index, now: now)
        return status(of: index)
    }

    /// One side failed or reset (INPUT or OUTPUT RST → CLOSE) and the engine closed the
    /// connection: the hold is released and the entry lingers for CLOSE's timeout.
    public func connectionReset(_ ref: ConnectionRef, _ side: ConnectionSide, now: MonotonicInstant) {
        guard let index = connectionTable.index(of: ref) else { return }
        if connectionTable.entries[Int(index)].protocolNumber == .tcp {
            transition(index, direction: side == .client ? .input : .output, tcpFlags: .rst)
            refresh(index, now: now)
            syncStateChange(index, now: now)
        }
        connectionClosed(ref, now: now)
    }

    /// The engine closed both sockets (after both FINs, or on its idle timeout): the hold is
    /// released and the entry expires when its last refresh plus its state's timeout is reached
    /// — at once for a connection closed by the idle timeout, 2 minutes later in TIME_WAIT.
    public func connectionClosed(_ ref: ConnectionRef, now: MonotonicInstant) {
        guard let index = connectionTable.index(of: ref) else { return }
        let slot = Int(index)
        guard connectionTable.entries[slot].flags.contains(.held) else { return }
        connectionTable.entries[slot].flags.remove(.held)
        let expiry = connectionTable.entries[slot].expiry
        if expiry <= now.nanoseconds {
            expire(index, now: now)
        } else {
            connectionTable.arm(index, expiry: expiry, now: now.nanoseconds)
        }
    }

    /// Adds the traffic a connection moved since its last report to its real server's, its
    /// service's and the global counters (reference §4.13) and, if anything moved, restarts the
    /// entry's timeout. Packets of a deleted real server are not counted (§4.13). A UDP reply
    /// (outPackets > 0) assures the persistence template, as an OUTPUT packet does in IPVS.
    @discardableResult
    public func recordTraffic(
        _ ref: ConnectionRef, inPackets: UInt64, inBytes: UInt64, outPackets: UInt64, outBytes: UInt64,
        now: MonotonicInstant
    ) -> EngineEntryStatus {
        guard let index = connectionTable.index(of: ref) else { return .gone }
        let entry = connectionTable.entries[Int(index)]
        guard let server = boundServers.server(entry.server) else { return .gone }
        guard server.isAvailable else { return .destinationUnavailable }
        guard inPackets | inBytes | outPackets | outBytes != 0 else { return .live }
        let service = boundServers.service(entry.server)
        server.stats.addTraffic(inPackets: inPackets, inBytes: inBytes, outPackets: outPackets, outBytes: outBytes)
        service?.stats.addTraffic(inPackets: inPackets, inBytes: inBytes, outPackets: outPackets, outBytes: outBytes)
        globalStats.addTraffic(inPackets: inPackets, inBytes: inBytes, outPackets: outPackets, outBytes: outBytes)
        if entry.protocolNumber == .udp && outPackets > 0 { transition(index, direction: .output, tcpFlags: []) }
        refresh(index, now: now)
        if let sync = syncOutput {
            syncInboundPackets(index, count: inPackets, settings: sync, now: now)
        } else {
            connectionTable.entries[Int(index)].inPackets &+= UInt32(truncatingIfNeeded: inPackets)
        }
        return .live
    }

    /// Whether the entry's connection may carry traffic now (see `EngineEntryStatus`).
    public func engineStatus(_ ref: ConnectionRef) -> EngineEntryStatus {
        guard let index = connectionTable.index(of: ref) else { return .gone }
        return status(of: index)
    }

    /// True while an engine holds the entry.
    public func isHeld(_ ref: ConnectionRef) -> Bool {
        guard let index = connectionTable.index(of: ref) else { return false }
        return connectionTable.entries[Int(index)].flags.contains(.held)
    }

    /// A terminating engine accepted the connection a related entry was made for in advance
    /// (`createRelatedConnection`; the proxy engine's FTP data listeners): the entry learns its
    /// client port if it was made without one, takes the accept as INPUT SYN (LISTEN → SYN_RECV)
    /// and is held like any proxied connection, so `-L -c` shows it as IPVS shows a data entry
    /// and `connectionEstablished`/`sideClosed`/`connectionClosed` run its states. Like
    /// `createRelatedConnection`, `conns` does not move (reference §4.13).
    public func adoptRelatedConnection(_ ref: ConnectionRef, clientPort: UInt16, now: MonotonicInstant)
        -> EngineEntryStatus
    {
        guard let index = connectionTable.index(of: ref) else { return .gone }
        if connectionTable.entries[Int(index)].flags.contains(.noClientPort) {
            connectionTable.learnClientPort(clientPort, of: index)
        }
        if connectionTable.entries[Int(index)].protocolNumber == .tcp {
            transition(index, direction: .input, tcpFlags: [.syn])
        }
        hold(index, now: now)
        syncStateChange(index, now: now)
        return status(of: index)
    }

    // MARK: - Internals

    /// A proxied connection changed state without an inbound packet the master could count: the
    /// entry alone is run through reference §7.2 with its current count, so the forced sends of
    /// FIN_WAIT/CLOSE_WAIT/TIME_WAIT/CLOSE happen; its template is reached by packets only.
    private func syncStateChange(_ index: Int32, now: MonotonicInstant) {
        guard let sync = syncOutput else { return }
        syncConnection(
            index, packets: connectionTable.entries[Int(index)].inPackets, settings: sync, now: now,
            walkControllers: false)
    }

    /// Marks the entry held: its expiry is computed (for listings) but it is not on the wheel.
    private func hold(_ index: Int32, now: MonotonicInstant) {
        connectionTable.entries[Int(index)].flags.insert(.held)
        refresh(index, now: now)
    }

    /// Sets the entry's expiry to now + its state's timeout; held entries stay off the wheel.
    private func refresh(_ index: Int32, now: MonotonicInstant) {
        put(index, now: now)
        if connectionTable.entries[Int(index)].flags.contains(.held) { connectionTable.disarm(index) }
    }

    private func status(of index: Int32) -> EngineEntryStatus {
        guard let server = boundServers.server(connectionTable.entries[Int(index)].server) else { return .gone }
        return server.isAvailable ? .live : .destinationUnavailable
    }
}

extension StatsCounters {
    /// Adds a batch of traffic counted by an engine (wrapping, like the per-packet counters).
    mutating func addTraffic(inPackets: UInt64, inBytes: UInt64, outPackets: UInt64, outBytes: UInt64) {
        self.inPackets &+= inPackets
        self.inBytes &+= inBytes
        self.outPackets &+= outPackets
        self.outBytes &+= outBytes
    }
}
