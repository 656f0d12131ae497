import LVSCore

/// The health-checking decisions for a whole configuration: per checker rise/fall (reference
/// §8.5), per real server alive/dead with removal or inhibition and notify scripts, per virtual
/// server quorum with hysteresis and the sorry server (reference §8.3, §8.5).
///
/// A pure value (DESIGN.md §3): every method takes the event and `now` and returns the actions
/// for a driver to carry out in order; it never reads a clock, sleeps, logs or does I/O, and its
/// only randomness (warmup) comes from the seed.
///
/// The monitor assumes, after `configurationChanged`, that the dataplane holds every configured
/// real server at its configured weight and no sorry server (what `adminCommands()` and
/// `difference(from:)` of the configuration program); from there its membership actions are
/// relative to what it asked for before.
public struct HealthMonitor: Sendable {
    /// What the monitor asked the dataplane to hold for one real server of one virtual server.
    enum Programmed: Sendable, Hashable {
        case absent
        case present(weight: Int32)
    }

    struct RealServerState: Sendable {
        var specification: HealthRealServerSpecification
        var checkers: [CheckerStateMachine]
        /// The weight in force: configured, or the last misc_dynamic weight.
        var weight: Int32
        var programmed: Programmed
        var alive: Bool { !checkers.contains(where: \.isFailing) }
    }

    struct VirtualServerState: Sendable {
        var specification: HealthVirtualServerSpecification
        var realServers: [RealServerState]
        var quorumUp: Bool
        var sorryProgrammed: Programmed = .absent

        var aliveWeight: Int64 {
            realServers.reduce(Int64(0)) { $0 + ($1.alive ? Int64(max($1.weight, 0)) : 0) }
        }
    }

    var generator: SplitMix64
    var sequence: UInt64 = 0
    var virtualServers: [VirtualServerState] = []
    var armed: MonotonicInstant?
    /// After `shutdown` the monitor ignores every event.
    private(set) var isStopped = false

    /// An empty monitor; give it its configuration with `configurationChanged`.
    public init(seed: UInt64) {
        self.generator = SplitMix64(seed: seed)
    }

    /// When the driver must next call `timerFired`; nil when nothing is scheduled.
    public var nextDeadline: MonotonicInstant? {
        var earliest: MonotonicInstant?
        for server in virtualServers {
            for real in server.realServers {
                for checker in real.checkers where earliest.map({ checker.deadline < $0 }) ?? true {
                    earliest = checker.deadline
                }
            }
        }
        return earliest
    }

    // MARK: Events

    /// The timer armed by `.armTimer` fired (or any earlier wake-up: nothing early is lost).
    /// Starts due attempts and gives up on attempts past their timeout.
    public mutating func timerFired(now: MonotonicInstant) -> [HealthAction] {
        guard !isStopped else { return [] }
        armed = nil
        var actions: [HealthAction] = []
        for v in virtualServers.indices {
            for r in virtualServers[v].realServers.indices {
                for c in virtualServers[v].realServers[r].checkers.indices {
                    let step = virtualServers[v].realServers[r].checkers[c].timerFired(now: now, sequence: &sequence)
                    switch step {
                    case .none: break
                    case .startProbe(let request)?: actions.append(.runProbe(request))
                    case .gaveUp(let outcome)?:
                        apply(outcome, virtualServer: v, realServer: r, checker: c, now: now, into: &actions)
                    }
                }
            }
        }
        rearm(into: &actions)
        return actions
    }

    /// A probe reported its result. Stale tickets (given up, reconfigured) are ignored.
    public mutating func probeCompleted(_ ticket: ProbeTicket, result: ProbeResult, now: MonotonicInstant)
        -> [HealthAction]
    {
        guard !isStopped, let (v, r, c) = indices(of: ticket.checker) else { return [] }
        guard let outcome = virtualServers[v].realServers[r].checkers[c].probeCompleted(ticket, result: result, now: now)
        else { return [] }
        var actions: [HealthAction] = []
        apply(outcome, virtualServer: v, realServer: r, checker: c, now: now, into: &actions)
        rearm(into: &actions)
        return actions
    }

    /// Shorthand for `probeCompleted(ticket, result: .success(…))`.
    public mutating func checkSucceeded(
        _ ticket: ProbeTicket, detail: String = "ok", weight: Int32? = nil, now: MonotonicInstant
    ) -> [HealthAction] {
        probeCompleted(ticket, result: .success(detail: detail, weight: weight), now: now)
    }

    /// Shorthand for `probeCompleted(ticket, result: .failure(…))`.
    public mutating func checkFailed(_ ticket: ProbeTicket, reason: String, now: MonotonicInstant) -> [HealthAction] {
        probeCompleted(ticket, result: .failure(reason: reason), now: now)
    }

    /// The daemon stops. With `omega` a virtual server runs the down notifiers of its alive real
    /// servers and its `quorum_down` script, and removes what health checking programmed
    /// (reference §8.3). Afterwards the monitor ignores events.
    public mutating func shutdown(now: MonotonicInstant) -> [HealthAction] {
        guard !isStopped else { return [] }
        isStopped = true
        var actions: [HealthAction] = []
        for server in virtualServers where server.specification.omega {
            let spec = server.specification
            for real in server.realServers {
                let id = HealthRealServerID(virtualServer: spec.id, realServer: real.specification.config.key)
                if real.alive {
                    let transition = HealthTransition(
                        subject: .realServer(id), from: .up, to: .down, reason: "shutdown (omega)", at: now)
                    actions.append(.log(transition))
                    if let script = real.specification.notifyDown {
                        actions.append(.runNotify(script, subject: .realServer(id), state: .down))
                    }
                }
                if real.programmed != .absent {
                    for service in spec.services {
                        actions.append(.removeRealServer(service, real.specification.config.key))
                    }
                }
            }
            if server.quorumUp {
                actions.append(
                    .log(
                        HealthTransition(
                            subject: .quorum(spec.id), from: .up, to: .down, reason: "shutdown (omega)", at: now)))
                if let script = spec.quorumDown {
                    actions.append(.runNotify(script, subject: .quorum(spec.id), state: .down))
                }
            }
            if let sorry = spec.sorryServer, server.sorryProgrammed != .absent {
                for service in spec.services { actions.append(.removeSorryServer(service, sorry.key)) }
            }
        }
        return actions
    }

    // MARK: Helpers

    func indices(of checker: HealthCheckerID) -> (Int, Int, Int)? {
        guard let v = virtualServers.firstIndex(where: { $0.specification.id == checker.realServer.virtualServer }),
            let r = virtualServers[v].realServers.firstIndex(where: {
                $0.specification.config.key == checker.realServer.realServer
            }),
            virtualServers[v].realServers[r].checkers.indices.contains(checker.index)
        else { return nil }
        return (v, r, checker.index)
    }

    /// Emits `.armTimer` when the earliest deadline moved.
    mutating func rearm(into actions: inout [HealthAction]) {
        let next = nextDeadline
        if let next, next != armed {
            armed = next
            actions.append(.armTimer(at: next))
        }
    }

    /// A random first delay: 1 s plus up to `warmup` (reference §8.5, "initial").
    mutating func initialDelay(for schedule: CheckerSchedule) -> Duration {
        let warmup = schedule.warmup.clampedNanoseconds
        let jitter = warmup == 0 ? 0 : UInt64.random(in: 0...warmup, using: &generator)
        return .seconds(1) + .nanoseconds(Int64(clamping: jitter))
    }
}
