import LVSCore

// Starting and reloading: reference §8.3-§8.5 and docs/design/0008-health-checking.md
// ("Reload contract").
extension HealthMonitor {
    /// Takes a new configuration (the first one at start-up).
    ///
    /// Contract: call it once the dataplane holds `configuration` with every real server at its
    /// configured weight and no sorry server — what `KeepalivedConfiguration.adminCommands()`
    /// programs at start-up and `difference(from: ConfigurationModel)` at a reload. The returned
    /// membership actions then take the dataplane to the health state (dead and alpha real
    /// servers removed or inhibited, misc_dynamic weights, the sorry server); apply them in the
    /// same transaction when possible.
    ///
    /// A real server kept across the reload (same virtual server name and address:port) keeps
    /// its checkers' state where the checker at the same position has the same specification,
    /// and its misc_dynamic weight while its configured weight is unchanged; a kept virtual
    /// server keeps its quorum state. Everything new starts as at start-up: warmup, alpha.
    public mutating func configurationChanged(_ configuration: HealthConfiguration, now: MonotonicInstant)
        -> [HealthAction]
    {
        guard !isStopped else { return [] }
        var actions: [HealthAction] = []
        let old = virtualServers
        var seen: Set<HealthVirtualServerID> = []
        virtualServers = []
        for spec in configuration.virtualServers where seen.insert(spec.id).inserted {
            let previous = old.first(where: { $0.specification.id == spec.id })
            var realServers: [RealServerState] = []
            var seenKeys: Set<RealServerKey> = []
            for realSpec in spec.realServers where seenKeys.insert(realSpec.config.key).inserted {
                let before = previous?.realServers.first(where: { $0.specification.config.key == realSpec.config.key })
                realServers.append(realServer(realSpec, in: spec.id, previous: before, now: now))
            }
            var state = VirtualServerState(specification: spec, realServers: realServers, quorumUp: true)
            if let previous {
                state.quorumUp = previous.quorumUp
            } else {
                state.quorumUp = state.aliveWeight >= spec.effectiveQuorum
            }
            virtualServers.append(state)
            let v = virtualServers.count - 1
            // A kept real server whose aliveness changed with its checkers is a transition.
            for r in virtualServers[v].realServers.indices {
                let key = virtualServers[v].realServers[r].specification.config.key
                guard let before = previous?.realServers.first(where: { $0.specification.config.key == key }) else {
                    continue
                }
                let alive = virtualServers[v].realServers[r].alive
                if alive != before.alive {
                    realServerChanged(v, r, alive: alive, reason: "configuration changed", now: now, into: &actions)
                }
            }
            reconcile(v, reason: "configuration changed", now: now, runScripts: previous != nil, into: &actions)
        }
        armed = nil
        rearm(into: &actions)
        return actions
    }

    private mutating func realServer(
        _ spec: HealthRealServerSpecification, in virtualServer: HealthVirtualServerID, previous: RealServerState?,
        now: MonotonicInstant
    ) -> RealServerState {
        let id = HealthRealServerID(virtualServer: virtualServer, realServer: spec.config.key)
        var checkers: [CheckerStateMachine] = []
        for (index, checkerSpec) in spec.checkers.enumerated() {
            if let previous, previous.checkers.indices.contains(index),
                previous.checkers[index].specification == checkerSpec
            {
                checkers.append(previous.checkers[index])
            } else {
                let delay = initialDelay(for: checkerSpec.schedule)
                checkers.append(
                    CheckerStateMachine(
                        id: HealthCheckerID(realServer: id, index: index), specification: checkerSpec, now: now,
                        initialDelay: delay))
            }
        }
        var weight = spec.config.weight
        if let previous, previous.specification.config.weight == spec.config.weight {
            weight = previous.weight
        }
        // The dataplane now holds the real server at its configured weight (contract above).
        return RealServerState(
            specification: spec, checkers: checkers, weight: weight,
            programmed: .present(weight: spec.config.weight))
    }
}
