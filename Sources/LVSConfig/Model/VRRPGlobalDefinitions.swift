import LVSCore
import LVSVRRP

/// The VRRP items of `global_defs` (keepalived.conf(5)): defaults for every instance, which an
/// instance's own keyword overrides. Every nil field means "not given".
public struct VRRPGlobalDefinitions: Sendable, Hashable {
    /// `vrrp_version 2|3`; nil: 2.
    public var version: VRRPVersion?
    /// `vrrp_mcast_group4`; nil: 224.0.0.18 (RFC 3768 §5.2.2).
    public var multicastGroup4: IPAddress?
    /// `vrrp_mcast_group6`; nil: ff02::12 (RFC 5798 §5.1.2.2).
    public var multicastGroup6: IPAddress?
    /// `vrrp_garp_master_delay`, `vrrp_garp_master_repeat`, …
    public var gratuitousARP = VRRPGratuitousARPSettings()
    /// `vrrp_garp_interval S`: the gap between gratuitous ARPs on one interface.
    public var garpInterval: Duration?
    /// `vrrp_gna_interval S`: the gap between unsolicited neighbour advertisements.
    public var gnaInterval: Duration?
    /// `vrrp_min_garp [BOOL]`: one gratuitous ARP, no repeat, no delay, unless set otherwise.
    public var minimalGARP: Bool?
    /// `vrrp_garp_extra_if SECONDS [all]`.
    public var garpExtraInterface: VRRPExtraInterfaceGARP?
    public var lowerPriorityNoAdvert: Bool?
    public var higherPrioritySendAdvert: Bool?
    public var skipCheckAdvertisementAddresses: Bool?
    public var checkUnicastSource: Bool?
    /// `vrrp_strict [BOOL]`: enforce RFC 5798 (no authentication, no unicast, …).
    public var strict: Bool?
    /// `vrrp_down_timer_adverts 1..100`.
    public var downTimerAdverts: UInt8?
    /// `vrrp_priority -20..19`: the VRRP process's nice value.
    public var processPriority: Int8?
    /// `vrrp_no_swap`: lock the VRRP process in memory.
    public var noSwap: Bool = false
    /// `vrrp_rt_priority 1..99`: real-time scheduling priority.
    public var realtimePriority: UInt8?
    /// `vrrp_notify_fifo PATH`.
    public var notifyFifo: String?
    public var notifyFifoScript: ScriptCommand?
    /// `vrrp_startup_delay S`: wait before starting VRRP after boot.
    public var startupDelay: Duration?

    public init() {}
}

/// `vrrp_garp_extra_if SECONDS [all]`.
public struct VRRPExtraInterfaceGARP: Sendable, Hashable {
    public var interval: Duration
    /// `all`: on every interface, not only the VMAC's base.
    public var allInterfaces: Bool

    public init(interval: Duration, allInterfaces: Bool) {
        self.interval = interval
        self.allInterfaces = allInterfaces
    }
}
