/// What `getVRRP` answers: every VRRP instance and sync group the daemon runs
/// (`lvsadm --vrrp`), with keepalived's counters (its `vrrp_stats`) and ours.
public struct VRRPReport: Sendable, Hashable, Codable {
    /// False when the configuration has no `vrrp_instance` (or the daemon has no `--config`).
    public var running: Bool
    /// In the configuration file's order.
    public var instances: [VRRPInstanceReport]
    public var syncGroups: [VRRPSyncGroupReport]

    public init(running: Bool, instances: [VRRPInstanceReport], syncGroups: [VRRPSyncGroupReport]) {
        self.running = running
        self.instances = instances
        self.syncGroups = syncGroups
    }
}

/// One `vrrp_instance` as it runs.
public struct VRRPInstanceReport: Sendable, Hashable, Codable {
    public var name: String
    public var interface: String
    public var virtualRouterID: Int
    /// 2 or 3.
    public var version: Int
    /// keepalived's words: INIT, BACKUP, MASTER, FAULT, STOP.
    public var state: String
    /// The configured priority.
    public var priority: Int
    /// With tracking weights applied (what adverts carry).
    public var effectivePriority: Int
    /// Our advertisement interval, in seconds.
    public var advertisementInterval: Double
    /// As a backup of version 3: the master's interval, learned from its adverts.
    public var masterAdvertisementInterval: Double
    /// The primary address of the router believed to be master (ours while master).
    public var masterAddress: String?
    /// The address adverts are sent from.
    public var sourceAddress: String
    /// `virtual_ipaddress` then `virtual_ipaddress_excluded`, as `ADDRESS/LEN dev IF`.
    public var virtualAddresses: [String]
    public var syncGroup: String?
    public var lastTransition: VRRPTransitionReport?
    /// keepalived's `vrrp_stats` by name (`advert_rcvd`, `advert_sent`, `become_master`, …):
    /// the keys are `VRRPCounter`'s raw values.
    public var counters: [String: UInt64]
    /// Adverts dropped by the receive checks, by reason (`bad_ttl`, `bad_password`, …).
    public var drops: [String: UInt64]

    public init(
        name: String, interface: String, virtualRouterID: Int, version: Int, state: String, priority: Int,
        effectivePriority: Int, advertisementInterval: Double, masterAdvertisementInterval: Double,
        masterAddress: String?, sourceAddress: String, virtualAddresses: [String], syncGroup: String?,
        lastTransition: VRRPTransitionReport?, counters: [String: UInt64], drops: [String: UInt64]
    ) {
        self.name = name
        self.interface = interface
        self.virtualRouterID = virtualRouterID
        self.version = version
        self.state = state
        self.priority = priority
        self.effectivePriority = effectivePriority
        self.advertisementInterval = advertisementInterval
        self.masterAdvertisementInterval = masterAdvertisementInterval
        self.masterAddress = masterAddress
        self.sourceAddress = sourceAddress
        self.virtualAddresses = virtualAddresses
        self.syncGroup = syncGroup
        self.lastTransition = lastTransition
        self.counters = counters
        self.drops = drops
    }
}

/// The last change of state: from, to, why, and how long ago.
public struct VRRPTransitionReport: Sendable, Hashable, Codable {
    public var from: String
    public var to: String
    public var reason: String
    public var secondsAgo: Double

    public init(from: String, to: String, reason: String, secondsAgo: Double) {
        self.from = from
        self.to = to
        self.reason = reason
        self.secondsAgo = secondsAgo
    }
}

/// One `vrrp_sync_group`.
public struct VRRPSyncGroupReport: Sendable, Hashable, Codable {
    public var name: String
    public var state: String
    public var members: [String]
    public var lastTransition: VRRPTransitionReport?

    public init(name: String, state: String, members: [String], lastTransition: VRRPTransitionReport?) {
        self.name = name
        self.state = state
        self.members = members
        self.lastTransition = lastTransition
    }
}
