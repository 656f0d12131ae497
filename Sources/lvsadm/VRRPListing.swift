import Foundation
import LVSControl

/// The output of `lvsadm --vrrp` (docs/lvsadm.md): one block per VRRP instance in the shape of
/// keepalived's own dumps (`keepalived --signum=DATA` for the state, `--signum=STATS` for the
/// counters, with keepalived's counter titles), then one block per sync group; or the report as
/// one JSON document.
enum VRRPListing {
    static let notRunning =
        "lvsd runs no VRRP instance (started without --config, with --dry-run, or without vrrp_instance)\n"

    static func text(_ report: VRRPReport) -> String {
        guard report.running else { return notRunning }
        var text = ""
        for instance in report.instances { text += block(instance) }
        for group in report.syncGroups { text += block(group) }
        return text
    }

    static func json(_ report: VRRPReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(report) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// The counters under keepalived's titles and nesting, in its order (vrrp_print.c).
    private enum CounterLine {
        case heading(String)
        case counter(String, VRRPCounter)
        case subcounter(String, VRRPCounter)
    }

    private static let counterLayout: [CounterLine] = [
        .heading("Advertisements"),
        .subcounter("Received", .advertisementsReceived),
        .subcounter("Sent", .advertisementsSent),
        .counter("Became master", .becameMaster),
        .counter("Released master", .releasedMaster),
        .heading("Packet Errors"),
        .subcounter("Length", .packetLengthErrors),
        .subcounter("TTL", .ttlErrors),
        .subcounter("Invalid Type", .invalidTypeReceived),
        .subcounter("Advertisement Interval", .advertisementIntervalErrors),
        .subcounter("Address List", .addressListErrors),
        .heading("Authentication Errors"),
        .subcounter("Invalid Type", .invalidAuthenticationType),
        .subcounter("Type Mismatch", .authenticationTypeMismatch),
        .subcounter("Failure", .authenticationFailures),
        .heading("Priority Zero"),
        .subcounter("Received", .priorityZeroReceived),
        .subcounter("Sent", .priorityZeroSent),
    ]

    private static func block(_ instance: VRRPInstanceReport) -> String {
        var text = "VRRP Instance: \(instance.name)\n"
        text += "  State: \(instance.state)\n"
        text += "  Interface: \(instance.interface)\n"
        text += "  Virtual Router ID: \(instance.virtualRouterID)\n"
        text += "  Version: \(instance.version)\n"
        text += "  Priority: \(instance.priority)\n"
        text += "  Effective priority: \(instance.effectivePriority)\n"
        text += "  Advert interval: \(interval(instance.advertisementInterval, version: instance.version))\n"
        if instance.masterAdvertisementInterval != instance.advertisementInterval {
            text +=
                "  Master advert interval: \(interval(instance.masterAdvertisementInterval, version: instance.version))\n"
        }
        text += "  Master router: \(instance.masterAddress ?? "unknown")\n"
        text += "  Source address: \(instance.sourceAddress)\n"
        text += "  Last transition: \(describe(instance.lastTransition))\n"
        text += "  Sync group: \(instance.syncGroup ?? "none")\n"
        text += "  Virtual addresses (\(instance.virtualAddresses.count)):\n"
        for address in instance.virtualAddresses { text += "    \(address)\n" }
        for line in counterLayout {
            switch line {
            case .heading(let title): text += "  \(title):\n"
            case .counter(let title, let counter): text += "  \(title): \(instance.counters[counter.rawValue] ?? 0)\n"
            case .subcounter(let title, let counter):
                text += "    \(title): \(instance.counters[counter.rawValue] ?? 0)\n"
            }
        }
        if instance.drops.isEmpty {
            text += "  Dropped adverts: none\n"
        } else {
            text += "  Dropped adverts:\n"
            for (reason, count) in instance.drops.sorted(by: { $0.key < $1.key }) {
                text += "    \(reason): \(count)\n"
            }
        }
        return text
    }

    private static func block(_ group: VRRPSyncGroupReport) -> String {
        var text = "VRRP Sync Group: \(group.name)\n"
        text += "  State: \(group.state)\n"
        text += "  Members: \(group.members.isEmpty ? "none" : group.members.joined(separator: ", "))\n"
        text += "  Last transition: \(describe(group.lastTransition))\n"
        return text
    }

    /// As keepalived's data dump writes it: whole seconds for VRRPv2 (RFC 3768 §5.3.7), whole
    /// milliseconds for VRRPv3 (centiseconds on the wire, RFC 5798 §5.2.7).
    private static func interval(_ seconds: Double, version: Int) -> String {
        // Whatever a daemon sends, printing it must not trap.
        guard seconds.isFinite, seconds >= 0, seconds < 1e9 else { return "\(seconds) sec" }
        if version == 2, seconds == seconds.rounded() { return "\(Int(seconds)) sec" }
        return "\(Int((seconds * 1000).rounded())) milli-sec"
    }

    /// `BACKUP -> MASTER (master down timer expired), 12.5s ago`.
    private static func describe(_ transition: VRRPTransitionReport?) -> String {
        guard let transition else { return "none" }
        let seconds = transition.secondsAgo.isFinite ? min(max(0, transition.secondsAgo), 1e12) : 0
        let tenths = Int((seconds * 10).rounded())
        let reason = transition.reason.isEmpty ? "" : " (\(transition.reason))"
        return "\(transition.from) -> \(transition.to)\(reason), \(tenths / 10).\(tenths % 10)s ago"
    }
}
