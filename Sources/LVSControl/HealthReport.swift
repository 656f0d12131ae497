import LVSCore

/// What `getHealth` answers: the health checkers' view of every `virtual_server` of the
/// configuration (`lvsadm --health`). Listings (`-L`) show the weights the checkers set; this
/// shows why.
public struct HealthReport: Sendable, Hashable, Codable {
    /// False when the daemon runs no checker: started without `--config`, with `--dry-run`
    /// (which sends nothing anywhere), or with a configuration that has no checker.
    public var checking: Bool
    /// In the configuration file's order.
    public var virtualServers: [VirtualServerHealthReport]

    public init(checking: Bool, virtualServers: [VirtualServerHealthReport]) {
        self.checking = checking
        self.virtualServers = virtualServers
    }
}

/// Up, down, or unknown until a first result.
public enum HealthReportState: String, Sendable, Hashable, Codable {
    case unknown
    case up
    case down
}

/// One `virtual_server` block: its services, quorum and sorry server, its real servers' health.
public struct VirtualServerHealthReport: Sendable, Hashable, Codable {
    /// As the configuration wrote it after `virtual_server` (`10.0.0.1 80`, `fwmark 5`, `group WEB`).
    public var name: String
    /// The virtual services it stands for (several for a group).
    public var services: [VirtualServiceID]
    /// Down while the live weight sum is below quorum (the sorry server, if any, serves).
    public var quorumState: HealthReportState
    public var aliveWeight: Int64
    public var quorum: Int64
    /// The configured `sorry_server`, if any.
    public var sorryServer: RealServerKey?
    /// True while the sorry server is in the table.
    public var sorryServerActive: Bool
    public var realServers: [RealServerHealthReport]

    public init(
        name: String, services: [VirtualServiceID], quorumState: HealthReportState, aliveWeight: Int64,
        quorum: Int64, sorryServer: RealServerKey?, sorryServerActive: Bool, realServers: [RealServerHealthReport]
    ) {
        self.name = name
        self.services = services
        self.quorumState = quorumState
        self.aliveWeight = aliveWeight
        self.quorum = quorum
        self.sorryServer = sorryServer
        self.sorryServerActive = sorryServerActive
        self.realServers = realServers
    }
}

/// One real server as its checkers see it.
public struct RealServerHealthReport: Sendable, Hashable, Codable {
    public var server: RealServerKey
    /// Down when a checker is down; up when every checker passes (or there is none).
    public var state: HealthReportState
    /// The weight health checking wants while it is alive (configured, or from `misc_dynamic`).
    public var weight: Int32
    /// The weight in the table now; nil while it is removed.
    public var programmedWeight: Int32?
    public var checkers: [CheckerHealthReport]

    public init(
        server: RealServerKey, state: HealthReportState, weight: Int32, programmedWeight: Int32?,
        checkers: [CheckerHealthReport]
    ) {
        self.server = server
        self.state = state
        self.weight = weight
        self.programmedWeight = programmedWeight
        self.checkers = checkers
    }
}

/// One checker of a real server and its last result.
public struct CheckerHealthReport: Sendable, Hashable, Codable {
    /// keepalived's keyword (`TCP_CHECK`, `HTTP_GET`, `MISC_CHECK`, …).
    public var name: String
    public var state: HealthReportState
    /// What the last attempt found (`connected`, `connection refused`); nil before the first.
    public var lastResult: String?
    /// Milliseconds since the last attempt ended; nil before the first.
    public var lastCheckAgeMilliseconds: UInt64?
    /// Failed attempts since the last success.
    public var consecutiveFailures: UInt32

    public init(
        name: String, state: HealthReportState, lastResult: String?, lastCheckAgeMilliseconds: UInt64?,
        consecutiveFailures: UInt32
    ) {
        self.name = name
        self.state = state
        self.lastResult = lastResult
        self.lastCheckAgeMilliseconds = lastCheckAgeMilliseconds
        self.consecutiveFailures = consecutiveFailures
    }
}
