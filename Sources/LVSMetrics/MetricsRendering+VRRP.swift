import LVSControl
import LVSCore

// VRRP (`getVRRP`, what `lvsadm --vrrp` prints) and connection synchronisation (`getSync`,
// `lvsadm --sync`): states as state sets, keepalived's and our counters (docs/metrics.md).
extension MetricsRendering {
    /// keepalived's state words; a state the report names outside these is added to the set.
    static let vrrpStates = ["INIT", "BACKUP", "MASTER", "FAULT", "STOP"]

    mutating func addVRRP(_ report: VRRPReport) {
        gauge("lvsd_vrrp_running", "1 while lvsd runs VRRP instances.")
        add("lvsd_vrrp_running", [], .flag(report.running))
        gauge(
            "lvsd_vrrp_instance_state",
            "The VRRP instance's state as a state set: 1 for its state (INIT, BACKUP, MASTER, FAULT, STOP), 0 for the others."
        )
        gauge("lvsd_vrrp_instance_priority", "The VRRP instance's configured priority.")
        gauge("lvsd_vrrp_instance_effective_priority", "The VRRP instance's priority with tracking weights applied.")
        gauge(
            "lvsd_vrrp_instance_last_transition_timestamp_seconds",
            "When the VRRP instance last changed state, in Unix time.")
        counter(
            "lvsd_vrrp_instance_events_total",
            "The VRRP instance's counters by keepalived's vrrp_stats names (advert_rcvd, become_master, ...).")
        counter("lvsd_vrrp_instance_drops_total", "Adverts the VRRP instance dropped in its receive checks, by reason.")
        gauge(
            "lvsd_vrrp_sync_group_state",
            "The VRRP sync group's state as a state set: 1 for its state, 0 for the others.")
        for instance in report.instances {
            let labels = [("instance", instance.name), ("interface", instance.interface)]
            addStateSet("lvsd_vrrp_instance_state", labels, state: instance.state)
            add("lvsd_vrrp_instance_priority", labels, .signed(Int64(instance.priority)))
            add("lvsd_vrrp_instance_effective_priority", labels, .signed(Int64(instance.effectivePriority)))
            if let transition = instance.lastTransition {
                add(
                    "lvsd_vrrp_instance_last_transition_timestamp_seconds", labels,
                    .double(Self.rounded(now - transition.secondsAgo)))
            }
            // Every counter keepalived names, 0 when the daemon has not counted it yet.
            var counters = instance.counters
            for counter in VRRPCounter.allCases where counters[counter.rawValue] == nil {
                counters[counter.rawValue] = 0
            }
            for (name, value) in counters.sorted(by: { $0.key < $1.key }) {
                add("lvsd_vrrp_instance_events_total", labels + [("event", name)], .unsigned(value))
            }
            for (reason, value) in instance.drops.sorted(by: { $0.key < $1.key }) {
                add("lvsd_vrrp_instance_drops_total", labels + [("reason", reason)], .unsigned(value))
            }
        }
        for group in report.syncGroups {
            addStateSet("lvsd_vrrp_sync_group_state", [("group", group.name)], state: group.state)
        }
    }

    private mutating func addStateSet(_ name: String, _ labels: [(String, String)], state: String) {
        let states = Self.vrrpStates.contains(state) ? Self.vrrpStates : Self.vrrpStates + [state]
        for candidate in states {
            add(name, labels + [("state", candidate)], .flag(candidate == state))
        }
    }

    mutating func addSync(_ report: SyncReport) {
        gauge("lvsd_sync_daemon_running", "1 while the connection synchronisation daemon of the role runs.")
        gauge("lvsd_sync_daemon_start_timestamp_seconds", "When the sync daemon started, in Unix time.")
        gauge("lvsd_sync_authenticated", "1 when sync messages are authenticated (HMAC-SHA-256).")
        counter(
            "lvsd_sync_daemon_events_total",
            "The sync daemon's counters (messages_sent, entries_received, ...), by role.")
        counter("lvsd_sync_daemon_drops_total", "Datagrams and records the backup sync daemon dropped, by reason.")
        counter(
            "lvsd_sync_entries_total",
            "What the director did with sync records (created, updated, ...) and, as a master, queued them, by outcome."
        )
        counter("lvsd_sync_peer_messages_total", "Sync messages received from each master.")
        counter("lvsd_sync_peer_entries_total", "Sync records received from each master.")
        gauge(
            "lvsd_sync_peer_last_message_timestamp_seconds",
            "When the last sync message of each master came, in Unix time.")
        add("lvsd_sync_authenticated", [], .flag(report.authenticated))
        for role in [SyncDaemonRole.master, .backup] {
            let running = report.daemons.contains { $0.config.role == role }
            add("lvsd_sync_daemon_running", [("role", role.rawValue)], .flag(running))
        }
        for daemon in report.daemons {
            let role = [("role", daemon.config.role.rawValue)]
            add("lvsd_sync_daemon_start_timestamp_seconds", role, .double(Self.rounded(now - daemon.runningFor)))
            for (name, value) in daemon.counters.sorted(by: { $0.key < $1.key }) {
                add("lvsd_sync_daemon_events_total", role + [("event", name)], .unsigned(value))
            }
            for (reason, value) in daemon.drops.sorted(by: { $0.key < $1.key }) {
                add("lvsd_sync_daemon_drops_total", role + [("reason", reason)], .unsigned(value))
            }
            for peer in daemon.peers {
                let labels = [("peer", peer.address)]
                add("lvsd_sync_peer_messages_total", labels, .unsigned(peer.messages))
                add("lvsd_sync_peer_entries_total", labels, .unsigned(peer.entries))
                add(
                    "lvsd_sync_peer_last_message_timestamp_seconds", labels,
                    .double(Self.rounded(now - peer.lastMessageAgo)))
            }
        }
        for (outcome, value) in report.entries.sorted(by: { $0.key < $1.key }) {
            add("lvsd_sync_entries_total", [("outcome", outcome)], .unsigned(value))
        }
    }
}
