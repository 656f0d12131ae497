import LVSCore
import LVSHealth

/// What the daemon does for the health checker (STYLE: side effects behind small protocols
/// whose test doubles record every call). Called on the runner's event loop, in order.
public protocol HealthActionSink: Sendable {
    /// Apply the membership changes of one event as one admin transaction (add/edit/delete
    /// real server, sorry server), logging `transitions` as their cause.
    func apply(_ commands: [AdminCommand], transitions: [HealthTransition])
    /// Run a `notify_up`/`notify_down`/`quorum_up`/`quorum_down` script.
    func runNotify(_ script: NotifyScript, subject: HealthSubject, state: HealthState)
    /// Record a transition (checker, real server, quorum) with its reason.
    func log(_ transition: HealthTransition)
}

extension HealthActionSink {
    /// Carries out the daemon-side actions of a batch: logs, one transaction, scripts.
    func perform(_ actions: [HealthAction]) {
        var transitions: [HealthTransition] = []
        var scripts: [(NotifyScript, HealthSubject, HealthState)] = []
        for action in actions {
            switch action {
            case .log(let transition):
                transitions.append(transition)
                log(transition)
            case .runNotify(let script, let subject, let state): scripts.append((script, subject, state))
            case .runProbe, .armTimer, .addRealServer, .setWeight, .removeRealServer, .addSorryServer,
                .removeSorryServer:
                break
            }
        }
        let commands = actions.adminCommands
        if !commands.isEmpty { apply(commands, transitions: transitions) }
        for (script, subject, state) in scripts { runNotify(script, subject: subject, state: state) }
    }
}
