import LVSCore

// The reload plan: the fewest commands that turn one configuration into another, so that
// services and real servers that did not change keep their connections and counters.
extension KeepalivedConfiguration {
    /// The commands that turn `old` (as `adminCommands()` built it) into this configuration.
    public func difference(from old: KeepalivedConfiguration) throws(KeepalivedConfigurationError) -> [AdminCommand] {
        let oldServices = try old.resolvedServices().map { ($0.config, $0.realServers) }
        let timeouts = globalDefinitions.lvsTimeouts
        return try plan(
            from: oldServices, setTimeouts: timeouts != nil && timeouts != old.globalDefinitions.lvsTimeouts)
    }

    /// The commands that turn the director's current configuration into this one. Services
    /// the director holds but this configuration does not are deleted.
    public func difference(from current: ConfigurationModel) throws(KeepalivedConfigurationError) -> [AdminCommand] {
        let oldServices = current.serviceOrder.compactMap { id in
            current.services[id].map { ($0.config, Array($0.realServers.reversed())) }
        }
        // A 0 in lvs_timeouts keeps the current value (`--set`), so only a non-zero change counts.
        var setTimeouts = false
        if let t = globalDefinitions.lvsTimeouts {
            setTimeouts =
                (t.tcpEstablished != 0 && t.tcpEstablished != current.timeouts.tcpEstablished)
                || (t.tcpFinWait != 0 && t.tcpFinWait != current.timeouts.tcpFinWait)
                || (t.udp != 0 && t.udp != current.timeouts.udp)
        }
        return try plan(from: oldServices, setTimeouts: setTimeouts)
    }

    /// Order: timeouts; deleted services; per kept service, deleted real servers, the service
    /// edit, real-server edits, added real servers; then new services. A real server that moves
    /// between the proxy and packet engines is deleted and added again, because a service may
    /// not mix the two even for a moment (ConfigurationModel validates every step).
    private func plan(
        from oldServices: [(VirtualServiceConfig, [RealServerConfig])], setTimeouts: Bool
    ) throws(KeepalivedConfigurationError) -> [AdminCommand] {
        let newServices = try resolvedServices()
        var commands: [AdminCommand] = []
        if setTimeouts, let timeouts = globalDefinitions.lvsTimeouts { commands.append(.setTimeouts(timeouts)) }
        let newByID = Dictionary(newServices.map { ($0.config.id, $0) }, uniquingKeysWith: { first, _ in first })
        let oldByID = Dictionary(oldServices.map { ($0.0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (config, _) in oldServices where newByID[config.id] == nil {
            commands.append(.deleteService(config.id))
        }
        for service in newServices {
            let id = service.config.id
            guard let (oldConfig, oldServers) = oldByID[id] else { continue }
            let oldByKey = Dictionary(oldServers.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
            let newKeys = Set(service.realServers.map(\.key))
            var readd: Set<RealServerKey> = []
            for server in oldServers {
                if !newKeys.contains(server.key) {
                    commands.append(.deleteRealServer(id, server.key))
                } else if let updated = service.realServers.first(where: { $0.key == server.key }),
                    (updated.forwarding == .proxy) != (server.forwarding == .proxy)
                {
                    commands.append(.deleteRealServer(id, server.key))
                    readd.insert(server.key)
                }
            }
            if oldConfig != service.config { commands.append(.editService(service.config)) }
            for server in service.realServers {
                if let previous = oldByKey[server.key], !readd.contains(server.key) {
                    if previous != server { commands.append(.editRealServer(id, server)) }
                }
            }
            for server in service.realServers where oldByKey[server.key] == nil || readd.contains(server.key) {
                commands.append(.addRealServer(id, server))
            }
        }
        for service in newServices where oldByID[service.config.id] == nil {
            commands.append(.addService(service.config))
            for server in service.realServers { commands.append(.addRealServer(service.config.id, server)) }
        }
        return commands
    }
}
