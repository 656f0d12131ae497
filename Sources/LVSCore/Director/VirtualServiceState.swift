/// A virtual service as the director runs it: its configuration, its real servers in list order
/// (newest first, reference §3.0), its scheduler and its counters.
public final class VirtualServiceState {
    public internal(set) var config: VirtualServiceConfig
    /// Configured real servers, newest first. Deleted ones leave this list at once (§4.11).
    public internal(set) var realServers: [RealServer] = []
    public internal(set) var scheduler: any Scheduler
    public internal(set) var stats = StatsCounters()
    public internal(set) var estimator = RateEstimator()
    /// The service's new-connection bucket (Director+Defences.swift): its next arrival time.
    var newConnectionArrival: UInt64 = 0

    init(config: VirtualServiceConfig, scheduler: any Scheduler) {
        self.config = config
        self.scheduler = scheduler
        scheduler.destinationsChanged(realServers)
    }

    public var id: VirtualServiceID { config.id }

    /// The persistence engine that keys this service's templates (reference §4.14): the
    /// configured one when the service is persistent (an engine matters only to templates).
    public var persistenceEngine: PersistenceEngine? { config.activePersistenceEngine }

    public func realServer(_ key: RealServerKey) -> RealServer? {
        realServers.first { $0.key == key }
    }

    func realServersChanged() {
        scheduler.destinationsChanged(realServers)
    }
}
