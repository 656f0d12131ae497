import LVSCore
import LVSVRRP

/// `vrrp_instance NAME { … }` (keepalived.conf(5), reference §8.6): one virtual router as written.
///
/// Every value that was not written stays `nil` (or empty), so the VRRP daemon can tell "not
/// given" from "given as the default" and apply keepalived's defaults and the `global_defs`
/// ones; `VRRPInstanceDefinition+Effective.swift` computes what keepalived would use.
public struct VRRPInstanceDefinition: Sendable, Hashable {
    public var name: String
    public var location: ConfigurationLocation
    /// `state MASTER|BACKUP`; nil: derived from the priority (255 → MASTER).
    public var initialState: VRRPInitialState?
    /// `interface IF`: where advertisements go and where addresses are added by default.
    public var interface: String?
    /// `virtual_router_id 1..255` (required).
    public var virtualRouterID: UInt8?
    /// `priority 1..255`; nil: 255 with `state MASTER`, else 100.
    public var priority: UInt8?
    /// `advert_int` as written (0.01…255 s); rounded per version by `effectiveAdvertisementInterval`.
    public var advertisementInterval: Duration?
    /// `version 2|3`; nil: global `vrrp_version`, else 2 (3 for IPv6).
    public var version: VRRPVersion?
    /// `nopreempt` (true) or `preempt` (false); nil: preempt.
    public var noPreempt: Bool?
    /// `preempt_delay 0..1000` seconds.
    public var preemptDelay: Duration?
    /// `mcast_src_ip` / `unicast_src_ip`: the source of advertisements.
    public var sourceAddress: IPAddress?
    /// `mcast_dst_ip`: the multicast group; nil: the global `vrrp_mcast_group4/6`, else 224.0.0.18 / ff02::12.
    public var multicastDestination: IPAddress?
    /// `unicast_peer { … }`: advertisements go to each peer by unicast instead of multicast.
    public var unicastPeers: [VRRPUnicastPeerDefinition] = []
    /// `unicast_ttl 0..255`.
    public var unicastTTL: UInt8?
    /// `authentication { … }` (VRRPv2 only).
    public var authentication: VRRPAuthenticationSettings?
    /// `virtual_ipaddress { … }`: the addresses advertised and held by the master.
    public var virtualAddresses: [VRRPVirtualAddress] = []
    /// `virtual_ipaddress_excluded { … }`: held by the master but not advertised.
    public var excludedVirtualAddresses: [VRRPVirtualAddress] = []
    public var trackedInterfaces: [VRRPTrackedInterface] = []
    public var trackedScripts: [VRRPTrackedScript] = []
    /// The `garp_*` keywords; nil fields take the global `vrrp_garp_*` values.
    public var gratuitousARP = VRRPGratuitousARPSettings()
    public var lowerPriorityNoAdvert: Bool?
    public var higherPrioritySendAdvert: Bool?
    public var skipCheckAdvertisementAddresses: Bool?
    /// `check_unicast_src`: accept unicast advertisements only from the listed peers.
    public var checkUnicastSource: Bool = false
    /// `use_vmac [NAME] [MAC]`.
    public var virtualMAC: VRRPVirtualMAC?
    /// `vmac_xmit_base`: send advertisements from the base interface, not the VMAC.
    public var virtualMACTransmitBase: Bool = false
    /// `accept` (true) or `no_accept` (false); nil: keepalived's default (on unless strict).
    public var acceptMode: Bool?
    /// `dont_track_primary`: the instance's own interface going down does not mean FAULT.
    public var dontTrackPrimary: Bool = false
    public var notify = VRRPNotifyScripts()
    public var smtpAlert: Bool?
    /// `debug 0..4`.
    public var debugLevel: UInt8?
    /// `down_timer_adverts 1..100`; nil: global, else 3 (RFC 5798 §6.1 "3 × Master_Adver_Interval").
    public var downTimerAdverts: UInt8?
    /// `strict_mode [BOOL]`; nil: global `vrrp_strict`.
    public var strictMode: Bool?
    /// `v3_checksum_as_v2 [BOOL]`: a v3 IPv4 checksum without the pseudo-header (old keepalived).
    public var v3ChecksumAsV2: Bool?
    /// `old_unicast_checksum [never]`.
    public var oldUnicastChecksum: VRRPOldUnicastChecksum?
    /// `kernel_rx_buf_size BYTES`.
    public var kernelReceiveBufferSize: UInt32?

    public init(name: String, location: ConfigurationLocation) {
        self.name = name
        self.location = location
    }
}

/// `old_unicast_checksum [never]`.
public enum VRRPOldUnicastChecksum: Sendable, Hashable {
    /// Bare: send and accept the checksum of keepalived ≤ 1.3.6 for unicast.
    case use
    /// `never`: never fall back to it.
    case never
}

/// `authentication { auth_type PASS|AH; auth_pass STR }` (VRRPv2 only; RFC 2338 §5.3.6).
public struct VRRPAuthenticationSettings: Sendable, Hashable {
    public var type: VRRPAuthenticationType?
    /// At most 8 bytes: keepalived uses only the first 8 (the size of the v2 field).
    public var password: [UInt8]?

    public init(type: VRRPAuthenticationType? = nil, password: [UInt8]? = nil) {
        self.type = type
        self.password = password
    }

    public static let maximumPasswordLength = 8
}

/// `auth_type PASS|AH`.
public enum VRRPAuthenticationType: String, Sendable, Hashable {
    /// Simple text password (type 1).
    case password = "PASS"
    /// IPsec AH (type 2).
    case ipsecAH = "AH"
}

/// `use_vmac [NAME] [MAC]`: a macvlan interface with the virtual MAC 00-00-5E-00-01-VRID.
public struct VRRPVirtualMAC: Sendable, Hashable {
    /// The macvlan's name; nil: keepalived's `vrrp.VRID`.
    public var interfaceName: String?
    /// A MAC to use instead: 6 bytes, or 5 bytes to which the VRID is appended.
    public var address: [UInt8]?

    public init(interfaceName: String? = nil, address: [UInt8]? = nil) {
        self.interfaceName = interfaceName
        self.address = address
    }
}

/// The notify scripts of an instance or a sync group (`<SCRIPT> [user [group]]` each).
public struct VRRPNotifyScripts: Sendable, Hashable {
    public var master: ScriptCommand?
    public var backup: ScriptCommand?
    public var fault: ScriptCommand?
    public var stop: ScriptCommand?
    /// `notify`: run on every change with `INSTANCE|GROUP NAME STATE PRIORITY` appended.
    public var any: ScriptCommand?
    /// `notify_master_rx_lower_pri`: run when the master receives an advertisement of lower priority.
    public var masterReceivedLowerPriority: ScriptCommand?

    public init() {}
}

/// The gratuitous ARP / unsolicited NA settings, per instance (`garp_*`) or global (`vrrp_garp_*`).
public struct VRRPGratuitousARPSettings: Sendable, Hashable {
    /// `garp_master_delay S`: the second burst after becoming master (keepalived default 5 s).
    public var masterDelay: Duration?
    /// `garp_master_repeat N`: messages per burst (default 5).
    public var masterRepeat: UInt32?
    /// `garp_master_refresh S`: repeat while master (default 0: never).
    public var masterRefresh: Duration?
    /// `garp_master_refresh_repeat N` (default 1).
    public var masterRefreshRepeat: UInt32?
    /// `garp_lower_prio_delay S`: after an advertisement of lower priority.
    public var lowerPriorityDelay: Duration?
    /// `garp_lower_prio_repeat N`.
    public var lowerPriorityRepeat: UInt32?

    public init() {}
}
