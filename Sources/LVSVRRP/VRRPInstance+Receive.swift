import LVSCore

extension VRRPInstance {
    /// A valid advertisement for our VRID arrived from `sender` (its primary address).
    public mutating func advertisementReceived(
        _ advert: VRRPAdvertisement, from sender: IPAddress, now: MonotonicInstant
    ) -> [VRRPAction] {
        counters.advertisementsReceived += 1
        if advert.priority == 0 { counters.priorityZeroReceived += 1 }
        switch state {
        case .backup: return backupReceived(advert, from: sender, now: now)
        case .master: return masterReceived(advert, from: sender, now: now)
        case .initialize, .fault, .stopped: return []
        }
    }

    /// RFC 5798 §6.4.2 "If an ADVERTISEMENT is received" and keepalived `vrrp_state_backup`.
    private mutating func backupReceived(
        _ advert: VRRPAdvertisement, from sender: IPAddress, now: MonotonicInstant
    ) -> [VRRPAction] {
        // Two owners: we lowered ourselves to 254; a different or non-owner master lets us back.
        if configuration.isAddressOwner, effectivePriority == 254, sender != currentMaster || advert.priority != 255 {
            effectivePriority = 255
        }
        if advert.priority == 0 {
            // The master resigned: take over after Skew_Time only.
            stateDeadline = now.adding(microseconds: skewMicroseconds)
            return []
        }
        let preemptDelayRunning =
            configuration.preemptDelay > .zero && (preemptUntil.map { $0 > now } ?? true)
        guard !configuration.preempt || advert.priority >= effectivePriority || preemptDelayRunning else {
            // Lower priority and we preempt: discard, so the Master_Down_Timer runs out.
            currentMaster = sender
            return []
        }
        if configuration.version == .v3 {
            // RFC 5798 §6.4.2: Master_Adver_Interval := the advert's interval.
            masterAdvertisementIntervalCentiseconds = advert.intervalCentiseconds
        }
        stateDeadline = now.adding(microseconds: masterDownMicroseconds)
        currentMaster = sender
        if configuration.preemptDelay > .zero {
            // keepalived: the delay starts with the first lower-priority advert accepted and is
            // cancelled by an advert that we would not preempt anyway.
            if advert.priority >= effectivePriority {
                preemptUntil = nil
            } else if preemptUntil == nil {
                preemptUntil = now.adding(configuration.preemptDelay)
            }
        }
        wantState = .backup
        return []
    }

    /// RFC 5798 §6.4.3 "If an ADVERTISEMENT is received" and keepalived `vrrp_state_master_rx`.
    private mutating func masterReceived(
        _ advert: VRRPAdvertisement, from sender: IPAddress, now: MonotonicInstant
    ) -> [VRRPAction] {
        let ours = effectivePriority
        let own = configuration.primaryAddress
        let theirsWins = advert.priority > ours || (advert.priority == ours && sender > own)
        var actions: [VRRPAction] = []
        if advert.priority == 0 {
            // A resigning router: assert ourselves at once.
            return sendAdvertisement(priority: ours)
        }
        if configuration.higherPrioritySendAdvert && theirsWins {
            actions += sendAdvertisement(priority: ours)
        }
        if advert.priority == ours {
            if sender == own {
                actions.append(.report(.equalPriorityFromOwnAddress(sender)))
                return actions
            }
            if ours == 255 {
                actions += rivalOwnerHeard(advert, from: sender)
            }
        }
        let ourPriority = effectivePriority
        if advert.priority < ourPriority || (advert.priority == ourPriority && sender < own) {
            // A lower-priority router thinks it is master: force a new election.
            if !configuration.lowerPriorityNoAdvert { actions += sendAdvertisement(priority: ourPriority) }
            actions.append(.report(.lowerPriorityAdvertisementAsMaster(from: sender, priority: advert.priority)))
            return actions
        }
        if configuration.version == .v3 {
            masterAdvertisementIntervalCentiseconds = advert.intervalCentiseconds
        }
        currentMaster = sender
        let reason =
            advert.priority > ourPriority
            ? "higher priority \(advert.priority) advert from \(sender)"
            : "equal priority \(advert.priority) advert from higher address \(sender)"
        actions += leaveMaster(to: .backup, reason: reason, now: now)
        return actions
    }

    /// Another router claims priority 255 too (vrrp.c, "rogue" owner). A higher address wins
    /// outright. Otherwise we keep advertising; if the rival is still heard after our next two
    /// adverts plus the grace time, we lower ourselves to 254 and yield.
    private mutating func rivalOwnerHeard(_ advert: VRRPAdvertisement, from sender: IPAddress) -> [VRRPAction] {
        if sender > configuration.primaryAddress {
            return [.report(.duplicateAddressOwner(sender))]
        }
        if rogueDeadline != nil {
            rogueDeadline = nil
            effectivePriority = 254
            return [.report(.ownerPriorityLowered(rival: sender))]
        }
        rogueIntervalCentiseconds = advert.intervalCentiseconds
        guard rogueAdvertsLeft == 0 else { return [] }
        rogueAdvertsLeft = 2
        return [.report(.duplicateAddressOwner(sender))]
    }
}
