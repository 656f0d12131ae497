import LVSControl
import LVSCore
import Logging
import NIOCore

/// Owns the `Director` and serialises everything that touches it on one event loop: control
/// requests, the once-a-second clock tick and, later, engine events.
///
/// Contract: the director is only ever read or changed on `eventLoop` (enforced by
/// `NIOLoopBoundBox`), so it needs no lock; a request's future completes once it ran there.
public final class DirectorHost: ControlRequestHandler {
    public let eventLoop: any EventLoop
    private let director: NIOLoopBoundBox<Director>
    private let clock: @Sendable () -> MonotonicInstant
    private let serverInfo: ControlServerInfo
    private let logger: Logger

    /// - Parameters:
    ///   - director: moved into the host; nothing else may keep it.
    ///   - clock: the director's notion of now (the monotonic clock; tests inject their own).
    public init(
        director: sending Director,
        eventLoop: any EventLoop,
        serverInfo: ControlServerInfo,
        clock: @escaping @Sendable () -> MonotonicInstant = MonotonicClock.now,
        logger: Logger
    ) {
        self.eventLoop = eventLoop
        self.director = NIOLoopBoundBox.makeBoxSendingValue(director, eventLoop: eventLoop)
        self.clock = clock
        self.serverInfo = serverInfo
        self.logger = logger
    }

    public func handle(_ request: ControlRequestBody) -> EventLoopFuture<ControlReplyBody> {
        eventLoop.submit { self.handleOnLoop(request) }
    }

    /// Runs `body` with the director on its loop.
    public func withDirector<T: Sendable>(_ body: @escaping @Sendable (Director) -> T) -> EventLoopFuture<T> {
        eventLoop.submit { body(self.director.value) }
    }

    /// Moves the director's clock to now: expiry, estimator, scheduler housekeeping.
    public func tick() -> EventLoopFuture<Void> {
        eventLoop.submit { self.director.value.advance(to: self.clock()) }
    }

    /// Starts calling `advance(to:)` every second; cancel the returned task to stop.
    public func startTicking() -> RepeatedTask {
        eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            self.director.value.advance(to: self.clock())
        }
    }

    private func handleOnLoop(_ request: ControlRequestBody) -> ControlReplyBody {
        let director = director.value
        let now = clock()
        switch request {
        case .apply(let command):
            do {
                try director.apply(command, now: now)
                logger.info("applied \(Self.summary(of: command))")
                return .ok
            } catch {
                logger.info("refused \(Self.summary(of: command)): \(error.ipvsadmMessage(for: command))")
                return .failure(.admin(error, command: command))
            }
        case .applyBatch(let commands):
            do {
                try director.apply(batch: commands, now: now)
                logger.info("applied a batch of \(commands.count) commands")
                return .ok
            } catch {
                logger.info(
                    "refused a batch of \(commands.count) commands at index \(error.index): \(error.error.ipvsadmMessage(for: error.command))"
                )
                return .failure(.admin(error.error, command: error.command, batchIndex: error.index))
            }
        case .getTable:
            return .table(director.snapshot())
        case .getConnections:
            return .connections(director.connectionSnapshots(now: now))
        case .getTimeouts:
            return .timeouts(director.timeouts)
        case .getDaemons:
            // Master first, then backup (reference §2.5).
            let ordered = director.syncDaemons.sorted { $0.role == .master && $1.role == .backup }
            return .daemons(ordered.map(SyncDaemonSnapshot.init(config:)))
        case .ping:
            return .pong(serverInfo)
        }
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
