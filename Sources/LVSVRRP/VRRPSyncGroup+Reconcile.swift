import LVSCore

extension VRRPSyncGroup {
    /// Bring the members into line after one of them changed (vrrp_sync.c `vrrp_sync_fault`,
    /// `vrrp_sync_backup`, `vrrp_sync_master`, and `try_up_instance` for leaving FAULT).
    mutating func reconcile(now: MonotonicInstant) -> [VRRPSyncGroupAction] {
        guard state != .stopped else { return [] }
        if let faulty = members.first(where: { $0.state == .fault && !$0.faults.isEmpty }) {
            guard state != .fault else { return [] }
            return syncAll(to: .fault, reason: "sync group \(name): \(faulty.name) in fault", now: now)
        }
        if state == .fault {
            // No member has a fault of its own any more: the group comes up as backup.
            guard members.allSatisfy({ $0.started && $0.state != .initialize }) else { return [] }
            return syncAll(to: .backup, reason: "sync group \(name): faults cleared", now: now)
        }
        if state == .master, let fallen = members.first(where: { $0.state == .backup && $0.wantState == .backup }) {
            return syncAll(to: .backup, reason: "sync group \(name): \(fallen.name) became backup", now: now)
        }
        let everyoneWantsMaster = members.allSatisfy { $0.wantState == .master }
        if members.contains(where: { $0.state == .backup && $0.wantState == .master })
            && (state == .master || everyoneWantsMaster)
        {
            return syncAll(to: .master, reason: "sync group \(name): all members want master", now: now)
        }
        if state == .initialize, members.allSatisfy({ $0.state == .backup }) {
            return groupTransition(to: .backup, reason: "sync group \(name) started", now: now)
        }
        return []
    }

    private mutating func syncAll(to target: VRRPState, reason: String, now: MonotonicInstant) -> [VRRPSyncGroupAction]
    {
        var actions: [VRRPSyncGroupAction] = []
        for index in members.indices where members[index].state != target {
            let member = members[index]
            switch (member.state, target) {
            case (.master, .backup), (.master, .fault):
                actions += tagged(index, members[index].leaveMaster(to: target, reason: reason, now: now))
            case (.backup, .fault), (.initialize, .fault):
                actions += tagged(index, members[index].enterFault(reason: reason, now: now))
            case (.fault, .backup):
                actions += tagged(index, members[index].leaveFault(reason: reason, now: now))
            case (.backup, .master):
                actions += tagged(index, members[index].becomeMaster(reason: reason, now: now))
            case (.initialize, _), (.fault, _), (.backup, _), (.master, _), (.stopped, _):
                break
            }
        }
        return actions + groupTransition(to: target, reason: reason, now: now)
    }

    mutating func groupTransition(to target: VRRPState, reason: String, now: MonotonicInstant)
        -> [VRRPSyncGroupAction]
    {
        guard state != target else { return [] }
        let change = VRRPTransition(from: state, to: target, reason: reason, at: now)
        state = target
        lastTransition = change
        let notification = VRRPNotification(scope: .group, name: name, state: target, priority: 0)
        return [
            VRRPSyncGroupAction(instance: nil, action: .stateChanged(change)),
            VRRPSyncGroupAction(instance: nil, action: .runNotify(notification)),
        ]
    }
}
