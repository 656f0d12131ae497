import LVSCore

extension VRRPInstance {
    /// A fault cause appeared (e.g. `interface eth0 down`, `no address on eth0`): the instance
    /// goes to FAULT, resigning first if it was master. Causes are counted by name.
    public mutating func faultRaised(_ cause: String, now: MonotonicInstant) -> [VRRPAction] {
        let inserted = faults.insert(cause).inserted
        guard inserted, started else { return [] }
        return enterFault(reason: cause, now: now)
    }

    /// A fault cause went away. When none is left the instance comes up again (as backup, or
    /// master for an address owner); a sync group member waits for its group to decide.
    public mutating func faultCleared(_ cause: String, now: MonotonicInstant) -> [VRRPAction] {
        guard faults.remove(cause) != nil, started else { return [] }
        return recoverIfClear(reason: "\(cause) cleared", now: now)
    }

    /// A tracked object (`track_interface`, `track_script`, …) went up or down. Weighted objects
    /// change the effective priority; weight-0 objects raise or clear a fault.
    public mutating func trackedObjectChanged(name: String, isUp: Bool, now: MonotonicInstant) -> [VRRPAction] {
        guard let object = configuration.trackedObjects.first(where: { $0.name == name }) else { return [] }
        trackedUp[name] = isUp
        guard object.weight == 0 else {
            updateEffectivePriority(now: now)
            return []
        }
        let cause = "tracked \(object.kind) \(name) \(isUp ? "up" : "down")"
        let faultKey = "tracked \(name)"
        if object.causesFault(isUp: isUp) {
            guard faults.insert(faultKey).inserted else { return [] }
            guard started else { return [] }
            if state == .initialize && !awaitingInitialTrackers { return leaveInitialize(now: now) }
            return state == .initialize ? [] : enterFault(reason: cause, now: now)
        }
        let removed = faults.remove(faultKey) != nil
        guard started else { return [] }
        if state == .initialize { return leaveInitialize(now: now) }
        return removed ? recoverIfClear(reason: cause, now: now) : []
    }

    /// keepalived `num_script_init`: a weight-0 tracked script that has not reported holds INIT.
    var awaitingInitialTrackers: Bool {
        configuration.trackedObjects.contains { $0.weight == 0 && $0.kind == .script && trackedUp[$0.name] == nil }
    }

    mutating func recoverIfClear(reason: String, now: MonotonicInstant) -> [VRRPAction] {
        guard faults.isEmpty else { return [] }
        switch state {
        case .fault:
            return isSyncGroupMember ? [] : leaveFault(reason: reason, now: now)
        case .initialize:
            return leaveInitialize(now: now)
        case .backup, .master, .stopped:
            return []
        }
    }

    /// vrrp_track.c `vrrp_set_effective_priority`: base + Σ weights, clamped to 1…254, never
    /// for an owner. As backup the running Master_Down_Timer moves by the change in skew.
    mutating func updateEffectivePriority(now: MonotonicInstant) {
        guard !configuration.isAddressOwner else { return }
        var total = Int(configuration.priority)
        for object in configuration.trackedObjects {
            guard let isUp = trackedUp[object.name] else { continue }
            total += object.priorityContribution(isUp: isUp)
        }
        let newPriority = UInt8(min(254, max(1, total)))
        guard newPriority != effectivePriority else { return }
        let oldDown = masterDownMicroseconds
        effectivePriority = newPriority
        let newDown = masterDownMicroseconds
        if state == .backup, let deadline = stateDeadline {
            stateDeadline =
                newDown >= oldDown
                ? deadline.adding(microseconds: newDown - oldDown)
                : MonotonicInstant(nanoseconds: deadline.nanoseconds &- (oldDown - newDown) * 1000)
        }
    }
}
