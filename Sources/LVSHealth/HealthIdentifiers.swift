import LVSCore

/// Names one `virtual_server` block of the configuration: the unit that owns quorum,
/// hysteresis and the sorry server (reference §8.3). A `virtual_server group` stands for several
/// virtual services that share one set of real servers and checkers (reference §8.2).
public struct HealthVirtualServerID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// What the configuration wrote after `virtual_server`, e.g. `10.0.0.1 80`, `fwmark 5`, `group web`.
    public var name: String

    public init(_ name: String) { self.name = name }

    public var description: String { name }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.name < rhs.name }
}

/// One real server of one virtual server.
public struct HealthRealServerID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var virtualServer: HealthVirtualServerID
    public var realServer: RealServerKey

    public init(virtualServer: HealthVirtualServerID, realServer: RealServerKey) {
        self.virtualServer = virtualServer
        self.realServer = realServer
    }

    public var description: String { "[\(virtualServer)] \(realServer)" }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.virtualServer, lhs.realServer) < (rhs.virtualServer, rhs.realServer)
    }
}

/// One checker block of one real server, by its position in the real server's block.
public struct HealthCheckerID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var realServer: HealthRealServerID
    public var index: Int

    public init(realServer: HealthRealServerID, index: Int) {
        self.realServer = realServer
        self.index = index
    }

    public var description: String { "\(realServer) checker \(index)" }

    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.realServer, lhs.index) < (rhs.realServer, rhs.index) }
}

/// Names one probe run, so a result that arrives after its attempt was given up (timed out, or
/// the checker was reconfigured) is recognised and ignored.
public struct ProbeTicket: Sendable, Hashable, CustomStringConvertible {
    public var checker: HealthCheckerID
    /// Increases with every probe the monitor starts; never reused.
    public var sequence: UInt64

    public init(checker: HealthCheckerID, sequence: UInt64) {
        self.checker = checker
        self.sequence = sequence
    }

    public var description: String { "\(checker) probe \(sequence)" }
}
