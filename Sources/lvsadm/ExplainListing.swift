import Foundation
import LVSControl
import LVSCore

/// The output of `lvsadm --explain` (docs/lvsadm.md): what decides, the scheduler's inputs and
/// each real server's verdict, for an operator; or the explanation as one JSON document.
enum ExplainListing {
    static func text(_ explanation: Explanation, query: ExplainQuery) -> String {
        let client =
            query.clientPort == 0
            ? query.clientAddress.description : "\(query.clientAddress.bracketedIfIPv6):\(query.clientPort)"
        guard let service = explanation.service else {
            return "Client \(client) to \(query.service): no virtual service matches (the packet is not ours)\n"
        }
        var text = "Client \(client) to \(query.service)\n"
        text += "Virtual service: \(service), scheduler \(explanation.scheduler ?? "?")\n"
        text += "Decided by: \(decision(explanation))\n"
        if let connection = explanation.connection {
            text +=
                "  connection entry \(connection.stateName), expires in \(connection.expiresInSeconds) s, to \(connection.destinationAddress.bracketedIfIPv6):\(connection.destinationPort)\n"
        }
        if let persistence = explanation.persistence {
            text += "Persistence: netmask \(persistence.netmask), template key \(persistence.network)"
            text += " port \(persistence.virtualPort), timeout \(persistence.timeout) s: "
            if let server = persistence.realServer {
                let expires = persistence.expiresIn.map { ", expires in \($0) s" } ?? ""
                text +=
                    persistence.valid
                    ? "template to \(server)\(expires)\n" : "template to \(server) is no longer valid\n"
            } else {
                text += "no template yet\n"
            }
        }
        if let row = explanation.hashRow {
            text += "Hash: \(row.scheduler) on the \(row.key): row \(row.row) of \(row.tableSize), owner "
            text += (row.owner?.description ?? "none") + (row.fallback ? ", fallback on" : "") + "\n"
        }
        text += "Real servers:\n"
        for server in explanation.realServers {
            let mark = server.verdict == .chosen ? "*" : " "
            let health = server.health.map { " health \($0)" } ?? ""
            text +=
                "\(mark) \(server.key) weight \(server.weight) active \(server.activeConnections) inactive \(server.inactiveConnections)\(server.overloaded ? " overloaded" : "")\(health): \(server.reason)\n"
        }
        if explanation.realServers.isEmpty { text += "  (none)\n" }
        for note in explanation.notes { text += "Note: \(note)\n" }
        return text
    }

    private static func decision(_ explanation: Explanation) -> String {
        let target = explanation.chosen.map { " -> \($0)" } ?? ""
        switch explanation.decision {
        case .noService: return "no virtual service"
        case .connectionEntry: return "existing connection entry\(target)"
        case .persistenceTemplate: return "persistence template\(target)"
        case .scheduler: return "scheduler \(explanation.scheduler ?? "?")\(target)"
        case .noRealServer: return "no real server can take the connection"
        }
    }

    static func json(_ explanation: Explanation) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(explanation) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// The output of `lvsadm --events`: one line per event (`seq time kind reason key=value…`), or
/// one JSON object per line with `--json`.
enum EventListing {
    static func text(_ events: [DaemonEvent]) -> String {
        events.map { event in
            let fields = event.fields.keys.sorted().map { "\($0)=\(quoted(event.fields[$0] ?? ""))" }
            return ([String(event.seq), event.time, event.kind.rawValue, event.reason] + fields)
                .joined(separator: " ") + "\n"
        }.joined()
    }

    static func json(_ events: [DaemonEvent]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return events.map { event in
            guard let data = try? encoder.encode(event) else { return "{}\n" }
            return String(decoding: data, as: UTF8.self) + "\n"
        }.joined()
    }

    private static func quoted(_ value: String) -> String {
        value.contains(" ") || value.isEmpty ? "\"\(value)\"" : value
    }
}
