import LVSCore

/// One checker as a listing shows it.
public struct CheckerStatus: Sendable, Hashable {
    public var id: HealthCheckerID
    /// keepalived's keyword, e.g. `HTTP_GET`.
    public var name: String
    public var state: HealthState
    /// The last attempt's result text; nil before the first attempt.
    public var lastResult: String?
    public var lastCheck: MonotonicInstant?
    /// When the state last changed; nil while it never has.
    public var lastChange: MonotonicInstant?
    /// Failed attempts since the last success.
    public var consecutiveFailures: UInt32

    public init(
        id: HealthCheckerID, name: String, state: HealthState, lastResult: String?, lastCheck: MonotonicInstant?,
        lastChange: MonotonicInstant?, consecutiveFailures: UInt32
    ) {
        self.id = id
        self.name = name
        self.state = state
        self.lastResult = lastResult
        self.lastCheck = lastCheck
        self.lastChange = lastChange
        self.consecutiveFailures = consecutiveFailures
    }
}

/// One real server's health as a listing shows it.
public struct HealthStatus: Sendable, Hashable {
    public var id: HealthRealServerID
    /// Down when a checker is down; up when every checker has succeeded (or there is none);
    /// unknown while some checker has not reported yet and none is down.
    public var state: HealthState
    /// The weight health checking wants while the real server is alive (misc_dynamic may change it).
    public var weight: Int32
    /// The weight health checking programmed, or nil when it removed the real server.
    public var programmedWeight: Int32?
    public var checkers: [CheckerStatus]

    public init(
        id: HealthRealServerID, state: HealthState, weight: Int32, programmedWeight: Int32?, checkers: [CheckerStatus]
    ) {
        self.id = id
        self.state = state
        self.weight = weight
        self.programmedWeight = programmedWeight
        self.checkers = checkers
    }
}

/// One virtual server's quorum as a listing shows it.
public struct QuorumStatus: Sendable, Hashable {
    public var id: HealthVirtualServerID
    public var state: HealthState
    public var aliveWeight: Int64
    public var quorum: Int64
    public var hysteresis: Int64
    public var sorryServerActive: Bool

    public init(
        id: HealthVirtualServerID, state: HealthState, aliveWeight: Int64, quorum: Int64, hysteresis: Int64,
        sorryServerActive: Bool
    ) {
        self.id = id
        self.state = state
        self.aliveWeight = aliveWeight
        self.quorum = quorum
        self.hysteresis = hysteresis
        self.sorryServerActive = sorryServerActive
    }
}

extension HealthMonitor {
    /// Every real server, in configuration order.
    public func status() -> [HealthStatus] {
        virtualServers.flatMap { server in
            server.realServers.map { real in
                let id = HealthRealServerID(virtualServer: server.specification.id, realServer: real.specification.config.key)
                let checkers = real.checkers.map { checker in
                    CheckerStatus(
                        id: checker.id, name: checker.specification.name, state: checker.state,
                        lastResult: checker.lastResult?.text, lastCheck: checker.lastCheck,
                        lastChange: checker.lastChange, consecutiveFailures: checker.consecutiveFailures)
                }
                let state: HealthState =
                    !real.alive ? .down : checkers.allSatisfy({ $0.state == .up }) ? .up : .unknown
                let programmed: Int32?
                switch real.programmed {
                case .absent: programmed = nil
                case .present(let weight): programmed = weight
                }
                return HealthStatus(
                    id: id, state: state, weight: real.weight, programmedWeight: programmed, checkers: checkers)
            }
        }
    }

    /// One real server's status, or nil when the configuration has no such real server.
    public func status(of id: HealthRealServerID) -> HealthStatus? {
        status().first { $0.id == id }
    }

    /// Every virtual server's quorum, in configuration order.
    public func quorumStatus() -> [QuorumStatus] {
        virtualServers.map { server in
            let spec = server.specification
            let sorryActive: Bool
            switch server.sorryProgrammed {
            case .absent: sorryActive = false
            case .present(let weight): sorryActive = !server.quorumUp || weight > 0
            }
            return QuorumStatus(
                id: spec.id, state: server.quorumUp ? .up : .down, aliveWeight: server.aliveWeight,
                quorum: spec.effectiveQuorum, hysteresis: spec.effectiveHysteresis,
                sorryServerActive: sorryActive && spec.sorryServer != nil && !server.quorumUp)
        }
    }
}
