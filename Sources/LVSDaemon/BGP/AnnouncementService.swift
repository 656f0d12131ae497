import Foundation
import LVSConfig
import LVSControl
import LVSCore
import LVSHealth
import Logging
import Synchronization

/// The driver of `VIPAnnouncer` for BIRD 2 (docs/design/0029-bgp-announcements.md): it feeds
/// the announcer configuration, quorum and the director's readiness, and carries out its
/// decisions by writing the include file of static routes and asking BIRD to `configure`.
///
/// Contract: the announcer is behind a lock and may be fed from any thread; file writes and
/// control-socket round trips run on `queue` only, one at a time, each pushing the newest
/// decision (so bursts coalesce). A push that fails is retried every second until one succeeds.
final class AnnouncementService: Sendable {
    let definition: BGPAnnounceDefinition
    let supervisor: BirdSupervisor?
    private let announcer: Mutex<VIPAnnouncer>
    private let queue = DispatchQueue(label: "lvsd.bgp")
    /// What BIRD last accepted (nil: nothing yet), and whether a retry is scheduled.
    private let pushed = Mutex<(applied: Set<IPAddress>?, retrying: Bool)>((nil, false))
    private let client: BirdControlClient
    private let logger: Logger
    private let events: EventLog

    private init(definition: BGPAnnounceDefinition, supervisor: BirdSupervisor?, logger: Logger, events: EventLog) {
        self.definition = definition
        self.supervisor = supervisor
        self.announcer = Mutex(VIPAnnouncer(requirement: Self.requirement(definition.requirement)))
        self.client = BirdControlClient(socketPath: definition.birdSocket)
        self.logger = logger
        self.events = events
    }

    /// Writes an include file that announces nothing (BIRD may read it at once), then starts
    /// BIRD when lvsd supervises it.
    static func start(_ definition: BGPAnnounceDefinition, logger: Logger, events: EventLog) throws
        -> AnnouncementService
    {
        try writeIncludeFile([], definition: definition)
        let supervisor = definition.birdCommand.map { BirdSupervisor(command: $0, logger: logger) }
        try supervisor?.start()
        let service = AnnouncementService(
            definition: definition, supervisor: supervisor, logger: logger, events: events)
        logger.notice("bgp: announcing through BIRD at \(definition.birdSocket), routes in \(definition.includeFile)")
        return service
    }

    func configurationChanged(
        _ addresses: [IPAddress: [HealthVirtualServerID]], requirement: BGPAnnounceDefinition.Requirement
    ) {
        carryOut(announcer.withLock { $0.configurationChanged(addresses, requirement: Self.requirement(requirement)) })
    }

    func quorumObserved(_ states: [HealthVirtualServerID: Bool]) {
        carryOut(announcer.withLock { $0.quorumObserved(states) })
    }

    func directorHealthChanged(_ healthy: Bool) {
        carryOut(announcer.withLock { $0.directorHealthChanged(healthy) })
    }

    /// Withdraws every VIP and waits (bounded by the control socket's timeouts) until BIRD has
    /// the empty route set, then stops a supervised BIRD.
    func stop() {
        carryOut(announcer.withLock { $0.stopRequested() })
        queue.sync { push() }
        supervisor?.stop()
    }

    /// Every VIP, announced or not and why, and what BIRD last accepted.
    func report() -> AnnouncementReport {
        let status = announcer.withLock { $0.status() }
        let applied = pushed.withLock { $0.applied }
        return AnnouncementReport(
            running: true, speaker: "bird", includeFile: definition.includeFile, controlSocket: definition.birdSocket,
            supervisedProcess: supervisor?.pid.map { Int($0) },
            addresses: status.map { entry in
                AnnouncedAddress(
                    address: entry.address, announced: entry.announced,
                    acceptedBySpeaker: applied?.contains(entry.address) ?? false, reason: entry.reason,
                    virtualServers: entry.virtualServers.map(\.name))
            })
    }

    private func carryOut(_ actions: [AnnouncementAction]) {
        guard !actions.isEmpty else { return }
        for action in actions {
            let reason: String
            switch action {
            case .announce(let address): reason = announcer.withLock { $0.decision(for: address).reason }
            case .withdraw(let address): reason = announcer.withLock { $0.decision(for: address).reason }
            }
            logger.notice("bgp: \(action) (\(reason))")
            events.record(.health, "bgp: \(action) (\(reason))", fields: ["subject": "bgp", "action": "\(action)"])
        }
        queue.async { self.push() }
    }

    /// Writes the newest decision and asks BIRD to read it; on failure, tries again in a second.
    private func push() {
        let wanted = announcer.withLock { $0.announced }
        if pushed.withLock({ $0.applied }) == wanted { return }
        do {
            try Self.writeIncludeFile(wanted, definition: definition)
            let reply = try client.run("configure")
            guard reply.succeeded else {
                throw AnnouncementError.refused(reply.lines.joined(separator: " / "))
            }
            pushed.withLock { $0.applied = wanted }
            logger.info("bgp: BIRD now announces [\(wanted.sorted().map { "\($0)" }.joined(separator: ", "))]")
        } catch {
            logger.error("bgp: BIRD could not take the routes: \(error); trying again in 1 s")
            let schedule = pushed.withLock { state in
                defer { state.retrying = true }
                return !state.retrying
            }
            if schedule {
                queue.asyncAfter(deadline: .now() + 1) {
                    self.pushed.withLock { $0.retrying = false }
                    self.push()
                }
            }
        }
    }

    /// Replaces the include file atomically (rename), mode 0644 so that a BIRD running as its
    /// own user can read it.
    static func writeIncludeFile(_ announced: Set<IPAddress>, definition: BGPAnnounceDefinition) throws {
        let url = URL(fileURLWithPath: definition.includeFile)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o755])
        let text = BirdRouteFile.render(announced, protocolName: definition.protocolName)
        try Data(text.utf8).write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: url.path)
    }

    static func requirement(_ requirement: BGPAnnounceDefinition.Requirement) -> VIPAnnouncer.Requirement {
        switch requirement {
        case .all: return .all
        case .any: return .any
        }
    }
}

/// BIRD refused the written routes.
enum AnnouncementError: Error, CustomStringConvertible {
    case refused(String)

    var description: String {
        switch self {
        case .refused(let text): return "BIRD refused the configuration: \(text)"
        }
    }
}
