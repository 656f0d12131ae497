// Statistics of the director: per real server, per service and global counters, and the
// 2-second rate estimation pass (reference §4.13).
extension Director {
    static let estimationInterval: UInt64 = 2_000_000_000
    /// After this many idle steps every average has decayed to exactly 0, so a long jump of the
    /// clock needs no more steps than this.
    static let maximumEstimationCatchUp = 256

    func recordConnection(server: RealServer, service: VirtualServiceState?) {
        server.stats.recordConnection()
        service?.stats.recordConnection()
        globalStats.recordConnection()
    }

    func recordInbound(bytes: UInt32, server: RealServer, service: VirtualServiceState?) {
        server.stats.recordInbound(bytes: bytes)
        service?.stats.recordInbound(bytes: bytes)
        globalStats.recordInbound(bytes: bytes)
    }

    func recordOutbound(bytes: UInt32, server: RealServer, service: VirtualServiceState?) {
        server.stats.recordOutbound(bytes: bytes)
        service?.stats.recordOutbound(bytes: bytes)
        globalStats.recordOutbound(bytes: bytes)
    }

    /// Runs every 2-second estimation step due by `now` (frozen when `run_estimation` is off).
    func runEstimation(now: UInt64) {
        guard let due = connectionClock.nextEstimation else {
            connectionClock.nextEstimation = now &+ Self.estimationInterval
            return
        }
        var next = due
        var steps = 0
        while next <= now && steps < Self.maximumEstimationCatchUp {
            if settings.runEstimation { estimationStep() }
            steps += 1
            next &+= Self.estimationInterval
        }
        if next <= now {
            // Skipped idle steps: move the schedule on without looping through them.
            let missed = (now - next) / Self.estimationInterval + 1
            next &+= missed &* Self.estimationInterval
        }
        connectionClock.nextEstimation = next
    }

    /// One estimation step for every service, its real servers and the global counters.
    func estimationStep() {
        for service in orderedServices {
            service.estimator.sample(service.stats)
            for server in service.realServers { server.estimator.sample(server.stats) }
        }
        globalEstimator.sample(globalStats)
    }
}
