import LVSCore

extension VRRPInstance {
    // MARK: Timer values (vrrp.h)

    /// Our own Advertisement_Interval.
    var intervalMicroseconds: UInt64 { UInt64(configuration.advertisementIntervalCentiseconds) * 10_000 }

    /// Skew_Time with the effective priority (an owner always skews as 255).
    var skewMicroseconds: UInt64 {
        VRRPTimers.skewMicroseconds(
            version: configuration.version, priority: configuration.isAddressOwner ? 255 : effectivePriority,
            masterAdvertisementIntervalCentiseconds: masterAdvertisementIntervalCentiseconds)
    }

    /// keepalived `VRRP_TIMER_SKEW_MIN`: the skew of priority 255.
    var minimumSkewMicroseconds: UInt64 {
        VRRPTimers.skewMicroseconds(
            version: configuration.version, priority: 255,
            masterAdvertisementIntervalCentiseconds: masterAdvertisementIntervalCentiseconds)
    }

    /// Master_Down_Interval, from Master_Adver_Interval and the effective priority.
    var masterDownMicroseconds: UInt64 {
        UInt64(configuration.downTimerAdverts) * UInt64(masterAdvertisementIntervalCentiseconds) * 10_000
            + skewMicroseconds
    }

    // MARK: Transitions

    /// Record a state change and emit its log entry and notification.
    mutating func transition(to newState: VRRPState, reason: String, now: MonotonicInstant) -> [VRRPAction] {
        let change = VRRPTransition(from: state, to: newState, reason: reason, at: now)
        state = newState
        lastTransition = change
        let notification = VRRPNotification(
            scope: .instance, name: configuration.name, state: newState, priority: effectivePriority)
        return [.stateChanged(change), .runNotify(notification)]
    }

    /// vrrp.c `vrrp_state_goto_master`: in a sync group the group decides (the instance only
    /// records that it wants MASTER and waits another Master_Down_Interval).
    mutating func tryBecomeMaster(reason: String, now: MonotonicInstant) -> [VRRPAction] {
        wantState = .master
        if isSyncGroupMember {
            stateDeadline = now.adding(microseconds: masterDownMicroseconds)
            return []
        }
        return becomeMaster(reason: reason, now: now)
    }

    /// RFC 5798 §6.4.2 (Master_Down_Timer fired) and keepalived `vrrp_state_become_master`:
    /// advertise first (so the old master drops the addresses before our ARPs), add the
    /// addresses, announce them, arm the delayed and refresh bursts, notify.
    mutating func becomeMaster(reason: String, now: MonotonicInstant) -> [VRRPAction] {
        wantState = .master
        if configuration.isAddressOwner { effectivePriority = 255 }
        masterAdvertisementIntervalCentiseconds = configuration.advertisementIntervalCentiseconds
        var actions = sendAdvertisement(priority: effectivePriority)
        let addresses = configuration.allVirtualAddresses
        if !addresses.isEmpty { actions.append(.addVirtualAddresses(addresses)) }
        addressesHeld = true
        actions += gratuitousBurst(repeatCount: configuration.gratuitous.masterRepeat)
        let settings = configuration.gratuitous
        garpDelayDeadline = settings.masterDelay > .zero ? now.adding(settings.masterDelay) : nil
        garpRefreshDeadline =
            settings.masterRefresh > .zero ? now.adding(settings.masterDelay + settings.masterRefresh) : nil
        counters.becameMaster += 1
        currentMaster = configuration.primaryAddress
        stateDeadline = now.adding(microseconds: intervalMicroseconds)
        actions += transition(to: .master, reason: reason, now: now)
        return actions
    }

    /// keepalived `vrrp_state_leave_master`: to BACKUP (a better master appeared) or FAULT
    /// (which first resigns with a priority-0 advert so a backup takes over at once).
    mutating func leaveMaster(to newState: VRRPState, reason: String, now: MonotonicInstant) -> [VRRPAction] {
        var actions: [VRRPAction] = []
        if newState == .fault { actions += sendAdvertisement(priority: 0) }
        actions += releaseAddresses()
        wantState = newState
        actions += transition(to: newState, reason: reason, now: now)
        counters.releasedMaster += 1
        preemptUntil = nil
        rogueAdvertsLeft = 0
        rogueDeadline = nil
        stateDeadline = newState == .backup ? now.adding(microseconds: masterDownMicroseconds) : nil
        return actions
    }

    /// Enter FAULT from any running state: no adverts, no addresses (keepalived `down_instance`).
    mutating func enterFault(reason: String, now: MonotonicInstant) -> [VRRPAction] {
        switch state {
        case .master:
            return leaveMaster(to: .fault, reason: reason, now: now)
        case .backup, .initialize:
            wantState = .fault
            stateDeadline = nil
            return transition(to: .fault, reason: reason, now: now)
        case .fault, .stopped:
            return []
        }
    }

    /// keepalived `try_up_instance` + `vrrp_state_leave_fault`: an owner that wants MASTER
    /// returns straight to MASTER (RFC 5798 §6.4.1), anything else to BACKUP with the full
    /// Master_Down_Interval computed from our own interval.
    mutating func leaveFault(reason: String, now: MonotonicInstant) -> [VRRPAction] {
        masterAdvertisementIntervalCentiseconds = configuration.advertisementIntervalCentiseconds
        preemptUntil = nil
        if configuration.isAddressOwner && !isSyncGroupMember {
            return becomeMaster(reason: reason, now: now)
        }
        wantState = .backup
        stateDeadline = now.adding(microseconds: masterDownMicroseconds)
        return transition(to: .backup, reason: reason, now: now)
    }

    // MARK: Output helpers

    mutating func sendAdvertisement(priority: UInt8) -> [VRRPAction] {
        counters.advertisementsSent += 1
        if priority == 0 { counters.priorityZeroSent += 1 }
        let advert = VRRPAdvertisement(
            version: configuration.version, virtualRouterID: configuration.virtualRouterID, priority: priority,
            intervalCentiseconds: configuration.advertisementIntervalCentiseconds,
            addresses: configuration.virtualAddresses)
        return [.sendAdvertisement(advert)]
    }

    mutating func releaseAddresses() -> [VRRPAction] {
        garpDelayDeadline = nil
        garpRefreshDeadline = nil
        guard addressesHeld else { return [] }
        addressesHeld = false
        let addresses = configuration.allVirtualAddresses
        return addresses.isEmpty ? [] : [.removeVirtualAddresses(addresses)]
    }

    func gratuitousBurst(repeatCount: Int) -> [VRRPAction] {
        let addresses = configuration.allVirtualAddresses
        guard !addresses.isEmpty, repeatCount > 0 else { return [] }
        return [
            .sendGratuitousAnnouncements(
                addresses: addresses, repeatCount: repeatCount, spacing: configuration.gratuitous.spacing)
        ]
    }

    /// vrrp.c `vrrp_state_master_tx`: after two more of our adverts, give a rival owner "a bit
    /// more than" one interval (1.2 × the larger interval) to fall silent.
    mutating func countDownRogue(now: MonotonicInstant) {
        guard configuration.isAddressOwner, rogueAdvertsLeft > 0 else { return }
        rogueAdvertsLeft -= 1
        guard rogueAdvertsLeft == 0 else { return }
        let interval = max(rogueIntervalCentiseconds, configuration.advertisementIntervalCentiseconds)
        rogueDeadline = now.adding(microseconds: UInt64(interval) * 10_000 * 12 / 10)
    }
}
