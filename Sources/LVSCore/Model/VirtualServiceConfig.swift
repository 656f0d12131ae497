/// Scheduler flag bits of a virtual service (`-b`, reference §1.4): SCHED1..3 = 0x08, 0x10, 0x20.
/// Their names depend on the scheduler (`sh-fallback`, `mh-port`, `flag-3`, …).
public struct SchedulerFlags: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let flag1 = SchedulerFlags(rawValue: 0x08)
    public static let flag2 = SchedulerFlags(rawValue: 0x10)
    public static let flag3 = SchedulerFlags(rawValue: 0x20)

    /// `sh-fallback` / `mh-fallback`.
    public static let fallback = flag1
    /// `sh-port` / `mh-port`.
    public static let port = flag2

    /// The flag names ipvsadm prints and accepts for `scheduler`, in bit order.
    public func names(forScheduler scheduler: String) -> [String] {
        var names: [String] = []
        let prefix: String? = scheduler == "sh" ? "sh" : (scheduler == "mh" ? "mh" : nil)
        if contains(.flag1) { names.append(prefix.map { "\($0)-fallback" } ?? "flag-1") }
        if contains(.flag2) { names.append(prefix.map { "\($0)-port" } ?? "flag-2") }
        if contains(.flag3) { names.append("flag-3") }
        return names
    }
}

/// The persistence netmask (`-M`): an arbitrary IPv4 mask (ipvsadm does not insist on contiguous
/// masks) or an IPv6 prefix length.
public enum PersistenceNetmask: Sendable, Hashable, Codable {
    case ipv4(mask: UInt32)
    case ipv6(prefixLength: UInt8)

    public static func defaultFor(_ family: AddressFamily) -> PersistenceNetmask {
        family == .inet ? .ipv4(mask: 0xFFFF_FFFF) : .ipv6(prefixLength: 128)
    }

    public var isDefault: Bool {
        switch self {
        case .ipv4(let mask): return mask == 0xFFFF_FFFF
        case .ipv6(let plen): return plen == 128
        }
    }

    /// The client network a persistence template is keyed on (reference §4.7 step 1).
    public func apply(to address: IPAddress) -> IPAddress {
        switch (self, address.family) {
        case (.ipv4(let mask), .inet): return address.masked(ipv4Mask: mask)
        case (.ipv6(let plen), .inet6): return address.masked(prefixLength: Int(plen))
        case (.ipv4, .inet6), (.ipv6, .inet): return address
        }
    }

    /// `255.255.255.0` or `64`: the text ipvsadm prints after `mask` / `-M`.
    public var text: String {
        switch self {
        case .ipv4(let mask): return IPAddress(ipv4: mask).description
        case .ipv6(let plen): return String(plen)
        }
    }
}

/// Everything `-A`/`-E` set on a virtual service (reference §1.4). `-E` replaces all of it.
public struct VirtualServiceConfig: Sendable, Hashable, Codable {
    public var id: VirtualServiceID
    /// Scheduler name (`rr`, `wlc`, …, or `none`). Default `wlc`.
    public var scheduler: String
    public var schedulerFlags: SchedulerFlags
    /// Persistence timeout in seconds, or nil when not persistent.
    public var persistenceTimeout: UInt32?
    public var netmask: PersistenceNetmask
    /// One-packet scheduling (`-o`).
    public var onePacketScheduling: Bool
    /// Persistence engine (`--pe`); only `sip` exists.
    public var persistenceEngine: String?

    public static let defaultScheduler = "wlc"
    /// ipvsadm 1.31's default when `-p` has no value (reference §12.1).
    public static let defaultPersistenceTimeout: UInt32 = 360
    public static let maximumPersistenceTimeout: UInt32 = 2_678_400

    public init(
        id: VirtualServiceID,
        scheduler: String = VirtualServiceConfig.defaultScheduler,
        schedulerFlags: SchedulerFlags = [],
        persistenceTimeout: UInt32? = nil,
        netmask: PersistenceNetmask? = nil,
        onePacketScheduling: Bool = false,
        persistenceEngine: String? = nil
    ) {
        self.id = id
        self.scheduler = scheduler
        self.schedulerFlags = schedulerFlags
        self.persistenceTimeout = persistenceTimeout
        self.netmask = netmask ?? .defaultFor(id.family)
        self.onePacketScheduling = onePacketScheduling
        self.persistenceEngine = persistenceEngine
    }

    public var isPersistent: Bool { persistenceTimeout != nil }

    /// The persistence engine that keys this service's templates (reference §4.14): the
    /// configured one when the service is persistent (an engine matters only to templates).
    public var activePersistenceEngine: PersistenceEngine? {
        isPersistent ? PersistenceEngine(name: persistenceEngine) : nil
    }
}
