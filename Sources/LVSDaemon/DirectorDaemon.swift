import IPVSAdmin
import LVSControl
import LVSCore
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

    /// Starts a daemon.
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
        let director = try makeDirector(configuration, resolver: resolver, now: clock(), logger: logger)
        // Until the engines exist every run holds configuration only (DESIGN.md §1, §2).
        logger.notice(
            "no forwarding engine yet: lvsd holds the configuration and serves the control socket but forwards nothing (dry run)"
        )
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let host = DirectorHost(
            director: director, eventLoop: group.next(),
            serverInfo: ControlServerInfo(daemonVersion: DaemonConfiguration.version, dryRun: true),
            clock: clock, logger: logger)
        let server: ControlServer
        do {
            server = try await ControlServer.start(
                path: configuration.controlSocketPath, group: group, handler: host, policy: policy, logger: logger)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        let ticker = host.startTicking()
        logger.info("control socket listening on \(server.path)")
        return DirectorDaemon(
            configuration: configuration, host: host, controlServer: server, group: group, ticker: ticker,
            logger: logger)
    }

    /// Closes the control socket (its file is removed) and stops the event loops.
    public func stop() async {
        ticker.cancel()
        await controlServer.close()
        try? await group.shutdownGracefully()
        logger.info("lvsd stopped")
    }

    /// The director with the settings and the rules file applied as one batch.
    static func makeDirector(
        _ configuration: DaemonConfiguration, resolver: any NameResolver, now: MonotonicInstant, logger: Logger
    ) throws -> sending Director {
        let director = Director(connectionTableSize: configuration.connectionTableSize, seed: configuration.seed)
        var commands: [AdminCommand] = [.setDirectorSettings(configuration.settings)]
        var lines: [Int] = [0]
        var rulesPath = ""
        if let path = configuration.rulesFile {
            let rules = try RulesFile.load(path: path, resolver: resolver)
            rulesPath = rules.path
            commands += rules.entries.map(\.command)
            lines += rules.entries.map(\.line)
        }
        do {
            try director.apply(batch: commands, now: now)
        } catch {
            // Index 0 is the settings command, which cannot fail; anything else is a rules line.
            let line = error.index < lines.count ? lines[error.index] : nil
            throw RulesFileError(path: rulesPath, line: line, message: error.error.ipvsadmMessage(for: error.command))
        }
        if let path = configuration.rulesFile {
            logger.info("loaded \(commands.count - 1) commands from \(path)")
        }
        return director
    }
}
