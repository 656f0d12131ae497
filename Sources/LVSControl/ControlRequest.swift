import LVSCore

/// What a client asks the daemon to do: one line of the control protocol (docs/control-protocol.md).
///
/// Every request carries the protocol version `v` and a client-chosen `id` that the reply echoes,
/// so a client may pipeline requests on one connection.
public struct ControlRequest: Sendable, Hashable {
    public var id: Int
    public var body: ControlRequestBody

    public init(id: Int, body: ControlRequestBody) {
        self.id = id
        self.body = body
    }
}

/// The typed requests of protocol version 1.
public enum ControlRequestBody: Sendable, Hashable {
    /// Apply one admin command (`-A`, `-a`, `-e`, `--set`, …).
    case apply(AdminCommand)
    /// Apply every command or none (`-R`, `--rules`): a failure names the index of the bad one.
    case applyBatch([AdminCommand])
    /// The whole table, for `-L` and `-S`.
    case getTable
    /// Every connection entry and persistence template, for `-L -c`.
    case getConnections
    /// The three protocol timeouts, for `-L --timeout`.
    case getTimeouts
    /// The running sync daemons, for `-L --daemon`.
    case getDaemons
    /// The forwarding engine's counters (drops, redispatches, timeouts), for `lvsadm --engine-stats`.
    case getEngineStats
    /// Liveness and version check.
    case ping
    /// Read the `--config` file again and apply the difference as one transaction
    /// (`lvsadm --reload`; the same as SIGHUP).
    case reload
    /// The health checkers' view of every real server, for `lvsadm --health`.
    case getHealth
    /// Every VRRP instance and sync group the daemon runs, for `lvsadm --vrrp`.
    case getVRRP
    /// The connection synchronisation daemons and their counters, for `lvsadm --sync`.
    case getSync
    /// The VIPs announced through the BGP speaker, for `lvsadm --announcements`.
    case getAnnouncements
    /// The event log's entries after `seq` `since` (all kept ones when nil), at most `limit`,
    /// for `lvsadm --events`.
    case getEvents(since: Int?, limit: Int?)
    /// Where a new packet from a client to a service would go, and why (`lvsadm --explain`).
    case explain(ExplainQuery)

    /// The `type` member of the JSON object.
    public var typeName: String {
        switch self {
        case .apply: return "apply"
        case .applyBatch: return "applyBatch"
        case .getTable: return "getTable"
        case .getConnections: return "getConnections"
        case .getTimeouts: return "getTimeouts"
        case .getDaemons: return "getDaemons"
        case .getEngineStats: return "getEngineStats"
        case .ping: return "ping"
        case .reload: return "reload"
        case .getHealth: return "getHealth"
        case .getVRRP: return "getVRRP"
        case .getSync: return "getSync"
        case .getAnnouncements: return "getAnnouncements"
        case .getEvents: return "getEvents"
        case .explain: return "explain"
        }
    }

    /// True when the request changes state: only root or the daemon's own user may send it
    /// (DESIGN.md §5).
    public var changesState: Bool {
        switch self {
        case .apply, .applyBatch, .reload: return true
        case .getTable, .getConnections, .getTimeouts, .getDaemons, .getEngineStats, .ping, .getHealth, .getVRRP,
            .getSync, .getAnnouncements, .getEvents, .explain:
            return false
        }
    }
}
