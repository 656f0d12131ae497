import LVSCore

/// One `vrrp_instance` as the state machine needs it (reference §8.6). The configuration layer
/// has already applied keepalived's defaults and consistency fixes; `normalized()` applies the
/// ones that matter to the election.
public struct VRRPInstanceConfiguration: Sendable, Hashable {
    /// The instance's name (`vrrp_instance NAME`), used in notifications.
    public var name: String
    public var version: VRRPVersion
    public var family: AddressFamily
    /// `virtual_router_id`, 1…255.
    public var virtualRouterID: UInt8
    /// `priority`, 1…255; 255 makes this router the address owner (RFC 5798 §6.1).
    public var priority: UInt8
    /// `advert_int` in centiseconds (version 2: a whole number of seconds, so a multiple of 100).
    public var advertisementIntervalCentiseconds: UInt16
    /// keepalived's `state MASTER|BACKUP`: the state the instance wants at start-up.
    public var initialState: VRRPInitialState
    /// `preempt` (default) or `nopreempt` (false).
    public var preempt: Bool
    /// `preempt_delay` in seconds (0…1000); zero means none.
    public var preemptDelay: Duration
    /// `down_timer_adverts`, 1…100 (default 3): adverts missed before a backup takes over.
    public var downTimerAdverts: UInt32
    /// `lower_prio_no_advert`: a master does not answer a lower-priority advert with its own.
    public var lowerPriorityNoAdvert: Bool
    /// `higher_prio_send_advert`: a master sends one more advert before yielding to a higher one.
    public var higherPrioritySendAdvert: Bool
    /// `virtual_ipaddress`: listed in adverts, added as master.
    public var virtualAddresses: [IPAddress]
    /// `virtual_ipaddress_excluded`: added as master, not listed in adverts.
    public var excludedVirtualAddresses: [IPAddress]
    /// The interface's primary address (or `mcast_src_ip`/`unicast_src_ip`): the tie-breaker of
    /// RFC 5798 §6.4.3. Change it with `VRRPInstance.primaryAddressChanged`.
    public var primaryAddress: IPAddress
    /// `unicast_peer { … }` is configured.
    public var usesUnicastPeers: Bool
    public var gratuitous: VRRPGratuitousSettings
    /// `track_interface`, `track_script`, … with their weights.
    public var trackedObjects: [VRRPTrackedObject]

    public init(
        name: String, version: VRRPVersion = .v2, family: AddressFamily = .inet, virtualRouterID: UInt8,
        priority: UInt8 = 100, advertisementIntervalCentiseconds: UInt16 = 100,
        initialState: VRRPInitialState = .backup, preempt: Bool = true, preemptDelay: Duration = .zero,
        downTimerAdverts: UInt32 = 3, lowerPriorityNoAdvert: Bool = false, higherPrioritySendAdvert: Bool = false,
        virtualAddresses: [IPAddress], excludedVirtualAddresses: [IPAddress] = [], primaryAddress: IPAddress,
        usesUnicastPeers: Bool = false, gratuitous: VRRPGratuitousSettings = VRRPGratuitousSettings(),
        trackedObjects: [VRRPTrackedObject] = []
    ) {
        self.name = name
        self.version = version
        self.family = family
        self.virtualRouterID = virtualRouterID
        self.priority = priority
        self.advertisementIntervalCentiseconds = advertisementIntervalCentiseconds
        self.initialState = initialState
        self.preempt = preempt
        self.preemptDelay = preemptDelay
        self.downTimerAdverts = downTimerAdverts
        self.lowerPriorityNoAdvert = lowerPriorityNoAdvert
        self.higherPrioritySendAdvert = higherPrioritySendAdvert
        self.virtualAddresses = virtualAddresses
        self.excludedVirtualAddresses = excludedVirtualAddresses
        self.primaryAddress = primaryAddress
        self.usesUnicastPeers = usesUnicastPeers
        self.gratuitous = gratuitous
        self.trackedObjects = trackedObjects
    }

    /// RFC 5798 §6.1: priority 255 is reserved for the router that owns the addresses.
    public var isAddressOwner: Bool { priority == 255 }

    /// Every address the instance adds as master.
    public var allVirtualAddresses: [IPAddress] { virtualAddresses + excludedVirtualAddresses }

    /// keepalived's corrections that change the election (vrrp.c, instance completion):
    /// an owner and `state MASTER` clear `nopreempt`; `state MASTER` and `nopreempt` clear
    /// `preempt_delay`; an owner ignores weighted tracking; `down_timer_adverts` is at least 1.
    public func normalized() -> VRRPInstanceConfiguration {
        var copy = self
        if copy.isAddressOwner || copy.initialState == .master { copy.preempt = true }
        if copy.initialState == .master || !copy.preempt { copy.preemptDelay = .zero }
        if copy.isAddressOwner { copy.trackedObjects.removeAll { $0.weight != 0 } }
        copy.downTimerAdverts = max(1, copy.downTimerAdverts)
        return copy
    }
}

/// keepalived's `state` keyword.
public enum VRRPInitialState: String, Sendable, Hashable {
    case master = "MASTER"
    case backup = "BACKUP"
}

/// Gratuitous ARP (IPv4) / unsolicited neighbour advertisement (IPv6) settings of an instance.
public struct VRRPGratuitousSettings: Sendable, Hashable {
    /// `garp_master_delay` (default 5 s): the second burst after becoming master; zero: none.
    public var masterDelay: Duration
    /// `garp_master_repeat` (default 5): messages per address in each burst after becoming master.
    public var masterRepeat: Int
    /// `garp_master_refresh` (default 0 = off): period of refresh bursts while master.
    public var masterRefresh: Duration
    /// `garp_master_refresh_repeat` (default 1): messages per address in each refresh burst.
    public var masterRefreshRepeat: Int
    /// `garp_interval` (IPv4) or `gna_interval` (IPv6): spacing between messages; zero: none.
    public var spacing: Duration

    public init(
        masterDelay: Duration = .seconds(5), masterRepeat: Int = 5, masterRefresh: Duration = .zero,
        masterRefreshRepeat: Int = 1, spacing: Duration = .zero
    ) {
        self.masterDelay = masterDelay
        self.masterRepeat = masterRepeat
        self.masterRefresh = masterRefresh
        self.masterRefreshRepeat = masterRefreshRepeat
        self.spacing = spacing
    }
}

/// One tracked object of an instance (`track_interface`, `track_script`, `track_file`, …).
public struct VRRPTrackedObject: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case interface
        case script
        case other
    }

    /// The interface or script name; events name the object by it.
    public var name: String
    public var kind: Kind
    /// -253…253. Zero: the object going down puts the instance in FAULT.
    public var weight: Int
    /// `reverse`: the weight counts the other way round (and with weight 0, up means fault).
    public var reverse: Bool

    public init(name: String, kind: Kind, weight: Int = 0, reverse: Bool = false) {
        self.name = name
        self.kind = kind
        self.weight = weight
        self.reverse = reverse
    }

    /// What the object adds to the priority, as keepalived's vrrp_track.c computes it: a
    /// positive weight counts while up, a negative one while down; `reverse` negates it.
    public func priorityContribution(isUp: Bool) -> Int {
        let multiplier = reverse ? -1 : 1
        if isUp { return weight > 0 ? weight * multiplier : 0 }
        return weight < 0 ? weight * multiplier : 0
    }

    /// Whether this state of a weight-0 object puts the instance in FAULT (reverse: up does).
    public func causesFault(isUp: Bool) -> Bool { weight == 0 && isUp == reverse }
}
