extension Director {
    /// The whole table as values, for listings and `-S` (services in creation order).
    public func snapshot() -> TableSnapshot {
        TableSnapshot(
            connectionTableSize: connectionTableSize,
            services: orderedServices.map { $0.snapshot() },
            globalStats: globalStats,
            globalRates: globalEstimator.rates)
    }
}

extension VirtualServiceState {
    public func snapshot() -> VirtualServiceSnapshot {
        VirtualServiceSnapshot(
            config: config, realServers: realServers.map { $0.snapshot() }, stats: stats, rates: estimator.rates)
    }
}

extension RealServer {
    public func snapshot() -> RealServerSnapshot {
        RealServerSnapshot(
            config: config,
            activeConnections: UInt32(clamping: activeConnections),
            inactiveConnections: UInt32(clamping: inactiveConnections),
            persistentConnections: UInt32(clamping: persistentConnections),
            overloaded: isOverloaded,
            stats: stats,
            rates: estimator.rates)
    }
}
