import LVSCore

/// One VRRP instance's state machine (RFC 3768 §6, RFC 5798 §6) as keepalived 2.2 runs it.
///
/// Contract: every method takes the event and `now` and returns the actions for the driver, in
/// order. The machine never reads a clock and never does I/O. The driver sends adverts, manages
/// addresses, runs notify scripts, and calls `timersFired(now:)` once `nextDeadline` has passed.
/// Adverts handed to `advertisementReceived` have already passed the receive checks of the codec.
public struct VRRPInstance: Sendable {
    /// The configuration after keepalived's corrections (`VRRPInstanceConfiguration.normalized`).
    public internal(set) var configuration: VRRPInstanceConfiguration
    public internal(set) var state: VRRPState = .initialize
    /// Base priority plus tracking weights, 1…254; an owner's 255 never changes through tracking.
    public internal(set) var effectivePriority: UInt8
    public internal(set) var counters = VRRPCounters()
    public internal(set) var lastTransition: VRRPTransition?
    /// The primary address of the router we believe is master (ours while we are master).
    public internal(set) var currentMaster: IPAddress?
    /// Master_Adver_Interval in centiseconds: ours, or (version 3, as backup) the master's.
    public internal(set) var masterAdvertisementIntervalCentiseconds: UInt16

    /// keepalived's `wantstate`: where the instance would be without its sync group.
    var wantState: VRRPState
    var started = false
    /// keepalived's `sands`: the advert timer as master, the Master_Down_Timer as backup.
    var stateDeadline: MonotonicInstant?
    var garpDelayDeadline: MonotonicInstant?
    var garpRefreshDeadline: MonotonicInstant?
    /// keepalived's `preempt_time`: lower-priority adverts are accepted until then.
    var preemptUntil: MonotonicInstant?
    /// This instance's own fault causes (a sync group can also force FAULT without one).
    var faults: Set<String> = []
    /// Last known state of each tracked object; absent: not reported yet.
    var trackedUp: [String: Bool] = [:]
    var addressesHeld = false
    /// Set by `VRRPSyncGroup`: becoming master and leaving FAULT are the group's decision.
    var isSyncGroupMember = false
    /// Two-owner handling (vrrp.c `rogue_counter`): adverts still to send before the grace timer.
    var rogueAdvertsLeft = 0
    var rogueDeadline: MonotonicInstant?
    var rogueIntervalCentiseconds: UInt16 = 0

    public init(configuration: VRRPInstanceConfiguration) {
        let normalized = configuration.normalized()
        self.configuration = normalized
        self.effectivePriority = normalized.priority
        self.masterAdvertisementIntervalCentiseconds = normalized.advertisementIntervalCentiseconds
        self.wantState = normalized.initialState == .master ? .master : .backup
    }

    public var name: String { configuration.name }

    /// The earliest instant at which `timersFired(now:)` has work, or nil.
    public var nextDeadline: MonotonicInstant? {
        [stateDeadline, garpDelayDeadline, garpRefreshDeadline, rogueDeadline].compactMap { $0 }.min()
    }

    /// Start the instance (keepalived `vrrp_init_state`). A weight-0 tracked script that has not
    /// reported yet holds it in INIT; a fault puts it in FAULT. An address owner configured
    /// `state MASTER` becomes master at once (keepalived passes through BACKUP for 1 µs without
    /// notifying). Any other `state MASTER` instance starts as backup but waits only one
    /// Master_Adver_Interval + the skew of priority 255 before taking over: long enough to hear
    /// an existing master. Everything else starts as backup with Master_Down_Interval.
    public mutating func start(now: MonotonicInstant) -> [VRRPAction] {
        guard !started else { return [] }
        started = true
        return leaveInitialize(now: now)
    }

    mutating func leaveInitialize(now: MonotonicInstant) -> [VRRPAction] {
        guard state == .initialize, !awaitingInitialTrackers else { return [] }
        if !faults.isEmpty {
            return enterFault(reason: "fault at start-up: \(faultText)", now: now)
        }
        if configuration.isAddressOwner && wantState == .master {
            var actions = transition(to: .backup, reason: "start-up", now: now)
            actions += tryBecomeMaster(reason: "address owner at start-up", now: now)
            return actions
        }
        let actions = transition(to: .backup, reason: "start-up", now: now)
        if wantState == .master {
            // vrrp_scheduler.c vrrp_init_state: one advert interval to hear an existing master.
            stateDeadline = now.adding(microseconds: intervalMicroseconds + minimumSkewMicroseconds)
        } else {
            stateDeadline = now.adding(microseconds: masterDownMicroseconds)
        }
        return actions
    }

    /// Run every timer that is due at `now`.
    public mutating func timersFired(now: MonotonicInstant) -> [VRRPAction] {
        var actions: [VRRPAction] = []
        if let deadline = rogueDeadline, deadline <= now {
            // The rival owner stopped advertising within the grace period: we stay master.
            rogueDeadline = nil
        }
        if let deadline = stateDeadline, deadline <= now {
            switch state {
            case .backup:
                // RFC 5798 §6.4.2: Master_Down_Timer fired.
                wantState = .master
                actions += tryBecomeMaster(reason: "master down timer expired", now: now)
            case .master:
                // RFC 5798 §6.4.3: Adver_Timer fired.
                actions += sendAdvertisement(priority: effectivePriority)
                // The next advert is due one interval after this one was due, not after the
                // driver woke: late wake-ups must not stretch the period (a backup's down timer
                // counts from the adverts it hears). Far behind, start again from now.
                let next = deadline.adding(microseconds: intervalMicroseconds)
                stateDeadline = next > now ? next : now.adding(microseconds: intervalMicroseconds)
                countDownRogue(now: now)
            case .initialize, .fault, .stopped:
                stateDeadline = nil
            }
        }
        if let deadline = garpDelayDeadline, deadline <= now {
            garpDelayDeadline = nil
            actions += gratuitousBurst(repeatCount: configuration.gratuitous.masterRepeat)
        }
        if let deadline = garpRefreshDeadline, deadline <= now {
            garpRefreshDeadline = now.adding(configuration.gratuitous.masterRefresh)
            actions += gratuitousBurst(repeatCount: configuration.gratuitous.masterRefreshRepeat)
        }
        return actions
    }

    /// The receive checks dropped an advert for this instance: count it (keepalived `vrrp_stats`).
    public mutating func advertisementRejected(_ rejection: VRRPCounters.Rejection) {
        counters.count(rejection)
    }

    /// The interface's primary address changed: it is our tie-breaker from now on.
    public mutating func primaryAddressChanged(_ address: IPAddress) {
        configuration.primaryAddress = address
        if state == .master { currentMaster = address }
    }

    /// Clean stop (keepalived shutdown): a master resigns with a priority-0 advert and removes
    /// its addresses (RFC 5798 §6.4.3 "Shutdown"); every instance notifies STOP.
    public mutating func stop(now: MonotonicInstant) -> [VRRPAction] {
        guard state != .stopped else { return [] }
        var actions: [VRRPAction] = []
        if state == .master {
            actions += sendAdvertisement(priority: 0)
            actions += releaseAddresses()
        }
        actions += transition(to: .stopped, reason: "instance stopped", now: now)
        stateDeadline = nil
        rogueDeadline = nil
        return actions
    }

    var faultText: String { faults.sorted().joined(separator: ", ") }
}
