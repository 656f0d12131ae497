/// Read-only pictures of the director's state, taken by the daemon and sent over the control
/// socket; `lvsadm` formats them (ipvsadm's text or `--json`). They are plain Codable values so
/// the formatter needs nothing but them.

/// The five 64-bit counters IPVS keeps per real server, per service and globally (reference §4.13).
public struct StatsCounters: Sendable, Hashable, Codable {
    public var connections: UInt64 = 0
    public var inPackets: UInt64 = 0
    public var outPackets: UInt64 = 0
    public var inBytes: UInt64 = 0
    public var outBytes: UInt64 = 0

    public init(
        connections: UInt64 = 0, inPackets: UInt64 = 0, outPackets: UInt64 = 0, inBytes: UInt64 = 0,
        outBytes: UInt64 = 0
    ) {
        self.connections = connections
        self.inPackets = inPackets
        self.outPackets = outPackets
        self.inBytes = inBytes
        self.outBytes = outBytes
    }
}

/// The estimator's rates (reference §4.13): connections, packets and bytes per second.
public struct RateValues: Sendable, Hashable, Codable {
    public var connectionsPerSecond: UInt64 = 0
    public var inPacketsPerSecond: UInt64 = 0
    public var outPacketsPerSecond: UInt64 = 0
    public var inBytesPerSecond: UInt64 = 0
    public var outBytesPerSecond: UInt64 = 0

    public init(
        connectionsPerSecond: UInt64 = 0, inPacketsPerSecond: UInt64 = 0, outPacketsPerSecond: UInt64 = 0,
        inBytesPerSecond: UInt64 = 0, outBytesPerSecond: UInt64 = 0
    ) {
        self.connectionsPerSecond = connectionsPerSecond
        self.inPacketsPerSecond = inPacketsPerSecond
        self.outPacketsPerSecond = outPacketsPerSecond
        self.inBytesPerSecond = inBytesPerSecond
        self.outBytesPerSecond = outBytesPerSecond
    }
}

public struct RealServerSnapshot: Sendable, Hashable, Codable {
    public var config: RealServerConfig
    public var activeConnections: UInt32
    public var inactiveConnections: UInt32
    /// Persistence templates bound to this real server.
    public var persistentConnections: UInt32
    public var overloaded: Bool
    public var stats: StatsCounters
    public var rates: RateValues

    public init(
        config: RealServerConfig, activeConnections: UInt32 = 0, inactiveConnections: UInt32 = 0,
        persistentConnections: UInt32 = 0, overloaded: Bool = false, stats: StatsCounters = StatsCounters(),
        rates: RateValues = RateValues()
    ) {
        self.config = config
        self.activeConnections = activeConnections
        self.inactiveConnections = inactiveConnections
        self.persistentConnections = persistentConnections
        self.overloaded = overloaded
        self.stats = stats
        self.rates = rates
    }
}

public struct VirtualServiceSnapshot: Sendable, Hashable, Codable {
    public var config: VirtualServiceConfig
    /// Real servers in the service's list order (newest first, reference §3.0).
    public var realServers: [RealServerSnapshot]
    public var stats: StatsCounters
    public var rates: RateValues

    public init(
        config: VirtualServiceConfig, realServers: [RealServerSnapshot] = [], stats: StatsCounters = StatsCounters(),
        rates: RateValues = RateValues()
    ) {
        self.config = config
        self.realServers = realServers
        self.stats = stats
        self.rates = rates
    }
}

/// The whole table: what `ipvsadm -L` and `-S` print from.
public struct TableSnapshot: Sendable, Hashable, Codable {
    /// The `size=` of `IP Virtual Server version 1.2.1 (size=4096)`.
    public var connectionTableSize: UInt32
    /// Services in the daemon's own order (creation order); the formatter sorts unless `--nosort`.
    public var services: [VirtualServiceSnapshot]
    public var globalStats: StatsCounters
    public var globalRates: RateValues

    public init(
        connectionTableSize: UInt32 = 4096, services: [VirtualServiceSnapshot] = [],
        globalStats: StatsCounters = StatsCounters(), globalRates: RateValues = RateValues()
    ) {
        self.connectionTableSize = connectionTableSize
        self.services = services
        self.globalStats = globalStats
        self.globalRates = globalRates
    }
}

/// One connection entry as `ipvsadm -L -c` shows it (reference §2.4).
public struct ConnectionSnapshot: Sendable, Hashable, Codable {
    /// `.ip` for firewall-mark persistence templates.
    public var protocolNumber: IPProtocolNumber
    public var clientAddress: IPAddress
    public var clientPort: UInt16
    /// For firewall-mark templates: the mark shown as an IPv4 address (mark 1 → 0.0.0.1).
    public var virtualAddress: IPAddress
    public var virtualPort: UInt16
    public var destinationAddress: IPAddress
    public var destinationPort: UInt16
    /// `ESTABLISHED`, `UDP`, `ASSURED`, `NONE`, …
    public var stateName: String
    /// Whole seconds until expiry, rounded down.
    public var expiresInSeconds: UInt32
    public var isTemplate: Bool
    /// Created from a sync record on a backup (the kernel's SYNC flag, reference §7.5); not
    /// shown by `ipvsadm -L -c`.
    public var isSynced: Bool
    public var persistenceEngineName: String?
    public var persistenceEngineData: String?

    public init(
        protocolNumber: IPProtocolNumber, clientAddress: IPAddress, clientPort: UInt16, virtualAddress: IPAddress,
        virtualPort: UInt16, destinationAddress: IPAddress, destinationPort: UInt16, stateName: String,
        expiresInSeconds: UInt32, isTemplate: Bool = false, isSynced: Bool = false,
        persistenceEngineName: String? = nil, persistenceEngineData: String? = nil
    ) {
        self.protocolNumber = protocolNumber
        self.clientAddress = clientAddress
        self.clientPort = clientPort
        self.virtualAddress = virtualAddress
        self.virtualPort = virtualPort
        self.destinationAddress = destinationAddress
        self.destinationPort = destinationPort
        self.stateName = stateName
        self.expiresInSeconds = expiresInSeconds
        self.isTemplate = isTemplate
        self.isSynced = isSynced
        self.persistenceEngineName = persistenceEngineName
        self.persistenceEngineData = persistenceEngineData
    }
}

/// `ipvsadm -L --daemon` lines come from these.
public struct SyncDaemonSnapshot: Sendable, Hashable, Codable {
    public var config: SyncDaemonConfig
    public init(config: SyncDaemonConfig) { self.config = config }
}
