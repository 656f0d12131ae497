import LVSCore

/// The rise/fall state of one checker, as keepalived runs it (reference §8.5, "Checker state
/// machine"): a check is one attempt plus up to `retry` further attempts after failures; the
/// check is decided by its first success or by its last failure. The very first check of a
/// checker is decisive on its first failure (keepalived starts the retry counter at `retry`).
///
/// Contract: methods take `now` and return what happened; the machine never reads a clock.
struct CheckerStateMachine: Sendable {
    enum Phase: Sendable, Hashable {
        /// Idle until the next attempt is due.
        case waiting(until: MonotonicInstant)
        /// A probe runs; it is given up at `deadline`.
        case probing(ProbeTicket, deadline: MonotonicInstant)
    }

    /// A decided or retried attempt.
    struct Outcome: Sendable {
        /// Set when the checker changed state.
        var change: (from: HealthState, to: HealthState)?
        var result: ProbeResult
    }

    let id: HealthCheckerID
    let specification: CheckerSpecification
    private(set) var state: HealthState
    private(set) var phase: Phase
    /// keepalived's `retry_it`: failures so far in the current check.
    private var retryIteration: UInt32
    /// Attempt number within the current check (0 = first).
    private var attempt: UInt32 = 0
    private(set) var lastResult: ProbeResult?
    private(set) var lastCheck: MonotonicInstant?
    private(set) var lastChange: MonotonicInstant?
    private(set) var consecutiveFailures: UInt32 = 0

    /// A new checker whose first attempt is due after `initialDelay`.
    init(id: HealthCheckerID, specification: CheckerSpecification, now: MonotonicInstant, initialDelay: Duration) {
        self.id = id
        self.specification = specification
        self.state = specification.schedule.alpha ? .down : .unknown
        self.retryIteration = specification.schedule.retry
        self.phase = .waiting(until: now.advanced(by: initialDelay))
    }

    /// When the machine next needs `timerFired`.
    var deadline: MonotonicInstant {
        switch phase {
        case .waiting(let until): return until
        case .probing(_, let deadline): return deadline
        }
    }

    /// Counts against the real server: only a checker that is down (unknown counts as up, as a
    /// keepalived checker without alpha starts up).
    var isFailing: Bool { state == .down }

    enum TimerStep: Sendable {
        case startProbe(ProbeRequest)
        case gaveUp(Outcome)
    }

    /// The timer reached `now`: start a due attempt, or give up on one that ran out of time.
    mutating func timerFired(now: MonotonicInstant, sequence: inout UInt64) -> TimerStep? {
        switch phase {
        case .waiting(let until):
            guard until <= now else { return nil }
            sequence &+= 1
            let ticket = ProbeTicket(checker: id, sequence: sequence)
            let timeout = specification.schedule.connectTimeout
            phase = .probing(ticket, deadline: now.advanced(by: timeout))
            return .startProbe(ProbeRequest(ticket: ticket, attempt: attempt, timeout: timeout))
        case .probing(_, let deadline):
            guard deadline <= now else { return nil }
            let seconds = specification.schedule.connectTimeout.secondsText
            return .gaveUp(record(.failure(reason: "\(specification.name): timeout after \(seconds) s"), now: now))
        }
    }

    /// A probe reported. Results for another ticket (given up, or superseded) return nil.
    mutating func probeCompleted(_ ticket: ProbeTicket, result: ProbeResult, now: MonotonicInstant) -> Outcome? {
        guard case .probing(let current, _) = phase, current == ticket else { return nil }
        return record(result, now: now)
    }

    private mutating func record(_ result: ProbeResult, now: MonotonicInstant) -> Outcome {
        lastResult = result
        lastCheck = now
        let schedule = specification.schedule
        if result.isSuccess {
            consecutiveFailures = 0
        } else {
            consecutiveFailures &+= 1
        }
        var change: (HealthState, HealthState)?
        if result.isSuccess || retryIteration >= schedule.retry {
            // The check is decided: next one after delay_loop.
            retryIteration = 0
            attempt = 0
            phase = .waiting(until: now.advanced(by: schedule.delayLoop))
            let target: HealthState = result.isSuccess ? .up : .down
            if state != target {
                change = (state, target)
                state = target
                lastChange = now
            }
        } else {
            retryIteration += 1
            attempt += 1
            phase = .waiting(until: now.advanced(by: schedule.delayBeforeRetry))
        }
        return Outcome(change: change, result: result)
    }
}
