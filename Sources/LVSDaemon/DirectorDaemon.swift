import IPVSAdmin
import LVSControl
import LVSCore
import LVSPacketEngine
import LVSProxy
import Logging
import NIOCore
import NIOPosix

/// The running daemon: the director on its own event loop, the control server and the clock
/// tick (DESIGN.md §3 "LVSDaemon"). Engines join here when they exist.
///
/// Lifecycle: `start` loads the rules (refusing to start on any error), binds the control socket
/// and starts ticking; `stop` closes the socket (removing its file) and ends the event loops.
public final class DirectorDaemon: Sendable {
    public let configuration: DaemonConfiguration
    public let host: DirectorHost
    public let controlServer: ControlServer
    private let group: MultiThreadedEventLoopGroup
    private let ticker: RepeatedTask
    private let logger: Logger

    private init(
        configuration: DaemonConfiguration, host: DirectorHost, controlServer: ControlServer,
        group: MultiThreadedEventLoopGroup, ticker: RepeatedTask, logger: Logger
    ) {
        self.configuration = configuration
        self.host = host
        self.controlServer = controlServer
        self.group = group
        self.ticker = ticker
        self.logger = logger
    }

    /// Starts a daemon: the director, the proxy engine (unless a dry run), the rules file
    /// applied as one transaction (a service the engine cannot serve, or a VIP it cannot bind,
    /// refuses the start), the control socket and the clock tick.
    /// - Parameters:
    ///   - resolver: resolves host and service names in the rules file (the executable passes libc's).
    ///   - policy: who may change state over the control socket.
    public static func start(
        _ configuration: DaemonConfiguration,
        resolver: any NameResolver = NumericResolver(),
        policy: ControlAccessPolicy = .forCurrentProcess,
        clock: @escaping @Sendable () -> MonotonicInstant = MonotonicClock.now,
        logger: Logger
    ) async throws -> DirectorDaemon {
        let director = try makeDirector(configuration, now: clock())
        let rules = try configuration.rulesFile.map { try RulesFile.load(path: $0, resolver: resolver) }
        let shared = SharedDirector(director)
        let engine: ProxyEngine?
        if configuration.dryRun {
            logger.notice(
                "dry run: lvsd holds the configuration and serves the control socket but binds and forwards nothing")
            engine = nil
        } else {
            let started = try ProxyEngine(
                shared: shared, configuration: configuration.proxy, timeouts: shared.withDirector { $0.timeouts })
            try started.start()
            logger.info("proxy engine running on \(started.reactorCount) reactor threads")
            engine = started
        }
        let packetEngine: PacketEngine?
        if let packet = configuration.packet, !configuration.dryRun {
            do {
                let started = try PacketEngine(director: SharedDirectorLock(shared), configuration: packet)
                try started.start()
                logger.info(
                    "packet engine running on \(packet.interfaces.joined(separator: ", ")) with \(started.workerCount) workers")
                packetEngine = started
            } catch {
                engine?.stop()
                throw error
            }
        } else {
            packetEngine = nil
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let host = DirectorHost(
            shared: shared, engine: engine, packetEngine: packetEngine, eventLoop: group.next(),
            serverInfo: ControlServerInfo(daemonVersion: DaemonConfiguration.version, dryRun: configuration.dryRun),
            clock: clock, logger: logger)
        let server: ControlServer
        do {
            if let rules {
                let commands = rules.entries.map(\.command)
                if case .failure(let error) = host.transaction(commands, now: clock()) {
                    let line = error.index < rules.entries.count ? rules.entries[error.index].line : nil
                    throw RulesFileError(
                        path: rules.path, line: line, message: error.error.ipvsadmMessage(for: error.command))
                }
                logger.info("loaded \(commands.count) commands from \(rules.path)")
            }
            server = try await ControlServer.start(
                path: configuration.controlSocketPath, group: group, handler: host, policy: policy, logger: logger)
        } catch {
            engine?.stop()
            packetEngine?.stop()
            try? await group.shutdownGracefully()
            throw error
        }
        let ticker = host.startTicking()
        logger.info("control socket listening on \(server.path)")
        return DirectorDaemon(
            configuration: configuration, host: host, controlServer: server, group: group, ticker: ticker,
            logger: logger)
    }

    /// Closes the control socket (its file is removed), stops the engine (closing every
    /// connection) and the event loops.
    public func stop() async {
        ticker.cancel()
        host.engine?.stop()
        host.packetEngine?.stop()
        await controlServer.close()
        try? await group.shutdownGracefully()
        logger.info("lvsd stopped")
    }

    /// The director with the daemon-wide settings applied.
    static func makeDirector(_ configuration: DaemonConfiguration, now: MonotonicInstant) throws -> sending Director {
        let director = Director(connectionTableSize: configuration.connectionTableSize, seed: configuration.seed)
        try director.apply(.setDirectorSettings(configuration.settings), now: now)
        return director
    }
}

/// The daemon's director lock as the packet engine reaches it.
final class SharedDirectorLock: PacketEngineDirector {
    let shared: SharedDirector

    init(_ shared: SharedDirector) { self.shared = shared }

    func withDirectorLocked<T: Sendable>(_ body: (Director) -> T) -> T { shared.withDirector(body) }
}
