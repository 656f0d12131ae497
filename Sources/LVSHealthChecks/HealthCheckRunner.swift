import LVSCore
import LVSHealth
import NIOCore

/// A configuration for the runner: the pure monitor's view plus the probe of every checker.
public struct HealthCheckPlan: Sendable {
    public var configuration: HealthConfiguration
    public var probes: [HealthCheckerID: any HealthProbe]
    /// Checkers of the configuration that are not run (PING_CHECK, FILE_CHECK, BFD_CHECK), for
    /// the daemon to warn about.
    public var skipped: [String] = []

    public init(configuration: HealthConfiguration, probes: [HealthCheckerID: any HealthProbe]) {
        self.configuration = configuration
        self.probes = probes
    }
}

/// The driver of `HealthMonitor` (thin: it decides nothing). It keeps the monitor on one event
/// loop, arms one timer for the monitor's next deadline, runs the probes the monitor asks for on
/// the probe group, feeds their results back, and hands membership changes, scripts and logs
/// to the daemon's `HealthActionSink`. Time is the loop's clock (`EventLoop.now`), so tests drive
/// it with an `EmbeddedEventLoop`.
///
/// Invariant: the mutable state lives in a `NIOLoopBoundBox` and is touched only on `eventLoop`.
public final class HealthCheckRunner: Sendable {
    struct State {
        var monitor: HealthMonitor
        var probes: [HealthCheckerID: any HealthProbe] = [:]
        var timer: Scheduled<Void>?
    }

    public let eventLoop: any EventLoop
    private let probeGroup: any EventLoopGroup
    private let sink: any HealthActionSink
    private let state: NIOLoopBoundBox<State>

    /// - Parameters:
    ///   - eventLoop: where the monitor lives and timers fire.
    ///   - probeGroup: where probes do their I/O (may be `eventLoop` itself).
    ///   - seed: the warmup randomness (the daemon passes a random seed, tests a fixed one).
    public init(eventLoop: any EventLoop, probeGroup: any EventLoopGroup, sink: any HealthActionSink, seed: UInt64) {
        self.eventLoop = eventLoop
        self.probeGroup = probeGroup
        self.sink = sink
        self.state = NIOLoopBoundBox.makeBoxSendingValue(State(monitor: HealthMonitor(seed: seed)), eventLoop: eventLoop)
    }

    /// Starts (first call) or reloads health checking. Contract as `HealthMonitor
    /// .configurationChanged`: call once the dataplane holds the configuration with every real
    /// server up. The returned actions (membership, scripts, logs) are for the caller to apply
    /// in the same transaction as its configuration change — they do not go to the sink.
    public func configurationChanged(_ plan: HealthCheckPlan) -> EventLoopFuture<[HealthAction]> {
        eventLoop.submit { [self] in
            state.value.probes = plan.probes
            let actions = state.value.monitor.configurationChanged(plan.configuration, now: now())
            return carryOut(actions)
        }
    }

    /// Stops checking. The returned actions are `omega`'s removals, scripts and logs, for the
    /// caller to apply before it tears the dataplane down.
    public func shutdown() -> EventLoopFuture<[HealthAction]> {
        eventLoop.submit { [self] in
            state.value.timer?.cancel()
            state.value.timer = nil
            return state.value.monitor.shutdown(now: now())
        }
    }

    /// Every real server's health, for listings.
    public func status() -> EventLoopFuture<[HealthStatus]> {
        eventLoop.submit { [self] in state.value.monitor.status() }
    }

    /// Every virtual server's quorum, for listings.
    public func quorumStatus() -> EventLoopFuture<[QuorumStatus]> {
        eventLoop.submit { [self] in state.value.monitor.quorumStatus() }
    }

    // MARK: Driving

    private func now() -> MonotonicInstant { MonotonicInstant(nanoseconds: eventLoop.now.uptimeNanoseconds) }

    /// Runs probes and arms timers; returns the rest for the caller or the sink.
    private func carryOut(_ actions: [HealthAction]) -> [HealthAction] {
        var rest: [HealthAction] = []
        for action in actions {
            switch action {
            case .runProbe(let request): start(request)
            case .armTimer(let at): arm(at)
            case .addRealServer, .setWeight, .removeRealServer, .addSorryServer, .removeSorryServer, .runNotify, .log:
                rest.append(action)
            }
        }
        return rest
    }

    private func deliver(_ actions: [HealthAction]) {
        let rest = carryOut(actions)
        if !rest.isEmpty { sink.perform(rest) }
    }

    private func arm(_ deadline: MonotonicInstant) {
        state.value.timer?.cancel()
        let at = NIODeadline.uptimeNanoseconds(deadline.nanoseconds)
        state.value.timer = eventLoop.scheduleTask(deadline: at) { [self] in
            state.value.timer = nil
            deliver(state.value.monitor.timerFired(now: now()))
        }
    }

    private func start(_ request: ProbeRequest) {
        guard let probe = state.value.probes[request.ticket.checker] else {
            // No probe for this checker: report it rather than leaving the checker hanging.
            deliver(
                state.value.monitor.probeCompleted(
                    request.ticket, result: .failure(reason: "no probe configured"), now: now()))
            return
        }
        let timeout = TimeAmount(clamping: request.timeout)
        probe.run(on: probeGroup.next(), timeout: timeout).hop(to: eventLoop).whenComplete { [self] result in
            let outcome: ProbeResult
            switch result {
            case .success(let value): outcome = value
            case .failure(let error): outcome = .failure(reason: "\(probe.name): \(error)")
            }
            deliver(state.value.monitor.probeCompleted(request.ticket, result: outcome, now: now()))
        }
    }
}

extension TimeAmount {
    /// A configuration duration as a time amount, saturating instead of trapping.
    init(clamping duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow {
            self = .nanoseconds(seconds < 0 ? 0 : Int64.max)
        } else {
            self = .nanoseconds(max(0, whole &+ attoseconds / 1_000_000_000))
        }
    }
}
