import LVSCore

/// How a `virtual_server` names its service(s) (reference §8.3).
public enum VirtualServerAddress: Sendable, Hashable, CustomStringConvertible {
    /// `virtual_server <IP> [<PORT>]`
    case endpoint(IPAddress, port: UInt16)
    /// `virtual_server fwmark <INT>`
    case firewallMark(UInt32)
    /// `virtual_server group <NAME>`
    case group(String)

    public var description: String {
        switch self {
        case .endpoint(let address, let port): return "\(address) \(port)"
        case .firewallMark(let mark): return "fwmark \(mark)"
        case .group(let name): return "group \(name)"
        }
    }
}

/// `lb_kind`/`lvs_method`: the forwarding method and, for TUN, its encapsulation.
public struct ForwardingSpecification: Sendable, Hashable {
    public var method: ForwardingMethod
    public var tunnelType: TunnelType
    public var tunnelPort: UInt16
    public var tunnelChecksum: TunnelChecksum

    public init(
        method: ForwardingMethod, tunnelType: TunnelType = .ipip, tunnelPort: UInt16 = 0,
        tunnelChecksum: TunnelChecksum = .none
    ) {
        self.method = method
        self.tunnelType = tunnelType
        self.tunnelPort = tunnelPort
        self.tunnelChecksum = tunnelChecksum
    }

    /// keepalived's default when `lb_kind` is omitted (reference §8.3, §12.3).
    public static let keepalivedDefault = ForwardingSpecification(method: .masquerading)
}

/// Checker timing parameters that may be written on a virtual server, a real server or a
/// checker; a lower level inherits what it does not set (reference §8.3).
public struct CheckerParameters: Sendable, Hashable {
    public var delayLoop: Duration?
    public var connectTimeout: Duration?
    /// `retry` (or the older `nb_get_retry`).
    public var retry: UInt32?
    public var delayBeforeRetry: Duration?
    public var warmup: Duration?
    /// Start considering the real server down until a check succeeds.
    public var alpha: Bool?

    public init() {}
}

/// `sorry_server <IP> [<PORT>]`: the real server used while quorum is lost.
public struct SorryServer: Sendable, Hashable {
    public var address: IPAddress
    /// nil: the virtual service's port.
    public var port: UInt16?
    /// `sorry_server_lvs_method`; nil: the virtual server's method.
    public var forwarding: ForwardingSpecification?

    public init(address: IPAddress, port: UInt16? = nil, forwarding: ForwardingSpecification? = nil) {
        self.address = address
        self.port = port
        self.forwarding = forwarding
    }
}

/// One `virtual_server` block (reference §8.3). Optional fields were not written.
public struct VirtualServer: Sendable, Hashable {
    public var location: ConfigurationLocation
    public var address: VirtualServerAddress
    /// `lb_algo`/`lvs_sched`; nil: `wlc`.
    public var scheduler: String?
    public var schedulerFlags: SchedulerFlags = []
    /// `hashed`: accepted for compatibility; the kernel sets this flag itself.
    public var hashed: Bool = false
    /// `lb_kind`/`lvs_method`; nil: NAT.
    public var forwarding: ForwardingSpecification?
    /// `persistence_timeout`; nil: not persistent.
    public var persistenceTimeout: UInt32?
    public var persistenceGranularity: PersistenceNetmask?
    public var persistenceEngine: String?
    /// nil: UDP, keepalived's default (reference §12.19). Ignored for fwmark services.
    public var protocolNumber: IPProtocolNumber?
    /// `ops`: one-packet scheduling.
    public var onePacketScheduling: Bool = false
    /// `ip_family` of a fwmark service.
    public var ipFamily: AddressFamily?
    public var checkerParameters = CheckerParameters()
    public var virtualhost: String?
    public var omega: Bool = false
    /// nil: 1.
    public var quorum: UInt32?
    /// nil: 0.
    public var hysteresis: UInt32?
    public var quorumUp: ScriptCommand?
    public var quorumDown: ScriptCommand?
    public var sorryServer: SorryServer?
    public var sorryServerInhibit: Bool = false
    public var haSuspend: Bool = false
    /// Default for the real servers' `inhibit_on_failure`.
    public var inhibitOnFailure: Bool = false
    /// Default weight of the real servers; nil: 1.
    public var weight: Int32?
    /// Our extension: default PROXY protocol header of the real servers (lb_kind PROXY only).
    public var proxyProtocol: ProxyProtocolVersion?
    /// Our extension: default transparent client source of the real servers (lb_kind PROXY only).
    public var transparentSource: Bool = false
    public var smtpAlert: Bool?
    public var realServers: [RealServer] = []
    /// The `content_switch { … }` block of a proxied TCP service, kept as written: the daemon
    /// compiles it into rules and groups (docs/configuration.md "Content switching").
    public var contentSwitch: ConfigurationNode?

    public init(location: ConfigurationLocation, address: VirtualServerAddress) {
        self.location = location
        self.address = address
    }
}

/// One `real_server` block (reference §8.4).
public struct RealServer: Sendable, Hashable {
    public var location: ConfigurationLocation
    public var address: IPAddress
    /// nil: the virtual service's port.
    public var port: UInt16?
    /// nil: the virtual server's `weight`, else 1.
    public var weight: Int32?
    /// nil: the virtual server's method.
    public var forwarding: ForwardingSpecification?
    public var upperThreshold: UInt32?
    public var lowerThreshold: UInt32?
    /// nil: the virtual server's setting.
    public var inhibitOnFailure: Bool?
    public var notifyUp: ScriptCommand?
    public var notifyDown: ScriptCommand?
    public var checkerParameters = CheckerParameters()
    public var virtualhost: String?
    public var smtpAlert: Bool?
    /// Our extension; nil: the virtual server's.
    public var proxyProtocol: ProxyProtocolVersion?
    /// Our extension; nil: the virtual server's.
    public var transparentSource: Bool?
    public var checkers: [HealthChecker] = []

    public init(location: ConfigurationLocation, address: IPAddress, port: UInt16? = nil) {
        self.location = location
        self.address = address
        self.port = port
    }
}
