import LVSCore

/// One line of `virtual_ipaddress` / `virtual_ipaddress_excluded`:
/// `ADDR[/LEN] [brd ADDR|+|-] [dev IF] [scope SCOPE] [label LABEL] [no_track]` (keepalived.conf(5)).
public struct VRRPVirtualAddress: Sendable, Hashable {
    public var address: IPAddress
    /// Default 32 (IPv4) or 128 (IPv6), as `ip address add` without a prefix.
    public var prefixLength: UInt8
    /// IPv4 only.
    public var broadcast: VRRPBroadcast?
    /// `dev IF`; nil: the instance's interface.
    public var device: String?
    /// IPv4 only; nil: global.
    public var scope: VRRPAddressScope?
    /// IPv4 only: an ifconfig-style alias name such as `eth0:1`.
    public var label: String?
    /// `no_track`: the address's interface going down does not put the instance in FAULT.
    public var noTrack: Bool = false

    public init(address: IPAddress, prefixLength: UInt8? = nil) {
        self.address = address
        self.prefixLength = prefixLength ?? (address.family == .inet ? 32 : 128)
    }
}

/// `brd ADDR`, `brd +` (host part all ones), `brd -` (host part all zeros).
public enum VRRPBroadcast: Sendable, Hashable {
    case address(IPAddress)
    case allOnes
    case allZeros
}

/// `scope global|site|link|host|nowhere|0..255` (the rt_scopes of ip-address(8)).
public enum VRRPAddressScope: Sendable, Hashable {
    case global
    case site
    case link
    case host
    case nowhere
    case number(UInt8)

    /// The kernel's `RT_SCOPE_*` value.
    public var value: UInt8 {
        switch self {
        case .global: return 0
        case .site: return 200
        case .link: return 253
        case .host: return 254
        case .nowhere: return 255
        case .number(let n): return n
        }
    }
}

/// One line of `unicast_peer { ADDR [min_ttl N] [max_ttl N] }`.
public struct VRRPUnicastPeerDefinition: Sendable, Hashable {
    public var address: IPAddress
    /// Advertisements from this peer with a lower TTL / hop limit are dropped (default 0).
    public var minimumTTL: UInt8?
    /// … or a higher one (default 255).
    public var maximumTTL: UInt8?

    public init(address: IPAddress, minimumTTL: UInt8? = nil, maximumTTL: UInt8? = nil) {
        self.address = address
        self.minimumTTL = minimumTTL
        self.maximumTTL = maximumTTL
    }
}

/// One line of `track_interface { IF [weight -253..253 [reverse]] }`.
public struct VRRPTrackedInterface: Sendable, Hashable {
    public var name: String
    /// nil or 0: the interface going down puts the instance in FAULT; otherwise the weight is
    /// added to the priority while up (positive) or while down (negative).
    public var weight: Int16?
    public var reverse: Bool = false

    public init(name: String, weight: Int16? = nil, reverse: Bool = false) {
        self.name = name
        self.weight = weight
        self.reverse = reverse
    }
}

/// One line of `track_script { NAME [weight -253..253 [reverse|noreverse]] }`.
public struct VRRPTrackedScript: Sendable, Hashable {
    /// The `vrrp_script` it names.
    public var name: String
    /// nil: the script's own `weight`.
    public var weight: Int16?
    /// nil: the script's own `reverse`.
    public var reverse: Bool?

    public init(name: String, weight: Int16? = nil, reverse: Bool? = nil) {
        self.name = name
        self.weight = weight
        self.reverse = reverse
    }
}
