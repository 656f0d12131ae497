import LVSConfig
import LVSControl
import LVSCore
import LVSHealth

// VIP announcement through BGP beside the director (DESIGN.md §6a; docs/design/0029): started
// after health checking, fed with quorum on every quorum transition and every tick, withdrawn
// first at shutdown so that the routers move flows away while the engines still serve them.
extension DirectorHost {
    /// Starts announcing for `configuration`'s `bgp_announce` block; nothing when it has none.
    /// Call after health checking started: the VIPs come from its plan.
    func startAnnouncements(_ configuration: KeepalivedConfiguration) throws {
        guard let definition = configuration.bgpAnnounce else { return }
        let service = try AnnouncementService.start(definition, logger: logger, events: events)
        announcements.withLock { $0 = service }
        service.configurationChanged(virtualAddresses(), requirement: definition.requirement)
        // The engines run and the table is loaded: the director can serve.
        service.directorHealthChanged(true)
        refreshAnnouncements()
    }

    /// A reloaded configuration's VIPs; a changed or removed `bgp_announce` block needs a restart.
    func reloadAnnouncements(_ configuration: KeepalivedConfiguration) {
        guard let service = announcements.withLock({ $0 }) else {
            if configuration.bgpAnnounce != nil {
                logger.warning("bgp: the reloaded configuration has a bgp_announce block: restart lvsd to start it")
            }
            return
        }
        var kept = service.definition
        if let reloaded = configuration.bgpAnnounce {
            var comparable = reloaded
            comparable.location = kept.location
            comparable.requirement = kept.requirement
            if comparable != kept {
                logger.warning("bgp: changes to bgp_announce other than require need a restart of lvsd")
            }
            kept.requirement = reloaded.requirement
        } else {
            logger.warning("bgp: bgp_announce was removed: restart lvsd to stop announcing")
        }
        service.configurationChanged(virtualAddresses(), requirement: kept.requirement)
        refreshAnnouncements()
    }

    /// Feeds the announcer every virtual server's quorum as the checkers see it now.
    func refreshAnnouncements() {
        guard let service = announcements.withLock({ $0 }), let health = health.withLock({ $0 }) else { return }
        health.runner.quorumStatus().whenSuccess { statuses in
            var states: [HealthVirtualServerID: Bool] = [:]
            for status in statuses { states[status.id] = status.state == .up }
            service.quorumObserved(states)
        }
    }

    /// Withdraws every VIP (waiting, bounded, for the speaker) and stops a supervised BIRD.
    func stopAnnouncements() {
        let service = announcements.withLock { service in
            defer { service = nil }
            return service
        }
        service?.stop()
    }

    /// `lvsadm --announcements`: every VIP; `running` false without `bgp_announce`.
    public func announcementReport() -> AnnouncementReport {
        announcements.withLock { $0 }?.report() ?? AnnouncementReport(running: false)
    }

    /// The VIPs of the configuration the checkers run now.
    private func virtualAddresses() -> [IPAddress: [HealthVirtualServerID]] {
        let servers = health.withLock { $0 }?.current.withLock { $0?.plan.configuration.virtualServers } ?? []
        return VIPAnnouncer.virtualAddresses(of: servers)
    }
}
