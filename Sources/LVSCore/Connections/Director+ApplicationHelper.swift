// The director's side of application helpers (reference §6, ip_vs_ftp): which connections the
// FTP helper is bound to, the per-connection helper state it keeps between segments (sequence
// adjustment, the expected passive reply), and the data entries it creates in advance, each
// "controlled" by its control connection's entry as IPVS links them. The engine parses and
// rewrites the segments (LVSFTP); the director only keeps the state and the entries.
extension Director {
    /// True when connections of `service` get the FTP helper: a TCP service (not a firewall
    /// mark) whose port is one of `ftpPorts` (ip_vs_ftp's registration, reference §6). Whether a
    /// connection is masqueraded is told per entry (`HelperConnection.isFTPControl`).
    public func isFTPService(_ service: VirtualServiceID) -> Bool {
        !service.isFirewallMark && service.protocolNumber == .tcp && ftpPorts.contains(service.port)
    }

    /// The entry `ref` names as a helper sees it, or nil once it has expired.
    public func helperConnection(_ ref: ConnectionRef) -> HelperConnection? {
        guard let index = connectionTable.index(of: ref) else { return nil }
        let entry = connectionTable.entries[Int(index)]
        var isFTPControl = false
        if entry.protocolNumber == .tcp, !entry.isTemplate, entry.forwarding == .masquerading,
            let service = boundServers.service(entry.server)
        {
            // The entry's own port must be the service's: a data connection that reached an FTP
            // service by a port-zero or fallback lookup is not a control connection.
            isFTPControl = isFTPService(service.id) && entry.virtualPort == service.id.port
        }
        return HelperConnection(
            ref: ref, protocolNumber: entry.protocolNumber, clientAddress: entry.clientAddress,
            clientPort: entry.clientPort, virtualAddress: entry.virtualAddress, virtualPort: entry.virtualPort,
            serverAddress: entry.destinationAddress, serverPort: entry.destinationPort, forwarding: entry.forwarding,
            isEstablished: entry.protocolNumber == .tcp && entry.state == TCPState.established.rawValue,
            isFTPControl: isFTPControl,
            helperState: connectionTable.helperState(of: index) ?? ConnectionHelperState())
    }

    /// Keeps `state` for the entry (an empty state forgets it). The entry's `IN_SEQ`/`OUT_SEQ`
    /// flags follow the adjustments, and sync records carry them (reference §7.3 SEQ_DATA).
    public func setHelperState(_ state: ConnectionHelperState, of ref: ConnectionRef) {
        guard let index = connectionTable.index(of: ref) else { return }
        connectionTable.setHelperState(state, of: index)
    }

    /// Creates in advance the entry of a data connection the control connection `control`
    /// announced (reference §6): client `client:clientPort` (port 0 = not known yet, the entry
    /// is flagged NO_CPORT and learns it from the client's first packet), virtual address the
    /// control entry's with port `virtualPort`, real server the control entry's address with
    /// port `serverPort`.
    ///
    /// Like IPVS: the entry is bound to the control entry's real server and service (its
    /// packets count in their statistics) but is not a new scheduled connection (`conns` does
    /// not move, reference §4.13); it is in state LISTEN (120 s) until its SYN; it is
    /// controlled by the control entry, which therefore stays (re-armed for 60 s) while data
    /// entries exist (§4.2). An identical entry (same in-lookup key) is left alone.
    public func createRelatedConnection(
        controlledBy control: ConnectionRef, client: IPAddress, clientPort: UInt16, virtualPort: UInt16,
        serverPort: UInt16, now: MonotonicInstant
    ) -> RelatedConnectionOutcome {
        guard let controlIndex = connectionTable.index(of: control) else { return .controlGone }
        let controlEntry = connectionTable.entries[Int(controlIndex)]
        guard client.family == controlEntry.family, let server = boundServers.server(controlEntry.server),
            let service = boundServers.service(controlEntry.server), server.isAvailable
        else { return .controlGone }
        let virtual = controlEntry.virtualAddress
        if let existing = connectionTable.lookupIn(
            controlEntry.protocolNumber, client: client, clientPort: clientPort, virtual: virtual,
            virtualPort: virtualPort)
        {
            return .existing(connectionTable.ref(existing))
        }
        guard
            let index = createEntry(
                protocolNumber: controlEntry.protocolNumber, client: client, clientPort: clientPort,
                virtualHigh: virtual.high, virtualLow: virtual.low, virtualPort: virtualPort, server: server,
                service: service, destinationPort: serverPort, template: false, onePacket: false, now: now)
        else {
            connectionCounters.droppedTableFull &+= 1
            return .tableFull
        }
        if clientPort == 0 { connectionTable.markNoClientPort(index) }
        let slot = Int(index)
        let timeouts = ProtocolTimeouts(settings: configuration.timeouts)
        connectionTable.entries[slot].state = TCPState.listen.rawValue
        connectionTable.entries[slot].timeout = timeouts.tcp(.listen)
        connectionTable.entries[slot].control = controlIndex
        connectionTable.entries[Int(controlIndex)].controlledCount &+= 1
        put(index, now: now)
        return .created(connectionTable.ref(index))
    }
}
