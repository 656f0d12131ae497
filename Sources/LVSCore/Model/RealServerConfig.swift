/// How packets reach a real server (reference §5; `proxy` is our own, DESIGN.md §1).
/// Raw values are the kernel's IP_VS_CONN_F_FWD_MASK values; `proxy` takes the next free one.
public enum ForwardingMethod: UInt8, Sendable, Hashable, Codable, CaseIterable {
    case masquerading = 0
    case localNode = 1
    case tunnelling = 2
    case directRouting = 3
    case bypass = 4
    /// Full proxy: the proxy engine terminates the client connection and opens its own.
    case proxy = 7

    /// The Forward column of `ipvsadm -L` (`Masq`, `Local`, `Tunnel`, `Route`, `Proxy`).
    public var displayName: String {
        switch self {
        case .masquerading: return "Masq"
        case .localNode: return "Local"
        case .tunnelling: return "Tunnel"
        case .directRouting: return "Route"
        case .bypass: return "Bypass"
        case .proxy: return "Proxy"
        }
    }

    /// The `-S` option that recreates this method (`-m`, `-g`, `-i`, `--proxy`).
    public var saveOption: String {
        switch self {
        case .masquerading: return "-m"
        case .localNode, .directRouting, .bypass: return "-g"
        case .tunnelling: return "-i"
        case .proxy: return "--proxy"
        }
    }
}

/// Tunnel encapsulation for `-i` (`--tun-type`).
public enum TunnelType: UInt8, Sendable, Hashable, Codable, CaseIterable {
    case ipip = 0
    case gue = 1
    case gre = 2

    public var name: String {
        switch self {
        case .ipip: return "ipip"
        case .gue: return "gue"
        case .gre: return "gre"
        }
    }
}

/// Tunnel checksum option (`--tun-nocsum`, `--tun-csum`, `--tun-remcsum`).
public enum TunnelChecksum: UInt8, Sendable, Hashable, Codable, CaseIterable {
    case none = 0
    case checksum = 1
    case remoteChecksum = 2

    /// `-c`, `+c`, `r+c` as in `--tun-info` output.
    public var shortText: String {
        switch self {
        case .none: return "-c"
        case .checksum: return "+c"
        case .remoteChecksum: return "r+c"
        }
    }

    /// The `-S` option.
    public var option: String {
        switch self {
        case .none: return "--tun-nocsum"
        case .checksum: return "--tun-csum"
        case .remoteChecksum: return "--tun-remcsum"
        }
    }
}

/// The PROXY protocol header the proxy engine sends to a real server before the client's bytes
/// (HAProxy's published specification), so the real server learns the client's address.
public enum ProxyProtocolVersion: UInt8, Sendable, Hashable, Codable, CaseIterable {
    case none = 0
    case v1 = 1
    case v2 = 2

    /// `v1`, `v2` as `--proxy-protocol` takes and `-S` prints them.
    public var name: String {
        switch self {
        case .none: return "none"
        case .v1: return "v1"
        case .v2: return "v2"
        }
    }
}

/// Everything `-a`/`-e` set on a real server (reference §1.5). `-e` sends a complete record.
public struct RealServerConfig: Sendable, Hashable, Codable {
    public var address: IPAddress
    public var port: UInt16
    public var forwarding: ForwardingMethod
    /// 0...65535; 0 quiesces the real server.
    public var weight: Int32
    /// Upper connection threshold, 0 = none.
    public var upperThreshold: UInt32
    /// Lower connection threshold, 0 = three quarters of the upper one.
    public var lowerThreshold: UInt32
    public var tunnelType: TunnelType
    public var tunnelPort: UInt16
    public var tunnelChecksum: TunnelChecksum
    /// Proxy method only: a PROXY protocol header towards the real server (`--proxy-protocol`).
    public var proxyProtocol: ProxyProtocolVersion
    /// Proxy method only: connect to the real server from the client's own address
    /// (IP_TRANSPARENT; needs CAP_NET_ADMIN and routing that brings replies back; `--transparent`).
    public var transparentSource: Bool

    public init(
        address: IPAddress,
        port: UInt16,
        forwarding: ForwardingMethod = .directRouting,
        weight: Int32 = 1,
        upperThreshold: UInt32 = 0,
        lowerThreshold: UInt32 = 0,
        tunnelType: TunnelType = .ipip,
        tunnelPort: UInt16 = 0,
        tunnelChecksum: TunnelChecksum = .none,
        proxyProtocol: ProxyProtocolVersion = .none,
        transparentSource: Bool = false
    ) {
        self.address = address
        self.port = port
        self.forwarding = forwarding
        self.weight = weight
        self.upperThreshold = upperThreshold
        self.lowerThreshold = lowerThreshold
        self.tunnelType = tunnelType
        self.tunnelPort = tunnelPort
        self.tunnelChecksum = tunnelChecksum
        self.proxyProtocol = proxyProtocol
        self.transparentSource = transparentSource
    }

    public var key: RealServerKey { RealServerKey(address: address, port: port) }
}

/// Identity of a real server within its virtual service: address and port.
public struct RealServerKey: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// Sorted by (address, port) as ipvsadm sorts dests (reference §2.7).
    public static func < (lhs: RealServerKey, rhs: RealServerKey) -> Bool {
        if lhs.address != rhs.address { return lhs.address < rhs.address }
        return lhs.port < rhs.port
    }

    public var description: String { "\(address.bracketedIfIPv6):\(port)" }
}
