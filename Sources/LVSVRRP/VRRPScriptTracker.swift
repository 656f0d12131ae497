import LVSCore

/// One `vrrp_script` as keepalived schedules and judges it (vrrp_scheduler.c
/// `vrrp_script_thread`/`vrrp_script_child_thread`). Pure: it says when to run the script and
/// when to give up on a run; the driver runs it and reports how it ended.
///
/// keepalived keeps one counter `result` in 0…rise+fall−1; the script is OK while
/// `result ≥ rise`. A success below rise−1 counts up; at rise−1 it jumps to the top (OK). A
/// failure above rise counts down; at rise (or while initialising) it drops to 0 (failed).
public struct VRRPScriptTracker: Sendable {
    public struct Configuration: Sendable, Hashable {
        public var name: String
        /// `interval` (default 1 s): runs start this far apart.
        public var interval: Duration
        /// `timeout` (default 0 = the interval): a run still going after this is killed, a failure.
        public var timeout: Duration
        /// `rise` (default 1) successes to become OK; `fall` (default 1) failures to fail.
        public var rise: Int
        public var fall: Int
        /// `weight` -253…253 (default 0) and `reverse`: the defaults `track_script` inherits.
        public var weight: Int
        public var reverse: Bool
        /// `init_fail`: start as failed instead of "one success is enough".
        public var initFail: Bool

        public init(
            name: String, interval: Duration = .seconds(1), timeout: Duration = .zero, rise: Int = 1,
            fall: Int = 1, weight: Int = 0, reverse: Bool = false, initFail: Bool = false
        ) {
            self.name = name
            self.interval = interval
            self.timeout = timeout
            self.rise = max(1, rise)
            self.fall = max(1, fall)
            self.weight = min(253, max(-253, weight))
            self.reverse = reverse
            self.initFail = initFail
        }
    }

    public enum Status: Sendable, Hashable {
        /// No run has finished yet (keepalived SCRIPT_INIT_STATE_INIT).
        case initializing
        case ok
        case failed
    }

    /// How one run ended.
    public enum Outcome: Sendable, Hashable {
        case exited(status: Int32)
        case signalled
        case timedOut
    }

    /// What the driver must do.
    public enum Action: Sendable, Hashable {
        /// Start the script; report its end with `resultReceived(run:…)`.
        case run(runNumber: UInt64)
        /// The run exceeded its timeout: kill it (its late result is ignored).
        case terminate(runNumber: UInt64)
        /// The script's status changed: feed it to the instances that track it
        /// (`VRRPInstance.trackedObjectChanged(name:isUp:now:)`).
        case statusChanged(name: String, isOK: Bool)
    }

    public let configuration: Configuration
    public private(set) var status: Status
    /// keepalived's `result` counter.
    public private(set) var result: Int
    private var nextRun: MonotonicInstant
    private var running: (number: UInt64, deadline: MonotonicInstant)?
    private var runCount: UInt64 = 0

    /// The first run is due at `now` (keepalived starts scripts at once).
    public init(configuration: Configuration, now: MonotonicInstant) {
        self.configuration = configuration
        self.status = configuration.initFail ? .failed : .initializing
        self.result = configuration.initFail ? 0 : configuration.rise - 1
        self.nextRun = now
    }

    public var isOK: Bool { status == .ok }

    /// When `timerFired` next has work.
    public var nextDeadline: MonotonicInstant {
        guard let running else { return nextRun }
        return min(nextRun, running.deadline)
    }

    /// Start a due run (skipped while the previous one is still going) or give up on a run.
    public mutating func timerFired(now: MonotonicInstant) -> [Action] {
        var actions: [Action] = []
        if let current = running, current.deadline <= now {
            actions.append(.terminate(runNumber: current.number))
            actions += record(success: false)
        }
        if nextRun <= now {
            nextRun = now.adding(configuration.interval)
            if running == nil {
                runCount += 1
                let timeout = configuration.timeout > .zero ? configuration.timeout : configuration.interval
                running = (runCount, now.adding(timeout))
                actions.append(.run(runNumber: runCount))
            }
        }
        return actions
    }

    /// A run ended. Results of a run already given up on are ignored.
    public mutating func resultReceived(runNumber: UInt64, _ outcome: Outcome, now: MonotonicInstant) -> [Action] {
        guard let current = running, current.number == runNumber else { return [] }
        switch outcome {
        case .exited(let status): return record(success: status == 0)
        case .signalled, .timedOut: return record(success: false)
        }
    }

    private mutating func record(success: Bool) -> [Action] {
        running = nil
        let rise = configuration.rise
        let top = rise + configuration.fall - 1
        let wasInitializing = status == .initializing
        var changed: Bool?
        if success {
            if result < rise - 1 {
                result += 1
            } else if result != top {
                if result < rise { changed = true }
                result = top
            }
        } else {
            if result > rise {
                result -= 1
            } else {
                if result == rise || wasInitializing { changed = false }
                result = 0
            }
        }
        if wasInitializing && changed == nil { status = result >= rise ? .ok : .failed }
        guard let isOK = changed else { return [] }
        status = isOK ? .ok : .failed
        return [.statusChanged(name: configuration.name, isOK: isOK)]
    }
}
