import LVSCore

/// Where one sync thread sends or receives (ipvsadm(8) --start-daemon options, reference §1.7
/// and §7.1): the multicast interface, group, port and TTL, and which of the `sync_ports`
/// threads this socket belongs to.
public struct SyncTransportConfiguration: Sendable, Hashable {
    /// The kernel's default group, 224.0.0.81 (there is no IPv6 default).
    public static let defaultGroup = IPAddress(ipv4: 0xE000_0051)
    /// The kernel's default base port.
    public static let defaultPort: UInt16 = 8848
    /// `sync_ports` is at most 64 (reference §7.1).
    public static let maximumThreads = 64

    /// `--mcast-interface`: sent from and joined on this interface.
    public var interfaceName: String
    /// `--mcast-group`: an IPv4 or IPv6 multicast address.
    public var group: IPAddress
    /// `--mcast-port`: the port of thread 0.
    public var basePort: UInt16
    /// `--syncid`: the master stamps it, a non-zero backup takes only it (used by the codec).
    public var syncID: UInt8
    /// `--mcast-ttl`: the master's multicast TTL / hop limit, 1…255.
    public var ttl: UInt8
    /// Which sync thread this is, 0 ..< `sync_ports`; it uses port `basePort + threadIndex`.
    public var threadIndex: Int
    /// sysctl `sync_sock_size`: SO_SNDBUF (master) or SO_RCVBUF (backup) when set; the kernel
    /// doubles the value for its bookkeeping as it does for any socket.
    public var socketBufferSize: Int?

    public init(
        interfaceName: String, group: IPAddress = defaultGroup, basePort: UInt16 = defaultPort, syncID: UInt8 = 0,
        ttl: UInt8 = 1, threadIndex: Int = 0, socketBufferSize: Int? = nil
    ) {
        self.interfaceName = interfaceName
        self.group = group
        self.basePort = basePort
        self.syncID = syncID
        self.ttl = ttl
        self.threadIndex = threadIndex
        self.socketBufferSize = socketBufferSize
    }

    /// The UDP port of this thread: `basePort + threadIndex` (the kernel's port + id). Meaningful
    /// once `validate()` passed.
    public var port: UInt16 { UInt16(truncatingIfNeeded: Int(basePort) + threadIndex) }

    /// Throws `.invalidConfiguration` for an empty or over-long (more than 15 bytes) interface
    /// name, a group that is not multicast, port 0, TTL 0, a thread index outside 0..<64, a
    /// port past 65535, or a non-positive buffer size.
    public func validate() throws(SyncTransportError) {
        guard !interfaceName.isEmpty, interfaceName.utf8.count <= 15 else {
            throw .invalidConfiguration("interface name `\(interfaceName)' must be 1 to 15 bytes")
        }
        guard Self.isMulticast(group) else { throw .invalidConfiguration("\(group) is not a multicast group") }
        guard basePort != 0 else { throw .invalidConfiguration("port 0") }
        guard ttl != 0 else { throw .invalidConfiguration("ttl 0 (1…255)") }
        guard (0..<Self.maximumThreads).contains(threadIndex) else {
            throw .invalidConfiguration("thread index \(threadIndex) outside 0..<\(Self.maximumThreads)")
        }
        guard Int(basePort) + threadIndex <= Int(UInt16.max) else {
            throw .invalidConfiguration("port \(basePort) + thread \(threadIndex) exceeds 65535")
        }
        if let size = socketBufferSize, size <= 0 {
            throw .invalidConfiguration("socket buffer size \(size)")
        }
    }

    /// 224.0.0.0/4 or ff00::/8.
    static func isMulticast(_ address: IPAddress) -> Bool {
        switch address.family {
        case .inet: address.ipv4Value >> 28 == 0xE
        case .inet6: address.high >> 56 == 0xFF
        }
    }
}
