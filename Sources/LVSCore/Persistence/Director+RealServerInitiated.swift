// Connections for datagrams that real servers initiate (reference §4.3 "Outbound", §4.14): the
// second half of the SIP persistence engine (IPVS's `conn_out`). A masquerading real server of a
// persistent UDP service with `--pe sip` that sends a datagram matching no connection entry —
// a request of its own, or the answer to a one-packet (`-o`) entry that was freed after its
// datagram — gets a connection entry for it (real server → far end, masqueraded to the
// service's VIP:vport) under a template keyed by the message's Call-ID, so the far end's later
// messages of that call reach the same real server.
extension Director {
    /// The entry the kernel creates for an unmatched datagram from a real server (reference
    /// §4.14 "requests initiated by real servers"), or nil when none applies: only UDP, only a
    /// masquerading real server `sourceAddress:sourcePort` of a non-firewall-mark service with
    /// a port and a persistence engine, and only with the engine's data (a datagram without a
    /// Call-ID matches no template and passes, as in IPVS). The entry is counted as a new
    /// connection; the caller runs it through the outbound path.
    func connectionFromRealServer(_ p: OutboundPacket, now: MonotonicInstant) -> Int32? {
        guard p.protocolNumber == .udp, !persistenceEngineServices.isEmpty, p.sourcePort != 0,
            let data = p.persistenceData, !data.isEmpty, data.count <= SIPCallID.maximumLength,
            let (service, server) = realServerService(of: p)
        else { return nil }
        let id = service.id
        var templateIndex: Int32?
        if service.config.isPersistent {
            let key = TemplateKey(
                service: service, protocolNumber: .udp, client: p.destinationAddress, virtual: id.address,
                virtualPort: id.port, persistenceData: data)
            if let found = lookupTemplate(key) {
                let bound = boundServers.server(connectionTable.entries[Int(found)].server)
                // ip_vs_check_template with this server: a template of the call that points
                // elsewhere (or at an unavailable server) is neutralised and replaced.
                if let bound, bound === server, templateIsValid(bound) {
                    templateIndex = found
                } else {
                    neutralise(found)
                }
            }
            if templateIndex == nil {
                guard
                    let created = createEntry(
                        protocolNumber: .udp, client: key.network, clientPort: 0, virtualHigh: key.virtualHigh,
                        virtualLow: key.virtualLow, virtualPort: key.virtualPort, server: server, service: service,
                        destinationPort: p.sourcePort, template: true, onePacket: false, persistenceData: data,
                        now: now)
                else {
                    connectionCounters.droppedTableFull &+= 1
                    return nil
                }
                connectionTable.entries[Int(created)].timeout =
                    service.config.persistenceTimeout ?? VirtualServiceConfig.defaultPersistenceTimeout
                templateIndex = created
            }
        }
        guard
            let index = createEntry(
                protocolNumber: .udp, client: p.destinationAddress, clientPort: p.destinationPort,
                virtualHigh: id.address.high, virtualLow: id.address.low, virtualPort: id.port, server: server,
                service: service, destinationPort: p.sourcePort, template: false,
                onePacket: service.config.onePacketScheduling, now: now)
        else {
            if let templateIndex { put(templateIndex, now: now) }
            connectionCounters.droppedTableFull &+= 1
            return nil
        }
        if let templateIndex {
            connectionTable.entries[Int(index)].control = templateIndex
            connectionTable.entries[Int(templateIndex)].controlledCount &+= 1
            // As for a scheduled connection (reference §4.7 step 6), the template's timer restarts.
            put(templateIndex, now: now)
        }
        recordConnection(server: server, service: service)
        return index
    }

    /// The first service (in configuration order) with a persistence engine, a port and not a
    /// firewall mark, whose masquerading real server is the packet's source
    /// (ip_vs_find_real_service).
    private func realServerService(of p: OutboundPacket) -> (VirtualServiceState, RealServer)? {
        let key = RealServerKey(address: p.sourceAddress, port: p.sourcePort)
        for service in orderedServices where persistenceEngineServices[service.id] != nil {
            let id = service.id
            guard !id.isFirewallMark, id.port != 0, id.protocolNumber == p.protocolNumber,
                id.address.family == p.sourceAddress.family,
                let server = service.realServer(key), server.config.forwarding == .masquerading
            else { continue }
            return (service, server)
        }
        return nil
    }
}
