import LVSControl
import LVSCore
import LVSSharedDirector
import NIOCore

// The event log's sources inside the host (docs/control-protocol.md, `getEvents`), and
// `explain` with the health checkers' view added.
extension DirectorHost {
    /// A real server of a service, for drain tracking.
    struct DrainKey: Hashable, Sendable {
        var service: VirtualServiceID
        var server: RealServerKey
    }

    /// Records a `weight` event for each real server whose weight `commands` changed from what
    /// `before` held; a weight set to 0 starts drain tracking.
    func recordWeightChanges(from before: ConfigurationModel, commands: [AdminCommand]) {
        for command in commands {
            guard case .editRealServer(let id, let server) = command,
                let old = before.services[id]?.realServers.first(where: { $0.key == server.key }),
                old.weight != server.weight
            else { continue }
            events.record(
                .weight, "weight of \(server.key) in \(id) changed from \(old.weight) to \(server.weight)",
                fields: [
                    "service": id.description, "real_server": server.key.description,
                    "old_weight": String(old.weight), "new_weight": String(server.weight),
                ])
            if server.weight == 0 {
                _ = draining.withLock { $0.insert(DrainKey(service: id, server: server.key)) }
            }
        }
    }

    /// Looks at every real server drained to weight 0 (called on the director's one-second
    /// tick): one that has no active or inactive connection left is a `drain_finished` event.
    /// Servers given weight again or deleted are forgotten.
    func checkDrains() {
        let tracked = draining.withLock { $0 }
        guard !tracked.isEmpty else { return }
        let idle: [DrainKey: Bool] = shared.withDirector { director in
            var result: [DrainKey: Bool] = [:]
            for key in tracked {
                guard let server = director.services[key.service]?.realServer(key.server), server.weight == 0
                else { continue }
                result[key] = server.activeConnections == 0 && server.inactiveConnections == 0
            }
            return result
        }
        var finished: [DrainKey] = []
        draining.withLock { draining in
            for key in tracked {
                switch idle[key] {
                case .none:
                    draining.remove(key)
                case .some(true):
                    draining.remove(key)
                    finished.append(key)
                case .some(false):
                    break
                }
            }
        }
        for key in finished.sorted(by: { ($0.service, $0.server) < ($1.service, $1.server) }) {
            events.record(
                .drainFinished, "\(key.server) in \(key.service) is drained: no connection left",
                fields: ["service": key.service.description, "real_server": key.server.description])
        }
    }

    /// The commands of a batch in short, `; `-separated.
    static func batchSummary(_ commands: [AdminCommand]) -> String {
        commands.map { summary(of: $0) }.joined(separator: "; ")
    }

    /// `Director.explain` under the lock, with each real server's health state added when the
    /// checkers run; a real server the checkers have down is reported as unhealthy.
    func explanation(_ query: LVSCore.ExplainQuery) -> EventLoopFuture<Explanation> {
        let now = clock()
        let explanation = shared.withDirector { $0.explain(query, now: now) }
        return healthReport().map { report in
            guard report.checking, let service = explanation.service else { return explanation }
            var states: [RealServerKey: HealthReportState] = [:]
            for virtualServer in report.virtualServers where virtualServer.services.contains(service) {
                for server in virtualServer.realServers { states[server.server] = server.state }
            }
            var annotated = explanation
            for index in annotated.realServers.indices {
                guard let state = states[annotated.realServers[index].key] else { continue }
                annotated.realServers[index].health = state.rawValue
                if state == .down && annotated.realServers[index].verdict == .weightZero {
                    annotated.realServers[index].verdict = .unhealthy
                    annotated.realServers[index].reason = "down by its health check (weight 0)"
                }
            }
            return annotated
        }
    }
}
