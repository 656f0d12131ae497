import LVSControl
import LVSCore

// Health checking (`getHealth`, what `lvsadm --health` prints): per `virtual_server` block its
// quorum, per real server and per checker the state and the last check (docs/metrics.md).
extension MetricsRendering {
    mutating func addHealth(_ report: HealthReport) {
        gauge("lvsd_health_checking", "1 while lvsd runs health checkers (--config, not --dry-run).")
        add("lvsd_health_checking", [], .flag(report.checking))
        gauge("lvsd_health_quorum_up", "1 while the virtual_server's live weight sum is at or above its quorum.")
        gauge("lvsd_health_alive_weight", "The weight sum of the virtual_server's live real servers.")
        gauge("lvsd_health_quorum", "The virtual_server's configured quorum.")
        gauge("lvsd_health_sorry_server_active", "1 while the virtual_server's sorry server is in the table.")
        gauge("lvsd_health_real_server_up", "1 while every checker of the real server passes; 0 when one fails.")
        gauge(
            "lvsd_health_real_server_state",
            "The real server's health as a state set: 1 for its state (up, down, unknown), 0 for the others.")
        gauge("lvsd_health_checker_up", "1 while the checker passes; 0 when it fails.")
        gauge(
            "lvsd_health_checker_last_check_timestamp_seconds",
            "When the checker's last attempt ended, in Unix time (absent before the first).")
        gauge(
            "lvsd_health_checker_last_result",
            "Always 1; the result label is what the checker's last attempt found (absent before the first).")
        gauge("lvsd_health_checker_consecutive_failures", "Failed attempts of the checker since its last success.")
        for block in report.virtualServers {
            let labels = [("virtual_server", block.name)]
            if block.quorumState != .unknown {
                add("lvsd_health_quorum_up", labels, .flag(block.quorumState == .up))
            }
            add("lvsd_health_alive_weight", labels, .signed(block.aliveWeight))
            add("lvsd_health_quorum", labels, .signed(block.quorum))
            add("lvsd_health_sorry_server_active", labels, .flag(block.sorryServerActive))
            for real in block.realServers {
                addRealServerHealth(real, virtualServer: block.name)
            }
        }
    }

    private mutating func addRealServerHealth(_ real: RealServerHealthReport, virtualServer: String) {
        let labels = [
            ("virtual_server", virtualServer), ("remote_address", real.server.address.description),
            ("remote_port", String(real.server.port)),
        ]
        if real.state != .unknown {
            add("lvsd_health_real_server_up", labels, .flag(real.state == .up))
        }
        for state in [HealthReportState.up, .down, .unknown] {
            add("lvsd_health_real_server_state", labels + [("state", state.rawValue)], .flag(real.state == state))
        }
        // Two checkers of one kind on a real server get `TCP_CHECK`, `TCP_CHECK#2`, … so their
        // series stay apart.
        var seen: [String: Int] = [:]
        for checker in real.checkers {
            let count = (seen[checker.name] ?? 0) + 1
            seen[checker.name] = count
            let name = count == 1 ? checker.name : "\(checker.name)#\(count)"
            let checkerLabels = labels + [("checker", name)]
            if checker.state != .unknown {
                add("lvsd_health_checker_up", checkerLabels, .flag(checker.state == .up))
            }
            add(
                "lvsd_health_checker_consecutive_failures", checkerLabels,
                .unsigned(UInt64(checker.consecutiveFailures)))
            if let age = checker.lastCheckAgeMilliseconds {
                add(
                    "lvsd_health_checker_last_check_timestamp_seconds", checkerLabels,
                    .double(Self.rounded(now - Double(age) / 1000)))
            }
            if let result = checker.lastResult {
                add("lvsd_health_checker_last_result", checkerLabels + [("result", result)], .unsigned(1))
            }
        }
    }
}
