/// The director: every virtual service, real server and connection entry, and the admin
/// commands that change them (DESIGN.md §4).
///
/// Contract: one owner mutates a `Director` (the daemon's state thread); it is not thread-safe.
/// Every change arrives as an `AdminCommand`; `apply(batch:now:)` is all or nothing because each
/// command is first validated on a copy of the value-typed `ConfigurationModel`, and only a batch
/// that passed whole is applied to the live objects, where nothing can fail any more.
public final class Director {
    /// The configuration as values (what `-S` saves).
    public private(set) var configuration: ConfigurationModel
    /// Live services by identity.
    public private(set) var services: [VirtualServiceID: VirtualServiceState] = [:]
    /// Real servers deleted while connection entries still referenced them (reference §4.11):
    /// re-adding the same address:port to the same service revives the same object.
    var trash: [TrashKey: RealServer] = [:]
    public internal(set) var globalStats = StatsCounters()
    public internal(set) var globalEstimator = RateEstimator()
    /// The `size=` ipvsadm shows (the kernel's connection hash-table size, reference §4.2).
    public let connectionTableSize: UInt32
    // Connection handling (reference §4; Director+Connections.swift).
    var connectionTable: ConnectionTable
    var boundServers = RealServerRegistry()
    var connectionClock = ConnectionClock()
    public internal(set) var connectionCounters = ConnectionCounters()
    /// The master sync daemon's settings (reference §7.2, Director+SyncOutput.swift); nil = no
    /// master daemon, and the packet path does nothing for synchronisation beyond one check.
    public var syncOutput: SyncOutputSettings? {
        didSet {
            guard let capacity = syncOutput?.outboxCapacity, capacity != syncOutbox.capacity else { return }
            syncCounters.droppedOutboxFull &+= UInt64(syncOutbox.resize(capacity))
        }
    }
    /// Records the master decided to send, until the driver takes them (`takeSyncOutput()`).
    var syncOutbox = SyncOutbox(capacity: SyncOutputSettings().outboxCapacity)
    /// Master and backup synchronisation counters.
    public internal(set) var syncCounters = SyncCounters()
    /// The services whose templates a persistence engine keys, with the engine (reference
    /// §4.14): engines read payloads only for packets to these (`persistenceEngine(forPacketTo:…)`).
    public private(set) var persistenceEngineServices: [VirtualServiceID: PersistenceEngine] = [:]
    /// The TCP control ports the FTP helper is bound to (ip_vs_ftp's `ports` module parameter,
    /// default 21; reference §6; Director+ApplicationHelper.swift). Set once at start
    /// (`lvsd --ftp-ports`, keepalived.conf `lvs_ftp_ports`); empty turns the helper off.
    public var ftpPorts: Set<UInt16> = [21]
    /// The defence strategies as they stand now (reference §4.12, Director+Defences.swift).
    public internal(set) var defenceStatus = DefenceStatus()
    /// Where the automatic defence modes read the available memory (the daemon's reads
    /// /proc/meminfo); nil: memory is never short.
    public var memoryReader: (any AvailableMemoryReading)?
    /// The per-source new-connection buckets, while a per-source limit is set.
    var sourceRates: SourceRateTable?
    /// Seeds the per-source table's hash.
    let rateLimitSeed: UInt64

    struct TrashKey: Hashable {
        var service: VirtualServiceID
        var realServer: RealServerKey
    }

    private let makeScheduler: (String, SchedulerFlags, UInt64) -> (any Scheduler)?
    private var random: SplitMix64

    /// - Parameters:
    ///   - seed: feeds every randomised scheduler (twos); the daemon passes a system-random seed.
    ///   - schedulerNames/makeScheduler: the scheduler set; defaults to every IPVS scheduler.
    public init(
        connectionTableSize: UInt32 = 4096,
        seed: UInt64,
        schedulerNames: [String] = SchedulerRegistry.names,
        makeScheduler: @escaping (String, SchedulerFlags, UInt64) -> (any Scheduler)? = SchedulerRegistry.make
    ) {
        self.connectionTableSize = connectionTableSize
        // A hash seed of its own, so the schedulers' seed sequence stays as it was.
        var hashSeeds = SplitMix64(seed: ~seed)
        self.connectionTable = ConnectionTable(hashSeed: hashSeeds.next())
        self.rateLimitSeed = hashSeeds.next()
        self.configuration = ConfigurationModel(knownSchedulers: Set(schedulerNames))
        self.makeScheduler = makeScheduler
        self.random = SplitMix64(seed: seed)
    }

    public var timeouts: TimeoutSettings { configuration.timeouts }
    public var settings: DirectorSettings { configuration.settings }
    public var syncDaemons: [SyncDaemonConfig] { configuration.syncDaemons }

    /// Applies one command, or throws the kernel's error and changes nothing.
    public func apply(_ command: AdminCommand, now: MonotonicInstant) throws(AdminError) {
        var candidate = configuration
        try candidate.apply(command)
        configuration = candidate
        applyLive(command, now: now)
    }

    /// Applies every command or none. On failure names the index of the first bad command.
    public func apply(batch commands: [AdminCommand], now: MonotonicInstant) throws(BatchError) {
        var candidate = configuration
        for (index, command) in commands.enumerated() {
            do {
                try candidate.apply(command)
            } catch {
                throw BatchError(index: index, command: command, error: error)
            }
        }
        configuration = candidate
        for command in commands { applyLive(command, now: now) }
    }

    /// Services in creation order.
    public var orderedServices: [VirtualServiceState] {
        configuration.serviceOrder.compactMap { services[$0] }
    }

    // MARK: - Live application (cannot fail: the configuration model already accepted it)

    private func applyLive(_ command: AdminCommand, now: MonotonicInstant) {
        switch command {
        case .addService(let config):
            let service = VirtualServiceState(config: config, scheduler: scheduler(for: config))
            services[config.id] = service
            persistenceEngineServices[config.id] = service.persistenceEngine
        case .editService(let config):
            guard let service = services[config.id] else { return }
            let schedulerChanged =
                service.config.scheduler != config.scheduler
                || service.config.schedulerFlags != config.schedulerFlags
            service.config = config
            persistenceEngineServices[config.id] = service.persistenceEngine
            if schedulerChanged {
                // Reference §3.0: the old scheduler's state is discarded.
                service.scheduler = scheduler(for: config)
                service.realServersChanged()
            }
        case .deleteService(let id):
            guard let service = services.removeValue(forKey: id) else { return }
            persistenceEngineServices[id] = nil
            for server in service.realServers { retire(server, of: service, now: now) }
        case .clear:
            persistenceEngineServices = [:]
            for service in orderedServices {
                services[service.id] = nil
                for server in service.realServers { retire(server, of: service, now: now) }
            }
        case .addRealServer(let id, let config):
            guard let service = services[id] else { return }
            let server: RealServer
            if let revived = trash.removeValue(forKey: TrashKey(service: id, realServer: config.key)) {
                server = revived
                server.isAvailable = true
                server.reconfigure(config)
            } else {
                server = RealServer(config: config)
            }
            service.realServers.insert(server, at: 0)
            service.realServersChanged()
        case .editRealServer(let id, let config):
            guard let service = services[id], let server = service.realServer(config.key) else { return }
            server.reconfigure(config)
            service.realServersChanged()
        case .deleteRealServer(let id, let key):
            guard let service = services[id], let index = service.realServers.firstIndex(where: { $0.key == key })
            else { return }
            let server = service.realServers.remove(at: index)
            service.realServersChanged()
            retire(server, of: service, now: now)
        case .zero(let id):
            zeroCounters(of: id)
        case .setDirectorSettings:
            defenceSettingsChanged()
        case .setTimeouts, .startDaemon, .stopDaemon:
            break  // held by the configuration model
        }
    }

    private func scheduler(for config: VirtualServiceConfig) -> any Scheduler {
        // The model accepted the name, so the registry knows it; "none" picks nothing.
        makeScheduler(config.scheduler, config.schedulerFlags, random.next())
            ?? makeScheduler("none", [], 0)!
    }

    /// A real server leaves its service (reference §4.11): unavailable at once; kept in the
    /// trash while connection entries reference it so a re-add revives it.
    private func retire(_ server: RealServer, of service: VirtualServiceState, now: MonotonicInstant) {
        server.isAvailable = false
        if server.totalConnections > 0 || server.persistentConnections > 0 {
            trash[TrashKey(service: service.id, realServer: server.key)] = server
        }
        realServerRetired(server, of: service, now: now)
    }

    private func zeroCounters(of id: VirtualServiceID?) {
        let targets = id.map { services[$0].map { [$0] } ?? [] } ?? orderedServices
        for service in targets {
            service.stats = StatsCounters()
            service.estimator = RateEstimator()
            for server in service.realServers {
                server.stats = StatsCounters()
                server.estimator = RateEstimator()
            }
        }
        if id == nil {
            globalStats = StatsCounters()
            globalEstimator = RateEstimator()
        }
    }
}

/// A batch was refused: nothing was applied. `index` is the position of the first bad command.
public struct BatchError: Error, Sendable, Hashable {
    public var index: Int
    public var command: AdminCommand
    public var error: AdminError
}

extension RealServer {
    /// New configuration for an existing real server (`-e`, or a re-add from the trash).
    /// Thresholds are re-evaluated as reference §4.10 says for reconfiguration.
    func reconfigure(_ newConfig: RealServerConfig) {
        config = newConfig
        if newConfig.weight != 0 { lastNonZeroWeight = newConfig.weight }
        updateOverloadAfterReconfiguration()
    }

    /// §4.10: u = 0 clears the flag; total ≥ u sets it; total below the lower bound clears it;
    /// in between the flag stays as it was (hysteresis).
    func updateOverloadAfterReconfiguration() {
        let upper = Int64(config.upperThreshold)
        guard upper > 0 else {
            isOverloaded = false
            return
        }
        let total = Int64(totalConnections)
        if total >= upper {
            isOverloaded = true
        } else if total < lowerThresholdBound {
            isOverloaded = false
        }
    }

    /// Effective lower bound: l if non-zero, else u − floor(u/4) (reference §4.10).
    var lowerThresholdBound: Int64 {
        let upper = Int64(config.upperThreshold)
        return config.lowerThreshold != 0 ? Int64(config.lowerThreshold) : upper - upper / 4
    }
}
