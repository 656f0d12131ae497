import LVSConfig
import LVSControl
import LVSCore
import LVSPacketEngine
import LVSProxy
import LVSSharedDirector
import Logging
import NIOCore
import Synchronization

/// Owns the `Director` (behind `SharedDirector`'s lock, shared with the proxy engine's reactors:
/// docs/design/0006-engines-and-the-director.md) and runs the control requests against it.
///
/// Contract: requests may arrive on any thread. Transactions (commands that change the
/// configuration) are serialised by `transactions`, so that the engine's listeners are opened
/// before and adopted or closed after exactly one transaction at a time.
public final class DirectorHost: ControlRequestHandler {
    public let eventLoop: any EventLoop
    /// The director and its lock.
    public let shared: SharedDirector
    /// The proxy engine; nil in a dry run (nothing binds, everything is accepted).
    public let engine: ProxyEngine?
    /// The packet engine, when `--packet-engine` runs it.
    public let packetEngine: PacketEngine?
    let clock: @Sendable () -> MonotonicInstant
    private let serverInfo: ControlServerInfo
    let logger: Logger
    /// The `--config` file that `reload` reads again; nil when the daemon was started without one.
    public let configurationFile: ConfigurationFile?
    /// Health checking, when the daemon runs it (`--config` without `--dry-run`); set once at
    /// start, cleared at stop.
    let health = Mutex<DaemonHealth?>(nil)
    /// VRRP, when the configuration has `vrrp_instance`s (and it is not a dry run); set once at
    /// start, cleared at stop.
    let vrrp = Mutex<VRRPService?>(nil)
    /// VIP announcement through BGP, when the configuration has `bgp_announce` (and it is not a
    /// dry run); set once at start, cleared at stop.
    let announcements = Mutex<AnnouncementService?>(nil)
    /// Connection synchronisation: its thread once a daemon started (`startSyncDaemon`).
    let sync = Mutex<SyncService?>(nil)
    /// How sync daemons run; set before the first starts.
    public let syncTuning = Mutex(SyncTuning())
    /// keepalived's `lvs_sync_daemon`: the daemons follow its VRRP instance.
    let lvsSyncDaemon = Mutex<LVSSyncDaemonSettings?>(nil)
    /// The services the engine serves now, with the timeouts the workers were last given.
    let transactions = Mutex(ServedState())
    /// The event log (`lvsadm --events`, docs/control-protocol.md `getEvents`).
    public let events: EventLog
    /// Real servers at weight 0 that still had connections at the last look: each becoming idle
    /// is a `drain_finished` event (DirectorHost+Events.swift).
    let draining = Mutex<Set<DrainKey>>([])
    /// Reloads counted for `ping` (docs/metrics.md): outcomes and when the last one ended.
    let reloadCounts = Mutex(ReloadCounts())

    struct ServedState {
        var listening: Set<VirtualServiceID> = []
        var timeouts = TimeoutSettings.kernelDefaults
    }

    struct ReloadCounts {
        var succeeded: UInt64 = 0
        var failed: UInt64 = 0
        var last: (succeeded: Bool, at: MonotonicInstant)?
    }

    /// A host without an engine (a dry run).
    /// - Parameters:
    ///   - director: moved into the host; nothing else may keep it.
    ///   - clock: the director's notion of now (the monotonic clock; tests inject their own).
    public convenience init(
        director: sending Director,
        eventLoop: any EventLoop,
        serverInfo: ControlServerInfo,
        clock: @escaping @Sendable () -> MonotonicInstant = MonotonicClock.now,
        logger: Logger
    ) {
        self.init(
            shared: SharedDirector(director), engine: nil, eventLoop: eventLoop, serverInfo: serverInfo, clock: clock,
            logger: logger)
    }

    /// A host whose configuration changes open and close the engine's listeners. With an engine,
    /// `clock` must read the engine's `ReactorClock` (`MonotonicClock.now` for the system's).
    public init(
        shared: SharedDirector,
        engine: ProxyEngine?,
        packetEngine: PacketEngine? = nil,
        eventLoop: any EventLoop,
        serverInfo: ControlServerInfo,
        clock: @escaping @Sendable () -> MonotonicInstant = MonotonicClock.now,
        configurationFile: ConfigurationFile? = nil,
        events: EventLog? = nil,
        logger: Logger
    ) {
        self.events = events ?? EventLog(logger: logger)
        self.configurationFile = configurationFile
        self.eventLoop = eventLoop
        self.shared = shared
        self.engine = engine
        self.packetEngine = packetEngine
        self.clock = clock
        self.serverInfo = serverInfo
        self.logger = logger
    }

    public func handle(_ request: ControlRequestBody) -> EventLoopFuture<ControlReplyBody> {
        switch request {
        case .reload:
            return reloadReply()
        case .getHealth:
            return healthReport().map { .health($0) }
        case .explain(let query):
            return explanation(query).map { .explanation($0) }
        case .apply, .applyBatch, .getTable, .getConnections, .getTimeouts, .getDaemons, .getEngineStats, .ping,
            .getVRRP, .getSync, .getAnnouncements, .getEvents:
            return eventLoop.makeSucceededFuture(reply(to: request))
        }
    }

    /// Runs `body` with the director under its lock.
    public func withDirector<T: Sendable>(_ body: @escaping @Sendable (Director) -> T) -> EventLoopFuture<T> {
        eventLoop.makeSucceededFuture(shared.withDirector(body))
    }

    /// Moves the director's clock to now: expiry, estimator, scheduler housekeeping.
    public func tick() -> EventLoopFuture<Void> {
        let now = clock()
        shared.withDirector { $0.advance(to: now) }
        checkDrains()
        return eventLoop.makeSucceededVoidFuture()
    }

    /// Starts calling `advance(to:)` every second; cancel the returned task to stop.
    public func startTicking() -> RepeatedTask {
        eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            let now = self.clock()
            self.shared.withDirector { $0.advance(to: now) }
            self.checkDrains()
            self.refreshAnnouncements()
        }
    }

    /// The reply to one request, computed on the calling thread.
    public func reply(to request: ControlRequestBody) -> ControlReplyBody {
        let now = clock()
        switch request {
        case .apply(let command):
            switch transaction([command], now: now) {
            case .success:
                logger.info("applied \(Self.summary(of: command))")
                events.record(.transaction, "applied \(Self.summary(of: command))", fields: ["result": "ok"])
                return .ok
            case .failure(let error):
                let message = error.error.ipvsadmMessage(for: command)
                logger.info("refused \(Self.summary(of: command)): \(message)")
                events.record(
                    .transaction, "refused \(Self.summary(of: command)): \(message)",
                    fields: ["result": "refused", "error": message])
                return .failure(.admin(error.error, command: command))
            }
        case .applyBatch(let commands):
            switch transaction(commands, now: now) {
            case .success:
                logger.info("applied a batch of \(commands.count) commands")
                events.record(
                    .transaction, "applied a batch of \(commands.count) commands",
                    fields: ["result": "ok", "commands": Self.batchSummary(commands)])
                return .ok
            case .failure(let error):
                events.record(
                    .transaction,
                    "refused a batch of \(commands.count) commands at index \(error.index): \(error.error.ipvsadmMessage(for: error.command))",
                    fields: [
                        "result": "refused", "index": String(error.index),
                        "error": error.error.ipvsadmMessage(for: error.command),
                    ])
                logger.info(
                    "refused a batch of \(commands.count) commands at index \(error.index): \(error.error.ipvsadmMessage(for: error.command))"
                )
                return .failure(.admin(error.error, command: error.command, batchIndex: error.index))
            }
        case .getTable:
            return .table(shared.withDirector { $0.snapshot() })
        case .getConnections:
            return .connections(shared.withDirector { $0.connectionSnapshots(now: now) })
        case .getTimeouts:
            return .timeouts(shared.withDirector { $0.timeouts })
        case .getDaemons:
            // Master first, then backup (reference §2.5).
            let daemons = shared.withDirector { $0.syncDaemons }
            let ordered = daemons.sorted { $0.role == .master && $1.role == .backup }
            // The length in use, as the kernel reports its derived sync_maxlen.
            let running = syncReport().daemons
            return .daemons(
                ordered.map { config in
                    var shown = config
                    if shown.maxLength == 0, let daemon = running.first(where: { $0.config.role == config.role }) {
                        shown.maxLength = UInt16(clamping: daemon.maxLength)
                    }
                    return SyncDaemonSnapshot(config: shown)
                })
        case .getEngineStats:
            return .engineStats(engineStatistics())
        case .ping:
            var info = serverInfo
            info.reloads = reloadStatistics(now: now)
            return .pong(info)
        case .getVRRP:
            return .vrrp(vrrpReport())
        case .getSync:
            return .sync(syncReport())
        case .getAnnouncements:
            return .announcements(announcementReport())
        case .getEvents(let since, let limit):
            return .events(events.events(since: since, limit: limit))
        case .reload, .getHealth, .explain:
            // Answered asynchronously by `handle` (they wait for the health checkers).
            return .failure(
                ControlFailure(kind: .unavailable, message: "\(request.typeName) is answered by handle(_:)"))
        }
    }

    /// Every VRRP instance and sync group as it runs now (`lvsadm --vrrp`); `running` false
    /// when there is none.
    public func vrrpReport() -> VRRPReport {
        guard let service = vrrp.withLock({ $0 }) else {
            return VRRPReport(running: false, instances: [], syncGroups: [])
        }
        return service.report(now: clock())
    }

    /// The engine's counters (`lvsadm --engine-stats`); an empty set in a dry run.
    public func engineStatistics() -> EngineStatistics {
        var counters = shared.withDirector { Self.defenceCounters(of: $0) }
        guard let engine else { return EngineStatistics(engine: "none", counters: counters) }
        for (name, value) in engine.statistics() { counters[name] = value }
        let content = Self.contentSummaries(engine)
        guard let packetEngine else {
            return EngineStatistics(engine: "proxy", counters: counters, contentSwitching: content)
        }
        for (name, value) in packetEngine.statistics() { counters["packet_\(name)"] = value }
        return EngineStatistics(engine: "proxy+packet", counters: counters, contentSwitching: content)
    }

    /// A short name of the command for logs.
    static func summary(of command: AdminCommand) -> String {
        switch command {
        case .addService(let config): return "add service \(config.id)"
        case .editService(let config): return "edit service \(config.id)"
        case .deleteService(let id): return "delete service \(id)"
        case .clear: return "clear"
        case .addRealServer(let id, let config): return "add real server \(config.key) to \(id)"
        case .editRealServer(let id, let config): return "edit real server \(config.key) of \(id)"
        case .deleteRealServer(let id, let key): return "delete real server \(key) of \(id)"
        case .zero(let id): return id.map { "zero \($0)" } ?? "zero all"
        case .setTimeouts(let t): return "set timeouts \(t.tcpEstablished) \(t.tcpFinWait) \(t.udp)"
        case .startDaemon(let config): return "start \(config.role.rawValue) sync daemon"
        case .stopDaemon(let role): return "stop \(role.rawValue) sync daemon"
        case .setDirectorSettings: return "set director settings"
        }
    }
}
