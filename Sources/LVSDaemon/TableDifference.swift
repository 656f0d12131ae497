import LVSCore

/// The fewest admin commands that turn one table into another (services, real servers,
/// timeouts), so that a reload touches only what changed.
///
/// Why the daemon needs it besides `KeepalivedConfiguration.difference(from:)`: with health
/// checking, a reload is that difference (which restores every real server to its configured
/// weight, re-adds removed ones and drops the sorry server) followed by the checkers' actions
/// (which inhibit, remove and add them again). Applied as they come, a down real server would be
/// added and deleted again in the same batch; here the two collapse into their net effect,
/// usually nothing. Sync daemons and director settings are not part of a configuration file and
/// are left alone.
enum TableDifference {
    /// `target` as reached from `current`: the result of applying `commands` to `current`; nil
    /// when one of them is refused (the caller then sends the raw commands, so the refusal names
    /// the command at fault).
    static func net(of commands: [AdminCommand], from current: ConfigurationModel) -> [AdminCommand]? {
        var target = current
        for command in commands {
            do throws(AdminError) {
                try target.apply(command)
            } catch {
                return nil
            }
        }
        return between(current, target)
    }

    /// Order: timeouts; deleted services; per kept service, deleted real servers (and those that
    /// move between the proxy and packet engines, which a service may not mix even for a
    /// moment), the service edit, real-server edits, added real servers; then new services with
    /// their real servers, oldest first so that list order (newest first) is kept.
    static func between(_ current: ConfigurationModel, _ target: ConfigurationModel) -> [AdminCommand] {
        var commands: [AdminCommand] = []
        if current.timeouts != target.timeouts { commands.append(.setTimeouts(target.timeouts)) }
        for id in current.serviceOrder where target.services[id] == nil {
            commands.append(.deleteService(id))
        }
        for id in target.serviceOrder {
            guard let wanted = target.services[id] else { continue }
            guard let present = current.services[id] else {
                commands.append(.addService(wanted.config))
                for server in wanted.realServers.reversed() { commands.append(.addRealServer(id, server)) }
                continue
            }
            let wantedByKey = Dictionary(
                wanted.realServers.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
            let presentByKey = Dictionary(
                present.realServers.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
            var readd: Set<RealServerKey> = []
            for server in present.realServers.reversed() {
                guard let next = wantedByKey[server.key] else {
                    commands.append(.deleteRealServer(id, server.key))
                    continue
                }
                if (next.forwarding == .proxy) != (server.forwarding == .proxy) {
                    commands.append(.deleteRealServer(id, server.key))
                    readd.insert(server.key)
                }
            }
            if present.config != wanted.config { commands.append(.editService(wanted.config)) }
            for server in wanted.realServers.reversed() {
                if let previous = presentByKey[server.key], !readd.contains(server.key), previous != server {
                    commands.append(.editRealServer(id, server))
                }
            }
            for server in wanted.realServers.reversed()
            where presentByKey[server.key] == nil || readd.contains(server.key) {
                commands.append(.addRealServer(id, server))
            }
        }
        return commands
    }
}
