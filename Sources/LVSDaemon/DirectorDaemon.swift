import Foundation
import IPVSAdmin
import LVSControl
import LVSCore
import LVSPacketEngine
import LVSProxy
import LVSSharedDirector
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
        if configuration.rulesFile != nil && configuration.configFile != nil {
            throw DaemonStartError.rulesAndConfig
        }
        // A file with errors refuses the start before anything is started or logged.
        let configurationFile = configuration.configFile.map {
            ConfigurationFile(path: $0, configurationID: configuration.configurationID)
        }
        let parsedConfiguration = configurationFile?.load()
        if let configurationFile, let parsedConfiguration, parsedConfiguration.hasErrors {
            throw ConfigurationFileError(path: configurationFile.path, diagnostics: parsedConfiguration.diagnostics)
        }
        let director = try makeDirector(
            configuration, fileDefences: parsedConfiguration?.configuration.globalDefinitions.lvsDefences,
            now: clock())
        // Fixed for the daemon's life, like ip_vs_ftp's module parameter (reference §6).
        director.ftpPorts =
            configuration.ftpPorts ?? parsedConfiguration?.configuration.globalDefinitions.lvsFTPPorts ?? [21]
        let rules = try configuration.rulesFile.map { try RulesFile.load(path: $0, resolver: resolver) }
        let shared = SharedDirector(director)
        let engine: ProxyEngine?
        if configuration.dryRun {
            logger.notice(
                "dry run: lvsd holds the configuration and serves the control socket but binds and forwards nothing")
            engine = nil
        } else {
            // VRRP moves the virtual addresses: listeners bind them before they are local.
            var proxy = configuration.proxy
            if !(parsedConfiguration?.configuration.vrrpInstances.isEmpty ?? true) { proxy.freeBind = true }
            let started = try ProxyEngine(
                shared: shared, configuration: proxy, timeouts: shared.withDirector { $0.timeouts })
            try started.start()
            logger.info("proxy engine running on \(started.reactorCount) reactor threads")
            engine = started
        }
        let startCommands: [AdminCommand] =
            (try? parsedConfiguration?.configuration.adminCommands()) ?? rules?.entries.map(\.command) ?? []
        let packetConfiguration: PacketEngineConfiguration?
        do {
            packetConfiguration = try PacketEngineStart.resolve(
                configuration, commands: startCommands,
                namedInterfaces: parsedConfiguration?.configuration.vrrpInstances.compactMap(\.interface) ?? [],
                logger: logger)
        } catch {
            engine?.stop()
            throw error
        }
        let packetEngine: PacketEngine?
        if let packet = packetConfiguration {
            do {
                let started = try PacketEngine(director: shared, configuration: packet)
                let leftover = NFTablesRuleset.existingFamilies(of: packet.nftablesTable, nft: packet.nftCommand)
                try started.start()
                if !leftover.isEmpty {
                    // An earlier lvsd was killed before it could remove its table (docs/design/0032).
                    logger.notice(
                        "packet engine: took over nftables table \(packet.nftablesTable) (\(leftover.joined(separator: ", "))) left by an earlier run"
                    )
                }
                logger.info(
                    "packet engine running on \(packet.interfaces.joined(separator: ", ")) with \(started.workerCount) workers"
                )
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
            clock: clock, configurationFile: configurationFile,
            events: EventLog(capacity: configuration.eventLogCapacity, logger: logger), logger: logger)
        var sync = configuration.sync
        if sync.key == nil, let path = parsedConfiguration?.configuration.globalDefinitions.lvsSyncKeyFile {
            guard let secret = FileManager.default.contents(atPath: path), secret.count >= 16 else {
                engine?.stop()
                packetEngine?.stop()
                try? await group.shutdownGracefully()
                throw DaemonStartError.syncKeyFile(path)
            }
            sync.key = SyncTuning.key(secret: [UInt8](secret))
        }
        host.syncTuning.withLock { $0 = sync }
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
            if let configurationFile, let parsedConfiguration {
                host.standbyUntilVRRPStarts(parsedConfiguration.configuration)
                try host.loadConfiguration(parsedConfiguration, from: configurationFile)
                // A dry run sends nothing anywhere: no checker runs.
                if !configuration.dryRun {
                    let health = DaemonHealth(host: host, seed: configuration.seed, logger: logger)
                    host.health.withLock { $0 = health }
                    try await health.start(parsedConfiguration.configuration, on: host)
                    try host.startVRRP(parsedConfiguration.configuration)
                    host.startActiveActiveSync(parsedConfiguration.configuration)
                    try host.startAnnouncements(parsedConfiguration.configuration)
                }
            }
            server = try await ControlServer.start(
                path: configuration.controlSocketPath, group: group, handler: host, policy: policy, logger: logger)
        } catch {
            host.stopAnnouncements()
            host.stopVRRP()
            host.stopSync()
            await Self.stopHealth(of: host)
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

    /// Reads the `--config` file again and applies what changed (SIGHUP).
    public func reload() async -> Result<ReloadReport, ReloadFailure> {
        // The future never fails: every outcome is a Result.
        (try? await host.reloadConfiguration().get()) ?? .failure(.notConfigured)
    }

    /// `reload()` for a thread that is not an event loop's (the SIGHUP queue): blocks until done,
    /// so that signals arriving together reload one after the other.
    public func reloadWaiting() -> Result<ReloadReport, ReloadFailure> {
        (try? host.reloadConfiguration().wait()) ?? .failure(.notConfigured)
    }

    /// Closes the control socket (its file is removed), stops the engine (closing every
    /// connection) and the event loops.
    public func stop() async {
        ticker.cancel()
        // The routers first: they move new flows to the other directors while this one still
        // serves what it holds (docs/design/0029-bgp-announcements.md).
        host.stopAnnouncements()
        // Masters resign first (priority 0), while the engines still serve what they hold.
        host.stopVRRP()
        // After VRRP: a resigning master's last entries (and its table) go out first.
        host.stopSync()
        await Self.stopHealth(of: host)
        host.engine?.stop()
        host.packetEngine?.stop()
        await controlServer.close()
        try? await group.shutdownGracefully()
        logger.info("lvsd stopped")
    }

    /// Stops the checkers (before the engine, so that `omega` can still remove real servers)
    /// and drops the host's reference to them.
    static func stopHealth(of host: DirectorHost) async {
        let health = host.health.withLock { health in
            let running = health
            health = nil
            return running
        }
        await health?.stop(on: host)
    }

    /// The director with the daemon-wide settings applied: the defences of the command line
    /// over those of keepalived.conf's `global_defs` (`fileDefences`), read at start like
    /// `lvs_ftp_ports`; the automatic defence modes read /proc/meminfo.
    static func makeDirector(
        _ configuration: DaemonConfiguration, fileDefences: DefenceSettingsOverrides?, now: MonotonicInstant
    ) throws -> sending Director {
        let director = Director(connectionTableSize: configuration.connectionTableSize, seed: configuration.seed)
        var settings = configuration.settings
        let fromFile = (fileDefences ?? DefenceSettingsOverrides()).applied(to: settings.defences)
        settings.defences = configuration.defenceOverrides.applied(to: fromFile)
        director.memoryReader = ProcMemoryInfo()
        try director.apply(.setDirectorSettings(settings), now: now)
        return director
    }
}

/// A daemon configuration that cannot start.
public enum DaemonStartError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `--rules` and `--config` both describe the whole table; only one may.
    case rulesAndConfig
    /// `lvs_sync_key_file` names a file that cannot be read or is too short.
    case syncKeyFile(String)

    public var description: String {
        switch self {
        case .syncKeyFile(let path):
            return
                "lvs_sync_key_file \(path): cannot read it, or it holds fewer than 16 bytes (the shared key of authenticated sync)"
        case .rulesAndConfig:
            return "--rules and --config cannot be used together: each describes the whole table; "
                + "convert the rules into virtual_server blocks or drop one of them"
        }
    }
}
