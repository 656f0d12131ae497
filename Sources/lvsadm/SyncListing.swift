import Foundation
import IPVSAdmin
import LVSControl

/// The output of `lvsadm --sync` (docs/lvsadm.md): one block per connection synchronisation
/// daemon, master first, headed by its parameters as `-L --daemon` writes them (reference §2.5,
/// effective values), then its counters, peers and drops; then one line of what the director did
/// with the records it received. Or the report as one JSON document.
enum SyncListing {
    static let notRunning = "lvsd runs no connection synchronisation daemon\n"

    /// Each role's counters in the order they are printed; a counter the daemon does not report
    /// prints as 0, one it reports beyond these follows, sorted by name.
    static let masterCounters = ["messages_sent", "entries_sent", "send_buffer_full", "send_failed", "snapshots_sent"]
    static let backupCounters = ["messages_received", "entries_received", "messages_dropped", "entries_dropped"]
    /// The director's record outcomes (LVSCore's `SyncCounters`, reference §7.5) printed first;
    /// the `rejected_…` ones are summed into `rejected`, their reasons in parentheses.
    static let entryCounters = ["created", "updated", "replaced", "ignored_stale", "bound_later"]
    static let rejectedPrefix = "rejected_"

    static func text(_ report: SyncReport) -> String {
        guard !report.daemons.isEmpty else { return notRunning }
        let ordered =
            report.daemons.filter { $0.config.role == .master } + report.daemons.filter { $0.config.role == .backup }
        var text = ""
        for daemon in ordered { text += block(daemon, report: report) }
        text += "Entries: " + entries(report.entries) + "\n"
        return text
    }

    static func json(_ report: SyncReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(report) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    private static func block(_ daemon: SyncDaemonReport, report: SyncReport) -> String {
        let effective = EffectiveSyncDaemon(daemon.config)
        var text = "Sync daemon: \(effective.role) (mcast=\(effective.interface), syncid=\(effective.syncID)"
        if daemon.maxLength != 0 { text += ", maxlen=\(daemon.maxLength)" }
        text += ", group=\(effective.group), port=\(effective.port), ttl=\(effective.ttl))\n"
        let authenticated = report.authenticated ? "yes" : "no"
        switch daemon.config.role {
        case .master:
            text += "  Protocol version: \(report.version), authenticated: \(authenticated)\n"
        case .backup:
            // A backup reads either version, whatever the master sends (reference §7.1).
            text += "  Protocol version: 0 and 1 accepted, authenticated: \(authenticated)\n"
        }
        text += "  Running for: \(seconds(daemon.runningFor))\n"
        text += "  Ports: \(daemon.ports.isEmpty ? "none" : daemon.ports.map(String.init).joined(separator: ", "))\n"
        let known: [String]
        switch daemon.config.role {
        case .master: known = masterCounters
        case .backup: known = backupCounters
        }
        text += "  " + sentence(ordered(daemon.counters, known: known)) + "\n"
        // Peers and drops are the backup's; a master shows them only if it reports some.
        if daemon.config.role == .backup || !daemon.peers.isEmpty {
            let peers = daemon.peers.isEmpty ? "none" : daemon.peers.map(peer).joined(separator: ", ")
            text += "  Peers: \(peers)\n"
        }
        let drops = daemon.drops.filter { $0.value != 0 }.sorted { $0.key < $1.key }
        if daemon.config.role == .backup || !drops.isEmpty {
            let reasons = drops.isEmpty ? "none" : drops.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            text += "  Drops: \(reasons)\n"
        }
        return text
    }

    /// `Messages sent: 12, entries sent: 340`: each counter's name in words, the first capitalised.
    private static func sentence(_ counters: [(name: String, value: UInt64)]) -> String {
        var parts: [String] = []
        for (index, counter) in counters.enumerated() {
            let words = counter.name.replacingOccurrences(of: "_", with: " ")
            let title = index == 0 ? words.prefix(1).uppercased() + words.dropFirst() : words
            parts.append("\(title): \(counter.value)")
        }
        return parts.joined(separator: ", ")
    }

    /// `10.0.0.1 (12 messages, 340 entries, last 0.4s ago)`.
    private static func peer(_ peer: SyncPeerReport) -> String {
        let messages = peer.messages == 1 ? "1 message" : "\(peer.messages) messages"
        let entries = peer.entries == 1 ? "1 entry" : "\(peer.entries) entries"
        return "\(peer.address) (\(messages), \(entries), last \(seconds(peer.lastMessageAgo)) ago)"
    }

    /// `created 300, updated 40, replaced 0, ignored_stale 0, bound_later 0, rejected 3 (table_full 3)`,
    /// then whatever else the director counts (`queued`, `dropped_outbox_full`, …), sorted.
    private static func entries(_ entries: [String: UInt64]) -> String {
        var parts = entryCounters.map { "\($0) \(entries[$0] ?? 0)" }
        let reasons = entries.filter { $0.key.hasPrefix(rejectedPrefix) }.sorted { $0.key < $1.key }
        let rejected = reasons.reduce(entries["rejected"] ?? 0) { $0 &+ $1.value }
        let nonZero = reasons.filter { $0.value != 0 }.map { "\($0.key.dropFirst(rejectedPrefix.count)) \($0.value)" }
        parts.append("rejected \(rejected)" + (nonZero.isEmpty ? "" : " (\(nonZero.joined(separator: ", ")))"))
        let listed = Set(entryCounters + ["rejected"])
        for (name, value) in entries.sorted(by: { $0.key < $1.key })
        where !listed.contains(name) && !name.hasPrefix(rejectedPrefix) {
            parts.append("\(name) \(value)")
        }
        return parts.joined(separator: ", ")
    }

    /// The `known` counters in their order (0 when absent), then any others sorted by name.
    private static func ordered(_ counters: [String: UInt64], known: [String]) -> [(name: String, value: UInt64)] {
        let others = counters.keys.filter { !known.contains($0) }.sorted()
        return (known + others).map { ($0, counters[$0] ?? 0) }
    }

    /// `83.2s`: tenths of a second, as `--vrrp` writes ages.
    private static func seconds(_ value: Double) -> String {
        // Whatever a daemon sends, printing it must not trap.
        let clamped = value.isFinite ? min(max(0, value), 1e12) : 0
        let tenths = Int((clamped * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)s"
    }
}
