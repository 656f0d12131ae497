// Each real server's verdict in an explanation: why it is, or is not, the one (docs/lvsadm.md,
// "--explain"; the scheduler rules of reference §3).
extension Director {
    /// Every real server of `service` in list order with its inputs and verdict. With
    /// `decidedElsewhere`, an entry or template chose `chosen` and the others were not considered.
    func explainedServers(_ service: VirtualServiceState, chosen: RealServer?, decidedElsewhere: Bool)
        -> [ExplainedRealServer]
    {
        service.realServers.map { server in
            let (verdict, reason) = Self.verdict(
                of: server, chosen: chosen, scheduler: service.scheduler.name, decidedElsewhere: decidedElsewhere)
            return ExplainedRealServer(
                key: server.key, weight: server.weight, activeConnections: server.activeConnections,
                inactiveConnections: server.inactiveConnections, persistentConnections: server.persistentConnections,
                overloaded: server.isOverloaded, verdict: verdict, reason: reason)
        }
    }

    static func verdict(of server: RealServer, chosen: RealServer?, scheduler: String, decidedElsewhere: Bool)
        -> (ExplainedRealServer.Verdict, String)
    {
        if let chosen, server === chosen {
            return (.chosen, decidedElsewhere ? "bound by the entry that decides" : chosenReason(server, scheduler))
        }
        if decidedElsewhere { return (.notConsidered, "not considered: an entry already decides") }
        if server.weight == 0 {
            return (.weightZero, "weight 0 (drained, quiescent, or inhibited by a failed health check)")
        }
        if server.isOverloaded {
            return (.overloaded, "overloaded: \(server.totalConnections) connections reached the upper threshold")
        }
        guard let chosen else { return (.notPreferred, "eligible, but the scheduler picked nothing") }
        return (.notPreferred, lostReason(server, chosen: chosen, scheduler: scheduler))
    }

    /// Why the scheduler's rule prefers the chosen real server (reference §3).
    private static func chosenReason(_ server: RealServer, _ scheduler: String) -> String {
        switch scheduler {
        case "rr", "wrr": return "next in turn"
        case "lc", "wlc", "lblc", "lblcr", "twos":
            return "overhead \(server.overhead) / weight \(server.weight) is the smallest"
        case "sed", "nq":
            return "(active + 1) / weight = \(server.activeConnections + 1)/\(server.weight) is the smallest"
        case "fo": return "highest weight \(server.weight)"
        case "ovf": return "highest weight \(server.weight) with active connections not above it"
        case "sh", "dh", "mh": return "owns the row the key hashes to"
        default: return "picked by \(scheduler)"
        }
    }

    /// Why an eligible real server lost to `chosen` on the scheduler's rule.
    private static func lostReason(_ server: RealServer, chosen: RealServer, scheduler: String) -> String {
        switch scheduler {
        case "rr", "wrr":
            return "not next in turn"
        case "lc", "wlc", "lblc", "lblcr", "twos":
            // overhead = active × 256 + total (docs/design/0001-overhead.md); compared per weight.
            return
                "overhead \(server.overhead) / weight \(server.weight) is not below the chosen one's \(chosen.overhead) / \(chosen.weight)"
        case "sed", "nq":
            return
                "(active + 1) / weight = \(server.activeConnections + 1)/\(server.weight) is not below the chosen one's \(chosen.activeConnections + 1)/\(chosen.weight)"
        case "fo":
            return "weight \(server.weight) is not above the chosen one's \(chosen.weight)"
        case "ovf":
            if server.activeConnections > server.weight {
                return "\(server.activeConnections) active connections exceed its weight \(server.weight)"
            }
            return "weight \(server.weight) is not above the chosen one's \(chosen.weight)"
        case "sh", "dh", "mh":
            return "does not own the row the key hashes to"
        default:
            return "not picked by \(scheduler)"
        }
    }
}
