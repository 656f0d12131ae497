// "Why would this client land on that real server?" (docs/lvsadm.md, "--explain"): the same
// decisions as scheduling a new connection (reference §4.4, §4.7), made read-only.
extension Director {
    /// Explains where a new packet from `query`'s client to its service would go now.
    ///
    /// Contract: reads only. It creates no connection entry or template, touches no timer or
    /// counter, and asks the scheduler for its `preview`, which moves no cursor and remembers
    /// nothing, so the next real pick is the one it would have been without the call.
    public func explain(_ query: ExplainQuery, now: MonotonicInstant) -> Explanation {
        guard let service = explainedService(query.service) else {
            return Explanation(
                service: nil, scheduler: nil, decision: .noService,
                notes: ["no virtual service matches \(query.service): the packet is not the director's"])
        }
        var result = Explanation(service: service.id, scheduler: service.scheduler.name, decision: .scheduler)
        let id = query.service
        // Reference §4.3: an existing entry (client address and port, VIP and port) comes first.
        if !id.isFirewallMark && query.clientPort != 0,
            let index = connectionTable.lookupIn(
                id.protocolNumber, client: query.clientAddress, clientPort: query.clientPort, virtual: id.address,
                virtualPort: id.port),
            let server = boundServers.server(connectionTable.entries[Int(index)].server)
        {
            result.decision = .connectionEntry
            result.connection = snapshot(of: index, now: now)
            result.chosen = server.key
            result.realServers = explainedServers(service, chosen: server, decidedElsewhere: true)
            return result
        }
        if id.isFirewallMark {
            result.notes.append("connection entries of firewall-mark services are not looked up (no VIP:port)")
        } else if query.clientPort == 0 {
            result.notes.append("no client port given: existing connection entries were not looked up")
        }
        if service.config.isPersistent, let template = explainTemplate(query, service: service, now: now) {
            result.persistence = template.persistence
            if let server = template.server {
                result.decision = .persistenceTemplate
                result.chosen = server.key
                result.realServers = explainedServers(service, chosen: server, decidedElsewhere: true)
                return result
            }
        }
        if !service.config.isPersistent && !id.isFirewallMark && id.port != service.id.port {
            // Reference §4.4 step 5: a port-zero service must be persistent.
            result.decision = .noRealServer
            result.notes.append("a port-zero service that is not persistent schedules nothing")
            result.realServers = explainedServers(service, chosen: nil, decidedElsewhere: false)
            return result
        }
        let input = SchedulingInput(
            clientAddress: query.clientAddress, clientPort: query.clientPort, destinationAddress: id.address,
            destinationPort: id.port, protocolNumber: id.protocolNumber, now: now)
        result.hashRow = hashRow(of: service.scheduler, input: input)
        let chosen = service.scheduler.preview(input)
        result.chosen = chosen?.key
        if chosen == nil { result.decision = .noRealServer }
        result.realServers = explainedServers(service, chosen: chosen, decidedElsewhere: false)
        return result
    }

    /// The service lookup of reference §4.4 for a service identity: the service itself, else
    /// the port-zero service of the same protocol and VIP.
    private func explainedService(_ id: VirtualServiceID) -> VirtualServiceState? {
        if let service = services[id] { return service }
        guard !id.isFirewallMark && id.port != 0 else { return nil }
        return services[VirtualServiceID(protocol: id.protocolNumber, address: id.address, port: 0)]
    }

    /// The template the client's network has (reference §4.7 steps 1–2), and its real server
    /// when it still decides.
    private func explainTemplate(_ query: ExplainQuery, service: VirtualServiceState, now: MonotonicInstant)
        -> (persistence: ExplainedPersistence, server: RealServer?)?
    {
        let id = query.service
        let key = TemplateKey(
            service: service, protocolNumber: id.protocolNumber, client: query.clientAddress, virtual: id.address,
            virtualPort: id.port)
        var persistence = ExplainedPersistence(
            netmask: service.config.netmask.text, network: key.network, virtualPort: key.virtualPort,
            timeout: service.config.persistenceTimeout ?? VirtualServiceConfig.defaultPersistenceTimeout,
            realServer: nil, expiresIn: nil, valid: false)
        guard let index = lookupTemplate(key) else { return (persistence, nil) }
        let entry = connectionTable.entries[Int(index)]
        let bound = boundServers.server(entry.server)
        persistence.realServer = bound?.key
        persistence.expiresIn = entry.expiry > now.nanoseconds ? (entry.expiry - now.nanoseconds) / 1_000_000_000 : 0
        guard let bound, templateIsValid(bound) else { return (persistence, nil) }
        persistence.valid = true
        return (persistence, bound)
    }

    /// The table row of the hashing schedulers (reference §3.12–§3.14); nil for the others.
    private func hashRow(of scheduler: any Scheduler, input: SchedulingInput) -> ExplainedHashRow? {
        switch scheduler {
        case let sh as SourceHashingScheduler:
            let port = SourceHashingScheduler.keyPort(input, hashesPort: sh.hashesPort)
            let row = SourceHashingScheduler.bucket(address: input.clientAddress, port: port, offset: 0)
            return ExplainedHashRow(
                scheduler: "sh", key: sh.hashesPort ? "client address and port" : "client address", row: row,
                tableSize: SourceHashingScheduler.tableSize, owner: sh.owner(ofBucket: row)?.key,
                fallback: sh.fallback)
        case let mh as MaglevHashingScheduler:
            let port = SourceHashingScheduler.keyPort(input, hashesPort: mh.hashesPort)
            let size = UInt32(MaglevHashingScheduler.tableSize)
            let row = Int(
                MaglevHashingScheduler.hashKey(
                    address: input.clientAddress, port: port, key: MaglevHashingScheduler.key1, offset: 0) % size)
            return ExplainedHashRow(
                scheduler: "mh", key: mh.hashesPort ? "client address and port" : "client address", row: row,
                tableSize: MaglevHashingScheduler.tableSize, owner: mh.owner(ofSlot: row)?.key,
                fallback: mh.fallback)
        case let dh as DestinationHashingScheduler:
            let row = DestinationHashingScheduler.bucket(for: input.destinationAddress)
            return ExplainedHashRow(
                scheduler: "dh", key: "destination address", row: row,
                tableSize: DestinationHashingScheduler.tableSize, owner: dh.owner(ofBucket: row)?.key,
                fallback: false)
        default:
            return nil
        }
    }
}
