import IPVSAdmin
import LVSControl
import LVSCore

// Our commands that ipvsadm does not have (docs/lvsadm.md, "Differences from ipvsadm").
extension AdminSession {
    /// `lvsadm --reload`: lvsd reads its `--config` file again and applies what changed. The
    /// file's warnings go to stderr; a refused reload prints every diagnostic on stderr, says
    /// that nothing changed and exits 1.
    func reload() -> Int32 {
        guard let reply = send(.reload) else { return 2 }
        switch reply {
        case .reloaded(let report):
            for warning in report.warnings { output.error(warning + "\n") }
            let noun = report.changes == 1 ? "change" : "changes"
            output.standard("lvsadm: reloaded \(report.path): \(report.changes) \(noun)\n")
            return 0
        case .failure(let failure):
            output.error(failure.message + "\n")
            if failure.kind == .configuration { output.error("lvsadm: reload refused, nothing was changed\n") }
            return 1
        case .ok, .table, .connections, .timeouts, .daemons, .pong, .engineStats, .health, .vrrp, .sync, .announcements,
            .events,
            .explanation:
            return unexpected(reply)
        }
    }

    /// `lvsadm --health [-n] [--json]`: each real server's health state, last check and its age,
    /// per virtual service.
    func health(numeric: Bool, json: Bool, resolver: any NameResolver) -> Int32 {
        guard let reply = send(.getHealth) else { return 2 }
        guard case .health(let report) = reply else { return unexpected(reply) }
        let listing = HealthListing(resolver: resolver, numeric: numeric)
        output.standard(json ? listing.json(report) : listing.text(report))
        return 0
    }

    /// `lvsadm --vrrp [--json]`: each VRRP instance (state, priorities, master, last transition,
    /// keepalived's counters, dropped adverts by reason), then each sync group.
    func vrrp(json: Bool) -> Int32 {
        guard let reply = send(.getVRRP) else { return 2 }
        guard case .vrrp(let report) = reply else { return unexpected(reply) }
        output.standard(json ? VRRPListing.json(report) : VRRPListing.text(report))
        return 0
    }

    /// `lvsadm --sync [--json]`: each connection synchronisation daemon (parameters, counters,
    /// peers, drops by reason), then what the director did with the records it received.
    func sync(json: Bool) -> Int32 {
        guard let reply = send(.getSync) else { return 2 }
        guard case .sync(let report) = reply else { return unexpected(reply) }
        output.standard(json ? SyncListing.json(report) : SyncListing.text(report))
        return 0
    }

    /// `lvsadm --announcements [--json]`: each VIP, whether it is announced through BGP and why.
    func announcements(json: Bool) -> Int32 {
        guard let reply = send(.getAnnouncements) else { return 2 }
        guard case .announcements(let report) = reply else { return unexpected(reply) }
        output.standard(json ? AnnouncementListing.json(report) : AnnouncementListing.text(report))
        return 0
    }

    /// `lvsadm --events [--json]`: the event log, one line per event.
    func events(since: Int?, limit: Int?, json: Bool) -> Int32 {
        guard let reply = send(.getEvents(since: since, limit: limit)) else { return 2 }
        guard case .events(let events) = reply else { return unexpected(reply) }
        output.standard(json ? EventListing.json(events) : EventListing.text(events))
        return 0
    }

    /// `lvsadm --explain …`: where a new packet from the client would go, and why.
    func explain(_ query: ExplainQuery, json: Bool) -> Int32 {
        guard let reply = send(.explain(query)) else { return 2 }
        guard case .explanation(let explanation) = reply else { return unexpected(reply) }
        output.standard(json ? ExplainListing.json(explanation) : ExplainListing.text(explanation, query: query))
        return 0
    }

    /// `lvsadm --content [--json]`: each content-switched service, its groups, and its rules with
    /// the requests each decided.
    func content(json: Bool) -> Int32 {
        guard let reply = send(.getEngineStats) else { return 2 }
        guard case .engineStats(let statistics) = reply else { return unexpected(reply) }
        let services = statistics.contentSwitching ?? []
        output.standard(json ? ContentListing.json(services) : ContentListing.text(services))
        return 0
    }
}
