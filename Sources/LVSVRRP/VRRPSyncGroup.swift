import LVSCore

/// One action of a sync group: an instance's action (`instance` names it) or the group's own
/// state change and notification (`instance` nil).
public struct VRRPSyncGroupAction: Sendable, Hashable {
    public var instance: String?
    public var action: VRRPAction

    public init(instance: String?, action: VRRPAction) {
        self.instance = instance
        self.action = action
    }
}

/// A `vrrp_sync_group`: its member instances change state together, as keepalived's
/// vrrp_sync.c does it. The driver sends each member's events through the group and carries
/// out the combined actions; it never drives a member directly.
///
/// - A member becomes master only when the group is already master or every other member
///   wants master too (prefer backup to avoid thrashing); then all become master.
/// - A member falling back to backup takes the group (and every master member) to backup.
/// - A member's fault puts the whole group in FAULT; the group comes back (to backup) only when
///   no member has a fault of its own.
/// - Tracking weights are forced to 0 (interfaces) or dropped (scripts) unless
///   `sync_group_tracking_weight` is set (vrrp.c, instance completion).
public struct VRRPSyncGroup: Sendable {
    public let name: String
    public internal(set) var members: [VRRPInstance]
    public internal(set) var state: VRRPState = .initialize
    public internal(set) var lastTransition: VRRPTransition?

    public init(name: String, members: [VRRPInstanceConfiguration], trackingWeight: Bool = false) {
        self.name = name
        self.members = members.map { configuration in
            var configuration = configuration
            if !trackingWeight {
                configuration.trackedObjects = configuration.trackedObjects.compactMap { object in
                    guard object.weight != 0 else { return object }
                    guard object.kind == .interface else { return nil }
                    var unweighted = object
                    unweighted.weight = 0
                    return unweighted
                }
            }
            var instance = VRRPInstance(configuration: configuration)
            instance.isSyncGroupMember = true
            return instance
        }
    }

    /// The member called `name`.
    public func member(named name: String) -> VRRPInstance? { members.first { $0.name == name } }

    /// The earliest deadline of any member.
    public var nextDeadline: MonotonicInstant? { members.compactMap(\.nextDeadline).min() }

    public mutating func start(now: MonotonicInstant) -> [VRRPSyncGroupAction] {
        var actions: [VRRPSyncGroupAction] = []
        for index in members.indices {
            actions += tagged(index, members[index].start(now: now))
        }
        return actions + reconcile(now: now)
    }

    public mutating func advertisementReceived(
        _ advert: VRRPAdvertisement, from sender: IPAddress, instance: String, now: MonotonicInstant
    ) -> [VRRPSyncGroupAction] {
        forward(instance, now: now) { $0.advertisementReceived(advert, from: sender, now: now) }
    }

    public mutating func advertisementRejected(_ rejection: VRRPCounters.Rejection, instance: String) {
        guard let index = members.firstIndex(where: { $0.name == instance }) else { return }
        members[index].advertisementRejected(rejection)
    }

    public mutating func faultRaised(_ cause: String, instance: String, now: MonotonicInstant) -> [VRRPSyncGroupAction]
    {
        forward(instance, now: now) { $0.faultRaised(cause, now: now) }
    }

    public mutating func faultCleared(_ cause: String, instance: String, now: MonotonicInstant) -> [VRRPSyncGroupAction]
    {
        forward(instance, now: now) { $0.faultCleared(cause, now: now) }
    }

    /// A tracked object changed: every member tracking it hears about it.
    public mutating func trackedObjectChanged(name: String, isUp: Bool, now: MonotonicInstant) -> [VRRPSyncGroupAction]
    {
        var actions: [VRRPSyncGroupAction] = []
        for index in members.indices {
            actions += tagged(index, members[index].trackedObjectChanged(name: name, isUp: isUp, now: now))
            actions += reconcile(now: now)
        }
        return actions
    }

    public mutating func timersFired(now: MonotonicInstant) -> [VRRPSyncGroupAction] {
        var actions: [VRRPSyncGroupAction] = []
        for index in members.indices {
            actions += tagged(index, members[index].timersFired(now: now))
            actions += reconcile(now: now)
        }
        return actions
    }

    public mutating func stop(now: MonotonicInstant) -> [VRRPSyncGroupAction] {
        var actions: [VRRPSyncGroupAction] = []
        for index in members.indices {
            actions += tagged(index, members[index].stop(now: now))
        }
        return actions + groupTransition(to: .stopped, reason: "sync group stopped", now: now)
    }

    private mutating func forward(
        _ instance: String, now: MonotonicInstant, _ event: (inout VRRPInstance) -> [VRRPAction]
    ) -> [VRRPSyncGroupAction] {
        guard let index = members.firstIndex(where: { $0.name == instance }) else { return [] }
        return tagged(index, event(&members[index])) + reconcile(now: now)
    }

    func tagged(_ index: Int, _ actions: [VRRPAction]) -> [VRRPSyncGroupAction] {
        actions.map { VRRPSyncGroupAction(instance: members[index].name, action: $0) }
    }
}
