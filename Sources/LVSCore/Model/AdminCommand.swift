/// The three runtime-settable protocol timeouts (`--set tcp tcpfin udp`, reference §4.5), seconds.
public struct TimeoutSettings: Sendable, Hashable, Codable {
    public var tcpEstablished: UInt32
    public var tcpFinWait: UInt32
    public var udp: UInt32

    public init(tcpEstablished: UInt32 = 900, tcpFinWait: UInt32 = 120, udp: UInt32 = 300) {
        self.tcpEstablished = tcpEstablished
        self.tcpFinWait = tcpFinWait
        self.udp = udp
    }

    public static let kernelDefaults = TimeoutSettings()
    /// ipvsadm's limit for each value (31 days).
    public static let maximum: UInt32 = 2_678_400
}

/// Role of a connection-synchronisation daemon (reference §7).
public enum SyncDaemonRole: String, Sendable, Hashable, Codable {
    case master
    case backup
}

/// Parameters of `--start-daemon` (reference §1.7).
public struct SyncDaemonConfig: Sendable, Hashable, Codable {
    public var role: SyncDaemonRole
    public var multicastInterface: String
    public var syncID: UInt8
    /// 0 = let the daemon derive it.
    public var maxLength: UInt16
    /// nil = the default group 224.0.0.81 (IPv4).
    public var multicastGroup: IPAddress?
    /// 0 = default 8848.
    public var multicastPort: UInt16
    /// 0 = default 1.
    public var multicastTTL: UInt8

    public init(
        role: SyncDaemonRole, multicastInterface: String = "eth0", syncID: UInt8 = 0, maxLength: UInt16 = 0,
        multicastGroup: IPAddress? = nil, multicastPort: UInt16 = 0, multicastTTL: UInt8 = 0
    ) {
        self.role = role
        self.multicastInterface = multicastInterface
        self.syncID = syncID
        self.maxLength = maxLength
        self.multicastGroup = multicastGroup
        self.multicastPort = multicastPort
        self.multicastTTL = multicastTTL
    }
}

/// Daemon-wide behaviour switches that the kernel exposes as sysctls (reference §4.11, §10),
/// with the kernel's defaults.
public struct DirectorSettings: Sendable, Hashable, Codable {
    /// Expire connections whose real server was removed (and reschedule a SYN to a weight-0 one).
    public var expireNodestConn: Bool = false
    /// Invalidate persistence templates that point at a weight-0 real server.
    public var expireQuiescentTemplate: Bool = false
    /// Port-reuse handling bitmap (1: TIME_WAIT/CLOSE reuse; 2: also FIN_WAIT on DR/TUN entries).
    public var connReuseMode: UInt8 = 1
    /// Any non-RST TCP segment may create a connection, not only SYN.
    public var sloppyTCP: Bool = false
    /// The defence strategies (`drop_entry`, `drop_packet`, `secure_tcp`, `amemthresh`,
    /// `am_droprate`, reference §4.12) and our own entry cap and rate limits.
    public var defences = DefenceSettings()
    /// Keep the rate estimator running.
    public var runEstimation: Bool = true

    public init() {}
}

/// One typed change to the director's configuration. Every change (from `lvsadm`, `-R` restore,
/// `--rules` at start or, later, a configuration reload) is one of these, applied as a
/// transaction (DESIGN.md §4).
public enum AdminCommand: Sendable, Hashable, Codable {
    case addService(VirtualServiceConfig)
    /// Replaces every parameter of the service (reference §1.4).
    case editService(VirtualServiceConfig)
    case deleteService(VirtualServiceID)
    /// `-C`: delete every virtual service.
    case clear
    case addRealServer(VirtualServiceID, RealServerConfig)
    /// Replaces every parameter of the real server (reference §1.5).
    case editRealServer(VirtualServiceID, RealServerConfig)
    case deleteRealServer(VirtualServiceID, RealServerKey)
    /// `-Z`: zero counters and rates of one service (and its real servers), or of everything.
    case zero(VirtualServiceID?)
    /// `--set tcp tcpfin udp`; a 0 keeps the current value.
    case setTimeouts(TimeoutSettings)
    case startDaemon(SyncDaemonConfig)
    case stopDaemon(SyncDaemonRole)
    case setDirectorSettings(DirectorSettings)
}

/// Why a command was refused. Each case stands for the errno the kernel would return, so that
/// `lvsadm` can print the exact ipvsadm message for the command that failed (reference §1.10).
public enum AdminError: Error, Sendable, Hashable, Codable {
    /// EEXIST
    case alreadyExists
    /// ESRCH
    case noSuchService
    /// ENOENT
    case notFound
    /// EINVAL, with our own explanation for logs.
    case invalidArgument(String)
    /// ERANGE
    case outOfRange
    /// EPERM
    case permissionDenied
    /// ENOMEM
    case noMemory
    /// EAFNOSUPPORT: a real server of another family than its service, but not tunnelled.
    case addressFamilyNotSupported
    /// EOPNOTSUPP: the running daemon cannot serve this (e.g. a forwarding method whose engine is off).
    case notSupported(String)

    /// ipvsadm's message for this error when `command` failed (reference §1.10).
    public func ipvsadmMessage(for command: AdminCommand) -> String {
        switch (self, command) {
        case (.alreadyExists, .addService): return "Service already exists"
        case (.notFound, .addService), (.notFound, .editService): return "Scheduler or persistence engine not found"
        case (.noSuchService, .editService), (.noSuchService, .deleteService), (.noSuchService, .zero):
            return "No such service"
        case (.noSuchService, .addRealServer), (.noSuchService, .editRealServer),
            (.noSuchService, .deleteRealServer):
            return "Service not defined"
        case (.alreadyExists, .addRealServer): return "Destination already exists"
        case (.notFound, .editRealServer), (.notFound, .deleteRealServer): return "No such destination"
        case (.alreadyExists, .startDaemon): return "Daemon has already run"
        case (.noSuchService, .stopDaemon): return "No daemon is running"
        case (.permissionDenied, _): return "Permission denied (you must be root)"
        case (.invalidArgument, _): return "Invalid operation.  Possibly wrong module version, address not unicast, ..."
        case (.noMemory, _): return "Memory allocation problem"
        case (.outOfRange, _): return "Numerical result out of range"
        case (.addressFamilyNotSupported, _): return "Operation not supported with specified address family"
        case (.notSupported(let why), _): return why
        case (.alreadyExists, _): return "File exists"
        case (.noSuchService, _): return "No such process"
        case (.notFound, _): return "No such file or directory"
        }
    }
}
