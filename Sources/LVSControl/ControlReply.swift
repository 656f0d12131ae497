import LVSCore

/// The daemon's answer to one request; `id` is the request's id, or nil when the request line
/// could not be read far enough to know it.
public struct ControlReply: Sendable, Hashable {
    public var id: Int?
    public var body: ControlReplyBody

    public init(id: Int?, body: ControlReplyBody) {
        self.id = id
        self.body = body
    }
}

/// The typed replies of protocol version 1.
public enum ControlReplyBody: Sendable, Hashable {
    /// The command or batch was applied.
    case ok
    /// Nothing was applied; see the failure.
    case failure(ControlFailure)
    case table(TableSnapshot)
    case connections([ConnectionSnapshot])
    case timeouts(TimeoutSettings)
    case daemons([SyncDaemonSnapshot])
    case pong(ControlServerInfo)
    case engineStats(EngineStatistics)
    /// The configuration file was reloaded.
    case reloaded(ReloadReport)
    case health(HealthReport)
    case vrrp(VRRPReport)
    case sync(SyncReport)
    case announcements(AnnouncementReport)
    /// Event log entries, oldest first.
    case events([DaemonEvent])
    case explanation(Explanation)

    public var typeName: String {
        switch self {
        case .ok: return "ok"
        case .failure: return "error"
        case .table: return "table"
        case .connections: return "connections"
        case .timeouts: return "timeouts"
        case .daemons: return "daemons"
        case .pong: return "pong"
        case .engineStats: return "engineStats"
        case .reloaded: return "reloaded"
        case .health: return "health"
        case .vrrp: return "vrrp"
        case .sync: return "sync"
        case .announcements: return "announcements"
        case .events: return "events"
        case .explanation: return "explanation"
        }
    }
}

/// Why a request was refused. `message` is what `lvsadm` prints: for admin errors the exact
/// ipvsadm text (reference §1.10).
public struct ControlFailure: Sendable, Hashable, Codable, Error {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The director refused the command (`adminError` says how).
        case admin
        /// The line was not a valid request (bad JSON, missing member, unknown type).
        case malformedRequest
        /// The `v` member names a protocol version this daemon does not speak.
        case unsupportedVersion
        /// The line exceeded the maximum line length and was discarded.
        case lineTooLong
        /// The daemon could not handle the request (for example while shutting down).
        case unavailable
        /// A reload changed nothing: the configuration file has errors (every diagnostic is in
        /// `message`, one per line), the director refused it, or there is no file to reload.
        case configuration
    }

    public var kind: Kind
    public var message: String
    public var adminError: AdminError?
    /// For a refused batch: the 0-based index of the first command that failed.
    public var batchIndex: Int?

    public init(kind: Kind, message: String, adminError: AdminError? = nil, batchIndex: Int? = nil) {
        self.kind = kind
        self.message = message
        self.adminError = adminError
        self.batchIndex = batchIndex
    }

    /// The director refused `command` with `error`.
    public static func admin(_ error: AdminError, command: AdminCommand, batchIndex: Int? = nil) -> ControlFailure {
        ControlFailure(
            kind: .admin, message: error.ipvsadmMessage(for: command), adminError: error, batchIndex: batchIndex)
    }

    /// A state-changing request from a user who may not change state (EPERM, reference §1.10).
    public static let permissionDenied = ControlFailure(
        kind: .admin, message: "Permission denied (you must be root)", adminError: .permissionDenied)
}

/// What `ping` answers.
public struct ControlServerInfo: Sendable, Hashable, Codable {
    /// The highest protocol version the daemon speaks.
    public var protocolVersion: Int
    /// The daemon's own version text.
    public var daemonVersion: String
    /// True while the daemon holds configuration but forwards nothing (`lvsd --dry-run`).
    public var dryRun: Bool
    /// The configuration reloads so far; absent from daemons older than this member.
    public var reloads: ReloadStatistics?

    public init(
        protocolVersion: Int = ControlProtocol.version, daemonVersion: String, dryRun: Bool,
        reloads: ReloadStatistics? = nil
    ) {
        self.protocolVersion = protocolVersion
        self.daemonVersion = daemonVersion
        self.dryRun = dryRun
        self.reloads = reloads
    }
}

/// What `getEngineStats` answers: the running engine's counters by name (every drop the engine
/// makes is counted here; docs/design/0007-proxy-engine.md, "Counters").
public struct EngineStatistics: Sendable, Hashable, Codable {
    /// `proxy`, or `none` in a dry run.
    public var engine: String
    public var counters: [String: UInt64]
    /// The content-switched services with their rules, groups and hits (`lvsadm --content`,
    /// docs/design/0019); absent from daemons that have none.
    public var contentSwitching: [ContentSwitchSummary]?

    public init(engine: String, counters: [String: UInt64], contentSwitching: [ContentSwitchSummary]? = nil) {
        self.engine = engine
        self.counters = counters
        self.contentSwitching = contentSwitching
    }
}

/// One content-switched virtual service as `lvsadm --content` shows it.
public struct ContentSwitchSummary: Sendable, Hashable, Codable {
    /// `TCP 127.0.0.1:8080` as in `-L -n`.
    public var service: String
    /// `http` or `tls`.
    public var mode: String
    public var persistence: String
    public var groups: [Group]
    public var rules: [Rule]
    public var defaultGroup: String
    public var defaultHits: UInt64

    public struct Group: Sendable, Hashable, Codable {
        public var name: String
        public var firewallMark: UInt32
        public init(name: String, firewallMark: UInt32) {
            self.name = name
            self.firewallMark = firewallMark
        }
    }

    public struct Rule: Sendable, Hashable, Codable {
        public var name: String
        public var group: String
        public var hits: UInt64
        public init(name: String, group: String, hits: UInt64) {
            self.name = name
            self.group = group
            self.hits = hits
        }
    }

    public init(
        service: String, mode: String, persistence: String, groups: [Group], rules: [Rule], defaultGroup: String,
        defaultHits: UInt64
    ) {
        self.service = service
        self.mode = mode
        self.persistence = persistence
        self.groups = groups
        self.rules = rules
        self.defaultGroup = defaultGroup
        self.defaultHits = defaultHits
    }
}
