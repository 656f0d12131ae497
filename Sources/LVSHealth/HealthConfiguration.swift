import LVSCore

/// A script keepalived runs on a transition (`notify_up`, `notify_down`, `quorum_up`,
/// `quorum_down`), with the user and group it should run as.
public struct NotifyScript: Sendable, Hashable, CustomStringConvertible {
    public var command: String
    public var user: String?
    public var group: String?

    public init(command: String, user: String? = nil, group: String? = nil) {
        self.command = command
        self.user = user
        self.group = group
    }

    public var description: String { command }
}

/// What the health monitor needs to know about one real server (reference §8.4).
public struct HealthRealServerSpecification: Sendable, Hashable {
    /// The real server as the configuration programs it; `weight` is the configured weight.
    public var config: RealServerConfig
    /// `inhibit_on_failure`: a dead real server stays with weight 0 instead of being removed.
    public var inhibitOnFailure: Bool
    public var notifyUp: NotifyScript?
    public var notifyDown: NotifyScript?
    /// Every checker must be up for the real server to be alive; none: always alive.
    public var checkers: [CheckerSpecification]

    public init(
        config: RealServerConfig, inhibitOnFailure: Bool = false, notifyUp: NotifyScript? = nil,
        notifyDown: NotifyScript? = nil, checkers: [CheckerSpecification] = []
    ) {
        self.config = config
        self.inhibitOnFailure = inhibitOnFailure
        self.notifyUp = notifyUp
        self.notifyDown = notifyDown
        self.checkers = checkers
    }
}

/// What the health monitor needs to know about one `virtual_server` (reference §8.3).
public struct HealthVirtualServerSpecification: Sendable, Hashable {
    public var id: HealthVirtualServerID
    /// The virtual services this block programs: one, or one per group entry.
    public var services: [VirtualServiceID]
    /// `quorum`: minimum total weight of alive real servers (default 1).
    public var quorum: UInt32
    /// `hysteresis` (default 0; below quorum).
    public var hysteresis: UInt32
    public var quorumUp: NotifyScript?
    public var quorumDown: NotifyScript?
    /// `sorry_server`, as it is programmed when quorum is lost.
    public var sorryServer: RealServerConfig?
    /// `sorry_server_inhibit`: the sorry server stays configured with weight 0 while unused.
    public var sorryServerInhibit: Bool
    /// `omega`: at shutdown run the down notifiers and remove what health checking added.
    public var omega: Bool
    public var realServers: [HealthRealServerSpecification]

    public init(
        id: HealthVirtualServerID, services: [VirtualServiceID], quorum: UInt32 = 1, hysteresis: UInt32 = 0,
        quorumUp: NotifyScript? = nil, quorumDown: NotifyScript? = nil, sorryServer: RealServerConfig? = nil,
        sorryServerInhibit: Bool = false, omega: Bool = false, realServers: [HealthRealServerSpecification] = []
    ) {
        self.id = id
        self.services = services
        self.quorum = quorum
        self.hysteresis = hysteresis
        self.quorumUp = quorumUp
        self.quorumDown = quorumDown
        self.sorryServer = sorryServer
        self.sorryServerInhibit = sorryServerInhibit
        self.omega = omega
        self.realServers = realServers
    }

    /// Quorum as keepalived applies it: capped at the total configured weight (reference §8.3),
    /// and at least 1 so that an empty pool never counts as quorate.
    var effectiveQuorum: Int64 {
        let total = realServers.reduce(Int64(0)) { $0 + Int64(max($1.config.weight, 0)) }
        return max(1, min(Int64(quorum), total))
    }

    /// Hysteresis forced below quorum (reference §8.3).
    var effectiveHysteresis: Int64 { min(Int64(hysteresis), effectiveQuorum - 1) }
}

/// Everything the health monitor watches: the checker-relevant part of a configuration.
public struct HealthConfiguration: Sendable, Hashable {
    public var virtualServers: [HealthVirtualServerSpecification]

    public init(virtualServers: [HealthVirtualServerSpecification] = []) {
        self.virtualServers = virtualServers
    }
}
