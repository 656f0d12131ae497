import LVSCore

/// Decides which virtual addresses this director announces to its routers, for N directors
/// behind ECMP (DESIGN.md §6a; docs/design/0029-bgp-announcements.md).
///
/// A VIP is announced while the director is healthy and the VIP's virtual servers have quorum
/// (keepalived's quorum with hysteresis, computed by `HealthMonitor`: reference §8.5); with
/// `.all` every virtual server of the VIP must have it, with `.any` one suffices. Everything is
/// withdrawn when the daemon stops. Pure: events in, `AnnouncementAction`s out; the driver
/// (a BGP speaker's configuration) carries them out in order.
public struct VIPAnnouncer: Sendable, Hashable {
    /// How many of a VIP's virtual servers must have quorum for it to be announced.
    public enum Requirement: String, Sendable, Hashable, Codable {
        /// Every virtual server of the VIP (a director that cannot serve one of its ports steps
        /// aside; the routers send the whole VIP to the others).
        case all
        /// At least one (a port that fails everywhere does not take the other ports down).
        case any
    }

    public private(set) var requirement: Requirement
    /// Each VIP and the `virtual_server` blocks that serve it, in configuration order.
    public private(set) var virtualAddresses: [IPAddress: [HealthVirtualServerID]] = [:]
    /// The last quorum seen per virtual server; missing = not reported yet (counts as down).
    public private(set) var quorum: [HealthVirtualServerID: Bool] = [:]
    /// Whether the director itself can serve (engines running, not stopping).
    public private(set) var directorHealthy = false
    /// Set by `stopRequested`: nothing is announced again.
    public private(set) var stopped = false
    /// What the driver was last asked to announce.
    public private(set) var announced: Set<IPAddress> = []

    public init(requirement: Requirement = .all) {
        self.requirement = requirement
    }

    /// A new or reloaded configuration: the VIPs and their virtual servers. Quorum already seen
    /// for virtual servers that stay is kept; a VIP that left the configuration is withdrawn.
    public mutating func configurationChanged(
        _ addresses: [IPAddress: [HealthVirtualServerID]], requirement: Requirement
    ) -> [AnnouncementAction] {
        self.requirement = requirement
        virtualAddresses = addresses.filter { !$0.value.isEmpty }
        let kept = Set(virtualAddresses.values.joined())
        quorum = quorum.filter { kept.contains($0.key) }
        return reconcile()
    }

    /// The quorum of every virtual server as the health monitor reports it now (idempotent:
    /// the same report twice asks for nothing).
    public mutating func quorumObserved(_ states: [HealthVirtualServerID: Bool]) -> [AnnouncementAction] {
        for (id, up) in states { quorum[id] = up }
        return reconcile()
    }

    /// The director became able (engines started) or unable to serve.
    public mutating func directorHealthChanged(_ healthy: Bool) -> [AnnouncementAction] {
        directorHealthy = healthy
        return reconcile()
    }

    /// A clean stop: withdraw everything, for good.
    public mutating func stopRequested() -> [AnnouncementAction] {
        stopped = true
        return reconcile()
    }

    /// Whether `address` should be announced now, and why (or why not).
    public func decision(for address: IPAddress) -> (announce: Bool, reason: String) {
        guard let servers = virtualAddresses[address] else { return (false, "not in the configuration") }
        if stopped { return (false, "lvsd is stopping") }
        if !directorHealthy { return (false, "the director is not ready") }
        let up = servers.filter { quorum[$0] == true }
        let down = servers.filter { quorum[$0] != true }.map(\.name)
        switch requirement {
        case .all:
            if down.isEmpty { return (true, "quorum in all \(servers.count) virtual servers") }
            return (false, "no quorum in \(down.joined(separator: ", "))")
        case .any:
            if !up.isEmpty { return (true, "quorum in \(up.count) of \(servers.count) virtual servers") }
            return (false, "no quorum in any of \(down.joined(separator: ", "))")
        }
    }

    /// Every VIP as a listing shows it, sorted by address.
    public func status() -> [AnnouncementStatus] {
        virtualAddresses.keys.sorted().map { address in
            let decision = decision(for: address)
            return AnnouncementStatus(
                address: address, announced: announced.contains(address), reason: decision.reason,
                virtualServers: virtualAddresses[address] ?? [])
        }
    }

    /// Moves `announced` to what the decisions want: withdrawals first (a VIP leaving should
    /// not wait behind new ones), each list sorted so that drivers and tests see a stable order.
    private mutating func reconcile() -> [AnnouncementAction] {
        let wanted = Set(virtualAddresses.keys.filter { decision(for: $0).announce })
        let withdrawn = announced.subtracting(wanted).sorted()
        let added = wanted.subtracting(announced).sorted()
        announced = wanted
        return withdrawn.map { .withdraw($0) } + added.map { .announce($0) }
    }
}

/// What the announcement driver must do.
public enum AnnouncementAction: Sendable, Hashable, CustomStringConvertible {
    /// Start announcing a host route (/32 or /128) to the VIP.
    case announce(IPAddress)
    /// Stop announcing it.
    case withdraw(IPAddress)

    public var description: String {
        switch self {
        case .announce(let address): return "announce \(address)"
        case .withdraw(let address): return "withdraw \(address)"
        }
    }
}

/// One VIP's announcement as `lvsadm --announcements` shows it.
public struct AnnouncementStatus: Sendable, Hashable {
    public var address: IPAddress
    public var announced: Bool
    public var reason: String
    public var virtualServers: [HealthVirtualServerID]

    public init(address: IPAddress, announced: Bool, reason: String, virtualServers: [HealthVirtualServerID]) {
        self.address = address
        self.announced = announced
        self.reason = reason
        self.virtualServers = virtualServers
    }
}

extension VIPAnnouncer {
    /// Each address-based VIP of `servers` and the `virtual_server` blocks that serve it.
    /// Firewall-mark services name no address, so they announce nothing (their VIPs are
    /// whatever the mark matches: docs/design/0029-bgp-announcements.md).
    public static func virtualAddresses(
        of servers: [HealthVirtualServerSpecification]
    ) -> [IPAddress: [HealthVirtualServerID]] {
        var result: [IPAddress: [HealthVirtualServerID]] = [:]
        for server in servers {
            for service in server.services where service.firewallMark == 0 {
                var list = result[service.address, default: []]
                if !list.contains(server.id) { list.append(server.id) }
                result[service.address] = list
            }
        }
        return result
    }
}
