import LVSCore

/// What `getHealth` answers: the health checkers' view of every checked virtual service
/// (`lvsadm --health`). Listings (`-L`) show the weights the checkers set; this shows why.
public struct HealthStatus: Sendable, Hashable, Codable {
    /// False when the daemon runs no checker: started without `--config`, with `--dry-run`
    /// (which sends nothing anywhere), or with a configuration that has no checker.
    public var checking: Bool
    /// In the configuration file's order.
    public var services: [ServiceHealth]

    public init(checking: Bool, services: [ServiceHealth]) {
        self.checking = checking
        self.services = services
    }
}

/// One virtual service: its quorum and sorry server, and its real servers' health.
public struct ServiceHealth: Sendable, Hashable, Codable {
    public var service: VirtualServiceID
    /// The weight sum of live real servers the service needs (keepalived `quorum`, default 1).
    public var quorum: UInt32
    /// False while the live weight sum is below quorum (the sorry server, if any, serves).
    public var quorumUp: Bool
    /// The configured `sorry_server`, if any.
    public var sorryServer: RealServerKey?
    /// True while the sorry server is in the table.
    public var sorryServerActive: Bool
    public var realServers: [RealServerHealth]

    public init(
        service: VirtualServiceID, quorum: UInt32, quorumUp: Bool, sorryServer: RealServerKey?,
        sorryServerActive: Bool, realServers: [RealServerHealth]
    ) {
        self.service = service
        self.quorum = quorum
        self.quorumUp = quorumUp
        self.sorryServer = sorryServer
        self.sorryServerActive = sorryServerActive
        self.realServers = realServers
    }
}

/// One real server as its checkers see it.
public struct RealServerHealth: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable {
        /// Every checker passes (or the server has no checker): it takes its configured weight.
        case up
        /// A checker failed: inhibited (weight 0) or removed from the table.
        case down
    }

    public var server: RealServerKey
    public var state: State
    /// The weight the configuration (or the latest `misc_dynamic` result) gives it.
    public var configuredWeight: Int32
    /// The weight in the table now; nil while it is removed.
    public var weight: Int32?
    /// The most recent check, nil before the first one has finished.
    public var lastCheck: CheckResult?

    public init(
        server: RealServerKey, state: State, configuredWeight: Int32, weight: Int32?, lastCheck: CheckResult?
    ) {
        self.server = server
        self.state = state
        self.configuredWeight = configuredWeight
        self.weight = weight
        self.lastCheck = lastCheck
    }
}

/// The outcome of one check.
public struct CheckResult: Sendable, Hashable, Codable {
    /// The checker's keyword (`TCP_CHECK`, `HTTP_GET`, `MISC_CHECK`, …).
    public var checker: String
    public var succeeded: Bool
    /// What happened, for people (`connection refused`, `status 503`).
    public var detail: String
    /// Milliseconds between the check's end and the reply.
    public var ageMilliseconds: UInt64

    public init(checker: String, succeeded: Bool, detail: String, ageMilliseconds: UInt64) {
        self.checker = checker
        self.succeeded = succeeded
        self.detail = detail
        self.ageMilliseconds = ageMilliseconds
    }
}
