/// The Linux capabilities lvsd may keep after start-up (capabilities(7); numbers from
/// linux/capability.h), named as `setpriv`, `capsh` and systemd's `CapabilityBoundingSet=`
/// write them without the `cap_` prefix.
public enum Capability: Int, CaseIterable, Sendable, Hashable, Comparable, CustomStringConvertible {
    case kill = 5
    case setgid = 6
    case setuid = 7
    case netBindService = 10
    case netAdmin = 12
    case netRaw = 13
    case sysAdmin = 21
    case bpf = 39

    /// `net_admin`, `net_raw`, …
    public var description: String {
        switch self {
        case .kill: return "kill"
        case .setgid: return "setgid"
        case .setuid: return "setuid"
        case .netBindService: return "net_bind_service"
        case .netAdmin: return "net_admin"
        case .netRaw: return "net_raw"
        case .sysAdmin: return "sys_admin"
        case .bpf: return "bpf"
        }
    }

    /// The capability a name stands for (`net_admin` or `cap_net_admin`, any case).
    public init?(name: String) {
        var lowered = name.lowercased()
        if lowered.hasPrefix("cap_") { lowered.removeFirst(4) }
        guard let found = Self.allCases.first(where: { $0.description == lowered }) else { return nil }
        self = found
    }

    /// The bit of the capability in a 64-bit set (capget(2), _LINUX_CAPABILITY_VERSION_3).
    public var bit: UInt64 { 1 << UInt64(rawValue) }

    public static func < (lhs: Capability, rhs: Capability) -> Bool { lhs.rawValue < rhs.rawValue }
}
