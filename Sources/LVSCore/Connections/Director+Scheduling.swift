// Finding the virtual service of a packet and creating a new connection entry for it, with
// persistence (reference §4.4, §4.7, §4.8, §4.9, §4.15).
extension Director {
    /// Outcome of trying to start a connection for a packet that matched no entry.
    enum NewConnection {
        case created(Int32)
        case verdict(InboundVerdict)
    }

    /// Service lookup order of reference §4.4: firewall mark (same family) first, then the exact
    /// service, then the port-zero service of the protocol and VIP. The FTP fallback (step 3) is
    /// left out: there is no FTP helper.
    func lookupService(for p: InboundPacket) -> VirtualServiceState? {
        if p.firewallMark != 0,
            let service = services[VirtualServiceID(firewallMark: p.firewallMark, family: p.clientAddress.family)]
        {
            return service
        }
        if let service = services[
            VirtualServiceID(protocol: p.protocolNumber, address: p.destinationAddress, port: p.destinationPort)]
        {
            return service
        }
        guard p.destinationPort != 0 else { return nil }
        return services[VirtualServiceID(protocol: p.protocolNumber, address: p.destinationAddress, port: 0)]
    }

    /// May this packet start a connection (reference §4.3 step 6)?
    func mayStartConnection(_ p: InboundPacket) -> Bool {
        switch p.protocolNumber {
        case .tcp:
            guard !p.tcpFlags.contains(.rst) else { return false }
            return p.tcpFlags.contains(.syn) || settings.sloppyTCP
        case .udp, .sctp:
            return true
        case .ip:
            return false
        }
    }

    /// Schedules a packet that matched no entry (reference §4.4 "Scheduling a new connection").
    func scheduleNewConnection(_ p: InboundPacket, now: MonotonicInstant) -> NewConnection {
        guard let service = lookupService(for: p), mayStartConnection(p) else { return .verdict(.notOurs) }
        // Never schedule what looks like active-FTP data from a real server (§4.4 step 2).
        if p.clientPort == 20 { return .verdict(.notOurs) }
        // drop_packet and the rate limits, before scheduling (reference §4.12).
        if let refusal = newConnectionRefusal(p, service: service, now: now) { return .verdict(refusal) }
        if service.config.isPersistent { return schedulePersistent(p, service: service, now: now) }
        // Port-zero services must be persistent (§4.4 step 5); the kernel answers "no destination".
        if !service.id.isFirewallMark && p.destinationPort != service.id.port { return noDestination() }
        let preferred = p.preferredServer.flatMap { service.realServer($0) }.flatMap { $0.isEligible ? $0 : nil }
        guard let server = preferred ?? service.scheduler.pick(schedulingInput(p, now: now)) else {
            return noDestination()
        }
        let destinationPort = server.key.port != 0 ? server.key.port : p.destinationPort
        guard
            let index = createEntry(
                protocolNumber: p.protocolNumber, client: p.clientAddress, clientPort: p.clientPort,
                virtualHigh: p.destinationAddress.high, virtualLow: p.destinationAddress.low,
                virtualPort: p.destinationPort, server: server, service: service,
                destinationPort: destinationPort, template: false,
                onePacket: service.config.onePacketScheduling, now: now)
        else { return tableFull() }
        recordConnection(server: server, service: service)
        return .created(index)
    }

    /// Persistence (reference §4.7): reuse the client network's template, or schedule and create
    /// one; then create the connection under its control.
    private func schedulePersistent(_ p: InboundPacket, service: VirtualServiceState, now: MonotonicInstant)
        -> NewConnection
    {
        let config = service.config
        let servicePort = service.id.port
        let ftpService = servicePort == 21
        let key = TemplateKey(
            service: service, protocolNumber: p.protocolNumber, client: p.clientAddress,
            virtual: p.destinationAddress, virtualPort: p.destinationPort,
            persistenceData: templatePersistenceData(p, service: service))
        var server: RealServer?
        var template = lookupTemplate(key)
        if let found = template {
            if let bound = boundServers.server(connectionTable.entries[Int(found)].server), templateIsValid(bound) {
                server = bound
            } else {
                neutralise(found)
                template = nil
            }
        }
        if template == nil {
            guard let picked = service.scheduler.pick(schedulingInput(p, now: now)) else { return noDestination() }
            let templateDestinationPort = (p.destinationPort == servicePort && !ftpService) ? picked.key.port : 0
            guard
                let created = createEntry(
                    protocolNumber: key.protocolNumber, client: key.network, clientPort: 0,
                    virtualHigh: key.virtualHigh, virtualLow: key.virtualLow, virtualPort: key.virtualPort,
                    server: picked, service: service, destinationPort: templateDestinationPort,
                    template: true, onePacket: false, persistenceData: key.persistenceData, now: now)
            else { return tableFull() }
            connectionTable.entries[Int(created)].timeout =
                config.persistenceTimeout ?? VirtualServiceConfig.defaultPersistenceTimeout
            template = created
            server = picked
        }
        guard let templateIndex = template, let server else { return noDestination() }
        // Step 5: keep the client's port unless it hit the service port and the server has one.
        var destinationPort = p.destinationPort
        if destinationPort == servicePort && server.key.port != 0 { destinationPort = server.key.port }
        guard
            let index = createEntry(
                protocolNumber: p.protocolNumber, client: p.clientAddress, clientPort: p.clientPort,
                virtualHigh: p.destinationAddress.high, virtualLow: p.destinationAddress.low,
                virtualPort: p.destinationPort, server: server, service: service,
                destinationPort: destinationPort, template: false, onePacket: config.onePacketScheduling,
                now: now)
        else {
            put(templateIndex, now: now)
            return tableFull()
        }
        connectionTable.entries[Int(index)].control = templateIndex
        connectionTable.entries[Int(templateIndex)].controlledCount &+= 1
        // Step 6: every new connection restarts the template's timer.
        put(templateIndex, now: now)
        recordConnection(server: server, service: service)
        return .created(index)
    }

    /// The persistence template of a connection (reference §4.7 step 2); for a service with a
    /// persistence engine, plus the engine's data (the SIP Call-ID, reference §4.14).
    struct TemplateKey {
        var protocolNumber: IPProtocolNumber
        var network: IPAddress
        var virtualHigh: UInt64
        var virtualLow: UInt64
        var virtualPort: UInt16
        var persistenceData: [UInt8]?

        init(
            service: VirtualServiceState, protocolNumber: IPProtocolNumber, client: IPAddress, virtual: IPAddress,
            virtualPort: UInt16, persistenceData: [UInt8]? = nil
        ) {
            self.persistenceData = persistenceData
            self.protocolNumber = protocolNumber
            network = service.config.netmask.apply(to: client)
            virtualHigh = virtual.high
            virtualLow = virtual.low
            self.virtualPort = 0
            if virtualPort == service.id.port {
                // FTP services key on port 0 so every data connection sticks to the same server.
                self.virtualPort = service.id.port == 21 ? 0 : virtualPort
            } else if service.id.isFirewallMark {
                self.protocolNumber = .ip
                virtualHigh = 0
                virtualLow = UInt64(service.id.firewallMark)
            }
        }
    }

    func lookupTemplate(_ key: TemplateKey) -> Int32? {
        if let data = key.persistenceData {
            return connectionTable.lookupTemplate(
                key.protocolNumber, network: key.network, virtualHigh: key.virtualHigh, virtualLow: key.virtualLow,
                virtualPort: key.virtualPort, persistenceData: data)
        }
        return connectionTable.lookupTemplate(
            key.protocolNumber, network: key.network, virtualHigh: key.virtualHigh, virtualLow: key.virtualLow,
            virtualPort: key.virtualPort)
    }

    /// The packet's persistence data if its service's engine applies to it (reference §4.14:
    /// the SIP engine reads UDP only; data that no engine could have produced is ignored).
    private func templatePersistenceData(_ p: InboundPacket, service: VirtualServiceState) -> [UInt8]? {
        guard let data = p.persistenceData, !data.isEmpty, data.count <= SIPCallID.maximumLength,
            let engine = service.persistenceEngine
        else { return nil }
        switch engine {
        case .sip: return p.protocolNumber == .udp ? data : nil
        }
    }

    /// ip_vs_check_template: the template's real server must still be available, and not
    /// quiesced when `expire_quiescent_template` is on.
    func templateIsValid(_ server: RealServer) -> Bool {
        guard server.isAvailable else { return false }
        return !(settings.expireQuiescentTemplate && server.weight == 0)
    }

    /// An invalid template is re-keyed so no lookup finds it again; it dies with its timer.
    func neutralise(_ index: Int32) {
        connectionTable.entries[Int(index)].virtualPort = 0xFFFF
        connectionTable.entries[Int(index)].destinationPort = 0xFFFF
    }

    /// The real server a firewall-mark group's scheduler picks for a content-switched request
    /// now, without creating an entry (docs/design/0019 "Pool"): the engine then takes an idle
    /// connection to it, or passes it as `preferredServer` to `openConnection`, so each request
    /// is scheduled once. `preferredServer` wins while eligible, as in `openConnection`. Nil when
    /// the group is unknown, has no eligible real server, or is persistent (its templates decide
    /// in `openConnection`).
    public func pickRealServer(
        client: IPAddress, clientPort: UInt16, virtual: IPAddress, virtualPort: UInt16, firewallMark: UInt32,
        preferredServer: RealServerKey? = nil, now: MonotonicInstant
    ) -> RealServerKey? {
        guard let service = services[VirtualServiceID(firewallMark: firewallMark, family: client.family)],
            !service.config.isPersistent
        else { return nil }
        if let preferredServer, let server = service.realServer(preferredServer), server.isEligible {
            return server.key
        }
        let input = SchedulingInput(
            clientAddress: client, clientPort: clientPort, destinationAddress: virtual, destinationPort: virtualPort,
            protocolNumber: .tcp, now: now)
        return service.scheduler.pick(input)?.key
    }

    private func schedulingInput(_ p: InboundPacket, now: MonotonicInstant) -> SchedulingInput {
        SchedulingInput(
            clientAddress: p.clientAddress, clientPort: p.clientPort, destinationAddress: p.destinationAddress,
            destinationPort: p.destinationPort, protocolNumber: p.protocolNumber, now: now)
    }

    private func noDestination() -> NewConnection {
        connectionCounters.noDestination &+= 1
        return .verdict(.noDestination)
    }

    private func tableFull() -> NewConnection {
        connectionCounters.droppedTableFull &+= 1
        return .verdict(.drop(.tableFull))
    }
}
