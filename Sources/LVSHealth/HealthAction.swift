import LVSCore

/// Up or down, for checkers, real servers and quorum; `unknown` until a first result.
public enum HealthState: String, Sendable, Hashable, Codable {
    case unknown
    case up
    case down
}

/// What a transition is about.
public enum HealthSubject: Sendable, Hashable, CustomStringConvertible {
    case checker(HealthCheckerID, name: String)
    case realServer(HealthRealServerID)
    case quorum(HealthVirtualServerID)

    public var description: String {
        switch self {
        case .checker(let id, let name): return "\(name) of \(id.realServer)"
        case .realServer(let id): return "real server \(id)"
        case .quorum(let id): return "quorum of virtual server \(id)"
        }
    }
}

/// One change of state, with its cause and time: what the daemon logs.
public struct HealthTransition: Sendable, Hashable, CustomStringConvertible {
    public var subject: HealthSubject
    public var from: HealthState
    public var to: HealthState
    /// Why, e.g. `HTTP_GET: status 503 (expected 200-299)` or `TCP_CHECK: connection refused`.
    public var reason: String
    public var at: MonotonicInstant

    public init(subject: HealthSubject, from: HealthState, to: HealthState, reason: String, at: MonotonicInstant) {
        self.subject = subject
        self.from = from
        self.to = to
        self.reason = reason
        self.at = at
    }

    public var description: String { "\(subject): \(from.rawValue) -> \(to.rawValue) (\(reason))" }
}

/// The request to run one probe attempt.
public struct ProbeRequest: Sendable, Hashable {
    public var ticket: ProbeTicket
    /// 0 for the first attempt of a check, then 1…retry.
    public var attempt: UInt32
    /// The attempt must report within this time; the monitor gives up on it at that moment.
    public var timeout: Duration

    public init(ticket: ProbeTicket, attempt: UInt32, timeout: Duration) {
        self.ticket = ticket
        self.attempt = attempt
        self.timeout = timeout
    }
}

/// What the monitor asks its driver to do. Membership actions describe changes to the
/// dataplane relative to what the monitor last asked for; apply them in order.
public enum HealthAction: Sendable, Hashable {
    /// Start a probe; report its result with `probeCompleted`.
    case runProbe(ProbeRequest)
    /// Call `timerFired` at this instant (replaces any earlier request).
    case armTimer(at: MonotonicInstant)
    /// Program a real server that was removed (or is new to the dataplane), at `config.weight`.
    case addRealServer(VirtualServiceID, RealServerConfig)
    /// Change a programmed real server's weight to `config.weight` (inhibit, restore, misc_dynamic).
    case setWeight(VirtualServiceID, RealServerConfig)
    /// Remove a real server from the dataplane.
    case removeRealServer(VirtualServiceID, RealServerKey)
    /// Program the sorry server (quorum lost), at `config.weight`.
    case addSorryServer(VirtualServiceID, RealServerConfig)
    /// Remove the sorry server (quorum regained).
    case removeSorryServer(VirtualServiceID, RealServerKey)
    /// Run a notify or quorum script for a transition to `state`.
    case runNotify(NotifyScript, subject: HealthSubject, state: HealthState)
    /// Record a transition.
    case log(HealthTransition)

    /// The admin command that carries out a membership action; nil for the others.
    public var adminCommand: AdminCommand? {
        switch self {
        case .addRealServer(let service, let config), .addSorryServer(let service, let config):
            return .addRealServer(service, config)
        case .setWeight(let service, let config): return .editRealServer(service, config)
        case .removeRealServer(let service, let key), .removeSorryServer(let service, let key):
            return .deleteRealServer(service, key)
        case .runProbe, .armTimer, .runNotify, .log: return nil
        }
    }
}

extension Array where Element == HealthAction {
    /// The membership actions as admin commands, in order: one transaction for the daemon.
    public var adminCommands: [AdminCommand] { compactMap(\.adminCommand) }
}
