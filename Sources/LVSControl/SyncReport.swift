import LVSCore

/// What `getSync` answers: the connection synchronisation daemons lvsd runs (`lvsadm --sync`),
/// with their counters (reference §7; docs/sync.md).
public struct SyncReport: Sendable, Hashable, Codable {
    /// Master first, then backup; empty when no daemon runs.
    public var daemons: [SyncDaemonReport]
    /// True when messages are authenticated (HMAC-SHA-256, docs/design/0013-sync-authentication.md).
    public var authenticated: Bool
    /// The protocol version the master sends (0 or 1).
    public var version: Int
    /// What the director did with received records (`created`, `updated`, `replaced`,
    /// `ignored_stale`, `bound_later`, `rejected_…`) and, as a master, `queued` and
    /// `dropped_outbox_full`: LVSCore's `SyncCounters` by name.
    public var entries: [String: UInt64]

    public init(daemons: [SyncDaemonReport], authenticated: Bool, version: Int, entries: [String: UInt64]) {
        self.daemons = daemons
        self.authenticated = authenticated
        self.version = version
        self.entries = entries
    }
}

/// One running daemon (one role; its `sync_ports` threads summed).
public struct SyncDaemonReport: Sendable, Hashable, Codable {
    /// The parameters as `-L --daemon` shows them.
    public var config: SyncDaemonConfig
    /// The message size in use (the derived one when `config.maxLength` is 0).
    public var maxLength: Int
    /// Ports in use (`sync_ports` threads: base port + thread index).
    public var ports: [Int]
    /// Seconds since the daemon started.
    public var runningFor: Double
    /// Counters by name: master `messages_sent`, `entries_sent`, `send_buffer_full`,
    /// `send_failed`, `snapshots_sent`, `announcements_sent`; backup `messages_received`,
    /// `entries_received`, `messages_dropped`, `entries_dropped`, `announcements_received`.
    public var counters: [String: UInt64]
    /// Backup: received datagrams and records dropped, by reason (`size_mismatch`,
    /// `sync_id_mismatch`, `bad_authentication_code`, …: `SyncDropReason` names).
    public var drops: [String: UInt64]
    /// Backup: every master heard from.
    public var peers: [SyncPeerReport]

    public init(
        config: SyncDaemonConfig, maxLength: Int, ports: [Int], runningFor: Double, counters: [String: UInt64],
        drops: [String: UInt64], peers: [SyncPeerReport]
    ) {
        self.config = config
        self.maxLength = maxLength
        self.ports = ports
        self.runningFor = runningFor
        self.counters = counters
        self.drops = drops
        self.peers = peers
    }
}

/// A master a backup has received messages from.
public struct SyncPeerReport: Sendable, Hashable, Codable {
    public var address: String
    public var messages: UInt64
    public var entries: UInt64
    /// Seconds since its last message.
    public var lastMessageAgo: Double

    public init(address: String, messages: UInt64, entries: UInt64, lastMessageAgo: Double) {
        self.address = address
        self.messages = messages
        self.entries = entries
        self.lastMessageAgo = lastMessageAgo
    }
}
