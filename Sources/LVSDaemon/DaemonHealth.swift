import Foundation
import LVSConfig
import LVSControl
import LVSCore
import LVSHealth
import LVSHealthChecks
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The health checking of a daemon started with `--config` (never in a dry run, which sends
/// nothing anywhere): the runner on an event loop of its own, the plan of the configuration
/// it runs now, and the sink that turns its decisions into transactions on the host.
///
/// Contract: everything that changes the table for health — the sink's transactions and the
/// reload's — runs on `runner.eventLoop`, so a reload's difference and the checkers' actions
/// are never interleaved.
final class DaemonHealth: Sendable {
    let runner: HealthCheckRunner
    let group: MultiThreadedEventLoopGroup
    /// The configuration the runner checks now (what a refused reload goes back to).
    let current: Mutex<(configuration: KeepalivedConfiguration, plan: HealthCheckPlan)?> = Mutex(nil)

    private let sink: DirectorHealthSink

    init(host: DirectorHost, seed: UInt64, logger: Logger) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        sink = DirectorHealthSink(host: host, logger: logger)
        runner = HealthCheckRunner(eventLoop: group.next(), probeGroup: group, sink: sink, seed: seed)
    }

    /// Starts checking `configuration`, which the table holds with every real server up; the
    /// checkers' first actions (alpha real servers removed, …) are applied as one transaction
    /// on the checkers' loop.
    func start(_ configuration: KeepalivedConfiguration, on host: DirectorHost) async throws {
        let plan = try Self.plan(for: configuration)
        current.withLock { $0 = (configuration, plan) }
        for skipped in plan.skipped { host.logger.warning("health: \(skipped) is not run by lvsd") }
        try await runner.configurationChanged(plan).map { actions in
            self.applyOwn(actions, on: host)
        }.get()
    }

    /// Stops the checkers; `omega`'s removals are applied before the caller tears the table down.
    func stop(on host: DirectorHost) async {
        if let actions = try? await runner.shutdown().get() { applyOwn(actions, on: host) }
        try? await group.shutdownGracefully()
    }

    /// Membership actions as one transaction, then logs and scripts.
    private func applyOwn(_ actions: [HealthAction], on host: DirectorHost) {
        let commands = actions.adminCommands
        if !commands.isEmpty, case .failure(let refusal) = host.transaction(commands, now: host.clock()) {
            host.logger.error(
                "health: \(DirectorHost.summary(of: refusal.command)) refused: \(refusal.error.ipvsadmMessage(for: refusal.command))"
            )
        }
        carryOut(actions)
    }

    /// The logs and scripts among `actions` (their membership changes are the caller's).
    func carryOut(_ actions: [HealthAction]) {
        for action in actions {
            switch action {
            case .log(let transition): sink.log(transition)
            case .runNotify(let script, let subject, let state): sink.runNotify(script, subject: subject, state: state)
            case .runProbe, .armTimer, .addRealServer, .setWeight, .removeRealServer, .addSorryServer,
                .removeSorryServer:
                break
            }
        }
    }

    /// The plan for `configuration` (its full `adminCommands()` name services and real servers).
    static func plan(for configuration: KeepalivedConfiguration) throws(KeepalivedConfigurationError)
        -> HealthCheckPlan
    {
        HealthCheckPlan(keepalived: configuration, commands: try configuration.adminCommands())
    }

    /// Every `virtual_server`'s quorum and every real server's checkers, for `lvsadm --health`.
    func report(now: MonotonicInstant) -> EventLoopFuture<HealthReport> {
        let specifications = current.withLock { $0?.plan.configuration.virtualServers } ?? []
        return runner.status().and(runner.quorumStatus()).map { statuses, quorums in
            let quorumByID = Dictionary(quorums.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            let servers = specifications.map { spec in
                let quorum = quorumByID[spec.id]
                return VirtualServerHealthReport(
                    name: spec.id.name, services: spec.services,
                    quorumState: Self.state(quorum?.state ?? .unknown), aliveWeight: quorum?.aliveWeight ?? 0,
                    quorum: quorum?.quorum ?? Int64(spec.quorum), sorryServer: spec.sorryServer?.key,
                    sorryServerActive: quorum?.sorryServerActive ?? false,
                    realServers: statuses.filter { $0.id.virtualServer == spec.id }.map { status in
                        RealServerHealthReport(
                            server: status.id.realServer, state: Self.state(status.state), weight: status.weight,
                            programmedWeight: status.programmedWeight,
                            checkers: status.checkers.map { checker in
                                CheckerHealthReport(
                                    name: checker.name, state: Self.state(checker.state),
                                    lastResult: checker.lastResult,
                                    lastCheckAgeMilliseconds: checker.lastCheck.map {
                                        now.nanoseconds >= $0.nanoseconds
                                            ? (now.nanoseconds - $0.nanoseconds) / 1_000_000 : 0
                                    },
                                    consecutiveFailures: checker.consecutiveFailures)
                            })
                    })
            }
            return HealthReport(checking: true, virtualServers: servers)
        }
    }

    static func state(_ state: HealthState) -> HealthReportState {
        switch state {
        case .unknown: return .unknown
        case .up: return .up
        case .down: return .down
        }
    }
}

/// Carries out the runner's decisions: membership changes as one transaction on the host each
/// (logged with the transitions that caused them), notify scripts, transition logs.
struct DirectorHealthSink: HealthActionSink {
    let host: DirectorHost
    let logger: Logger

    func apply(_ commands: [AdminCommand], transitions: [HealthTransition]) {
        let reason = transitions.map(\.description).joined(separator: "; ")
        switch host.transaction(commands, now: host.clock()) {
        case .success:
            for command in commands { logger.notice("health: \(Self.summary(of: command)) (\(reason))") }
        case .failure(let refusal):
            logger.error(
                "health: \(DirectorHost.summary(of: refusal.command)) refused: \(refusal.error.ipvsadmMessage(for: refusal.command)) (\(reason))"
            )
        }
    }

    /// What a membership change did, with the weight: `weight of 10.0.0.1:80 in TCP …:80 set to 0`.
    static func summary(of command: AdminCommand) -> String {
        switch command {
        case .addRealServer(let id, let server): return "added \(server.key) to \(id) with weight \(server.weight)"
        case .editRealServer(let id, let server): return "weight of \(server.key) in \(id) set to \(server.weight)"
        case .deleteRealServer(let id, let key): return "removed \(key) from \(id)"
        case .addService, .editService, .deleteService, .clear, .zero, .setTimeouts, .startDaemon, .stopDaemon,
            .setDirectorSettings:
            return DirectorHost.summary(of: command)
        }
    }

    func runNotify(_ script: NotifyScript, subject: HealthSubject, state: HealthState) {
        NotifyScriptRunner.run(script, logger: logger, why: "\(subject) is \(state.rawValue)")
    }

    func log(_ transition: HealthTransition) {
        logger.notice("health: \(transition)")
        if case .quorum = transition.subject { host.refreshAnnouncements() }
        host.events.record(
            .health, transition.description,
            fields: [
                "subject": "\(transition.subject)", "old_state": transition.from.rawValue,
                "new_state": transition.to.rawValue, "reason": transition.reason,
            ])
    }
}

/// Runs `notify_up`/`notify_down`/`quorum_up`/`quorum_down` scripts through `/bin/sh -c`, as
/// keepalived does (as their `user`, or `script_user`, when lvsd is root: `ScriptInvocation`); not waited for (a slow script must not hold the checkers back), reaped by
/// Foundation's termination handler.
enum NotifyScriptRunner {
    static func run(_ script: NotifyScript, logger: Logger, why: String) {
        let process = Process()
        let invocation = ScriptInvocation.command(
            script.command, user: script.user, group: script.group, effectiveUID: geteuid())
        process.executableURL = URL(fileURLWithPath: invocation.executable)
        process.arguments = invocation.arguments
        process.standardInput = FileHandle.nullDevice
        process.terminationHandler = { finished in
            if finished.terminationStatus != 0 {
                logger.warning("notify script \"\(script.command)\" exited with \(finished.terminationStatus)")
            }
        }
        do {
            try process.run()
            logger.info("notify script \"\(script.command)\" started: \(why)")
        } catch {
            logger.error("notify script \"\(script.command)\" could not start: \(error)")
        }
    }
}
