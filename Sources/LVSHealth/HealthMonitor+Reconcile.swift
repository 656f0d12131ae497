import LVSCore

// From checker outcomes to real-server and quorum transitions, and from those to the
// dataplane: reference §8.5 ("RS transitions", "Quorum").
extension HealthMonitor {
    /// One checker decided (or retried): log it, take a misc_dynamic weight, and follow the
    /// consequences up to the real server and the virtual server.
    mutating func apply(
        _ outcome: CheckerStateMachine.Outcome, virtualServer v: Int, realServer r: Int, checker c: Int,
        now: MonotonicInstant, into actions: inout [HealthAction]
    ) {
        let checker = virtualServers[v].realServers[r].checkers[c]
        // The checker already holds its new state; aliveness before is computed with its old one.
        let before = outcome.change?.from ?? checker.state
        let wasAlive = !virtualServers[v].realServers[r].checkers.indices.contains { i in
            (i == c ? before : virtualServers[v].realServers[r].checkers[i].state) == .down
        }
        let reason = outcome.result.text
        if let change = outcome.change {
            let subject = HealthSubject.checker(checker.id, name: checker.specification.name)
            actions.append(.log(HealthTransition(subject: subject, from: change.from, to: change.to, reason: reason, at: now)))
        }
        if checker.specification.dynamicWeight, case .success(_, let weight?) = outcome.result {
            virtualServers[v].realServers[r].weight = weight
        }
        let real = virtualServers[v].realServers[r]
        if real.alive != wasAlive {
            realServerChanged(v, r, alive: real.alive, reason: reason, now: now, into: &actions)
        }
        reconcile(v, reason: reason, now: now, into: &actions)
    }

    /// Logs a real server's transition and runs its notify script.
    func realServerChanged(
        _ v: Int, _ r: Int, alive: Bool, reason: String, now: MonotonicInstant, into actions: inout [HealthAction]
    ) {
        let real = virtualServers[v].realServers[r]
        let id = HealthRealServerID(
            virtualServer: virtualServers[v].specification.id, realServer: real.specification.config.key)
        let from: HealthState = alive ? .down : .up
        let to: HealthState = alive ? .up : .down
        actions.append(.log(HealthTransition(subject: .realServer(id), from: from, to: to, reason: reason, at: now)))
        if let script = alive ? real.specification.notifyUp : real.specification.notifyDown {
            actions.append(.runNotify(script, subject: .realServer(id), state: to))
        }
    }

    /// Re-evaluates quorum (with hysteresis), then moves the dataplane to what the health state
    /// asks for. Additions and weight changes come before removals so a virtual service is not
    /// left empty between two actions.
    mutating func reconcile(
        _ v: Int, reason: String, now: MonotonicInstant, runScripts: Bool = true, into actions: inout [HealthAction]
    ) {
        let spec = virtualServers[v].specification
        let alive = virtualServers[v].aliveWeight
        let quorum = spec.effectiveQuorum
        let hysteresis = spec.effectiveHysteresis
        if virtualServers[v].quorumUp && (alive == 0 || alive < quorum - hysteresis) {
            virtualServers[v].quorumUp = false
            quorumChanged(v, up: false, alive: alive, runScripts: runScripts, now: now, into: &actions)
        } else if !virtualServers[v].quorumUp && alive >= quorum + hysteresis {
            virtualServers[v].quorumUp = true
            quorumChanged(v, up: true, alive: alive, runScripts: runScripts, now: now, into: &actions)
        }
        // reference §8.5: while a sorry server is in use, the real servers stay out.
        let sorryActive = !virtualServers[v].quorumUp && spec.sorryServer != nil
        var additions: [HealthAction] = []
        var removals: [HealthAction] = []
        for r in virtualServers[v].realServers.indices {
            let real = virtualServers[v].realServers[r]
            let inhibitWeight: Programmed = real.specification.inhibitOnFailure ? .present(weight: 0) : .absent
            let desired: Programmed = sorryActive ? inhibitWeight : real.alive ? .present(weight: real.weight) : inhibitWeight
            guard desired != real.programmed else { continue }
            var config = real.specification.config
            for service in spec.services {
                switch (real.programmed, desired) {
                case (.absent, .present(let weight)):
                    config.weight = weight
                    additions.append(.addRealServer(service, config))
                case (.present, .present(let weight)):
                    config.weight = weight
                    additions.append(.setWeight(service, config))
                case (.present, .absent):
                    removals.append(.removeRealServer(service, config.key))
                case (.absent, .absent):
                    break
                }
            }
            virtualServers[v].realServers[r].programmed = desired
        }
        if var sorry = spec.sorryServer {
            let idle: Programmed = spec.sorryServerInhibit ? .present(weight: 0) : .absent
            let desired: Programmed = sorryActive ? .present(weight: sorry.weight) : idle
            if desired != virtualServers[v].sorryProgrammed {
                for service in spec.services {
                    switch (virtualServers[v].sorryProgrammed, desired) {
                    case (.absent, .present(let weight)):
                        sorry.weight = weight
                        additions.append(.addSorryServer(service, sorry))
                    case (.present, .present(let weight)):
                        sorry.weight = weight
                        additions.append(.setWeight(service, sorry))
                    case (.present, .absent):
                        removals.append(.removeSorryServer(service, sorry.key))
                    case (.absent, .absent):
                        break
                    }
                }
                virtualServers[v].sorryProgrammed = desired
            }
        }
        actions.append(contentsOf: additions)
        actions.append(contentsOf: removals)
    }

    private func quorumChanged(
        _ v: Int, up: Bool, alive: Int64, runScripts: Bool, now: MonotonicInstant, into actions: inout [HealthAction]
    ) {
        let spec = virtualServers[v].specification
        let quorum = spec.effectiveQuorum
        let hysteresis = spec.effectiveHysteresis
        let reason =
            up
            ? "alive weight \(alive) >= quorum \(quorum) + hysteresis \(hysteresis)"
            : "alive weight \(alive) < quorum \(quorum) - hysteresis \(hysteresis)"
        let transition = HealthTransition(
            subject: .quorum(spec.id), from: up ? .down : .up, to: up ? .up : .down, reason: reason, at: now)
        actions.append(.log(transition))
        if runScripts, let script = up ? spec.quorumUp : spec.quorumDown {
            actions.append(.runNotify(script, subject: .quorum(spec.id), state: up ? .up : .down))
        }
    }
}
