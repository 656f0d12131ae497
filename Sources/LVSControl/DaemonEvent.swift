/// One entry of lvsd's event log (docs/control-protocol.md, `getEvents`): a state change with
/// its time and reason, kept in a bounded ring and logged as one JSON line.
public struct DaemonEvent: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// A configuration transaction (`lvsadm` command or batch), applied or refused.
        case transaction
        /// A health checker's transition (real server up or down).
        case health
        /// A real server's weight changed (`-e`, a health inhibit, a reload).
        case weight
        /// A real server drained to weight 0 has no connection left.
        case drainFinished = "drain_finished"
        /// A VRRP instance or sync group changed state.
        case vrrp
        /// The configuration file was reloaded, or the reload was refused.
        case reload
        /// Connection synchronisation started or stopped.
        case sync
    }

    /// Increases by one per event from 1, for the life of the daemon.
    public var seq: Int
    /// Wall-clock time, RFC 3339 in UTC (`2026-12-07T14:49:17.123Z`).
    public var time: String
    public var kind: Kind
    /// What happened, in words.
    public var reason: String
    /// Structured details: `service`, `real_server`, `old_weight`, `new_weight`, `result`, …
    public var fields: [String: String]

    public init(seq: Int, time: String, kind: Kind, reason: String, fields: [String: String] = [:]) {
        self.seq = seq
        self.time = time
        self.kind = kind
        self.reason = reason
        self.fields = fields
    }
}
