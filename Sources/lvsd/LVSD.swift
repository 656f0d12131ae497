// lvsd: the director daemon (DESIGN.md §2). Parses its arguments, bootstraps logging, runs
// the daemon until SIGTERM/SIGINT. Everything else lives in LVSDaemon.
import ArgumentParser
import Glibc
import LVSControl
import LVSCore
import LVSDaemon
import LVSHTTP
import LVSPacketEngine
import LVSProxy
import LVSSync
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

@main
struct LVSD: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lvsd",
        abstract: "SwiftLVS director daemon: holds the virtual services that lvsadm configures.",
        discussion: documentationPointer,
        version: DaemonConfiguration.version)

    @Option(
        name: .customLong("control-socket"),
        help: ArgumentHelp(
            "Unix socket for lvsadm (default /run/lvsd.sock as root, else $XDG_RUNTIME_DIR/lvsd.sock).",
            valueName: "path"))
    var controlSocket: String?

    @Option(
        name: .customLong("rules"),
        help: ArgumentHelp(
            "ipvsadm-save file (numeric, as `lvsadm -S -n` writes it) applied at start as one batch.",
            valueName: "file"))
    var rules: String?

    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "keepalived.conf-style file applied at start as one transaction; SIGHUP or `lvsadm --reload` reloads it.",
            valueName: "file"))
    var config: String?

    @Option(
        name: .customLong("config-id"),
        help: ArgumentHelp(
            "keepalived's -i: lines of the configuration written `@ID …` count only for this ID (`@^ID …` for any other); default: the short host name.",
            valueName: "id"))
    var configID: String?

    @Option(
        name: .customLong("check-config"),
        help: ArgumentHelp(
            "Check a keepalived.conf-style file and exit (1 on errors) without starting anything.",
            valueName: "file"))
    var checkConfig: String?

    @Flag(
        name: .customLong("dry-run"),
        help: "Hold the configuration and serve the control socket, but bind and forward nothing.")
    var dryRun = false

    @Flag(
        name: .customLong("demo"),
        help: "Start three demo web servers and a virtual service over them on 127.0.0.1, and print what to try.")
    var demo = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Flag(name: .customLong("expire-nodest-conn"), help: "Expire connections whose real server was removed.")
    var expireNodestConn = false

    @Flag(
        name: .customLong("expire-quiescent-template"),
        help: "Invalidate persistence templates of weight-0 real servers.")
    var expireQuiescentTemplate = false

    @Option(name: .customLong("conn-reuse-mode"), help: "Port-reuse handling bitmap (kernel conn_reuse_mode).")
    var connReuseMode: UInt8 = 1

    @Flag(name: .customLong("sloppy-tcp"), help: "Let any non-RST TCP segment create a connection, not only SYN.")
    var sloppyTCP = false

    @Option(
        name: .customLong("reactors"),
        help: ArgumentHelp("Proxy engine reactor threads; 0: one per online CPU.", valueName: "n"))
    var reactors: Int = 0

    @Option(
        name: .customLong("max-connections"),
        help: ArgumentHelp(
            "Most proxied connections and UDP sessions at once, daemon-wide; 0 = no limit.", valueName: "n"))
    var maxConnections: Int = 0

    @Option(
        name: .customLong("max-service-connections"),
        help: ArgumentHelp("Most proxied connections per virtual service; 0 = no limit.", valueName: "n"))
    var maxServiceConnections: Int = 0

    @Option(
        name: .customLong("connect-timeout"),
        help: ArgumentHelp("Milliseconds a connect to a real server may take before another is tried.", valueName: "ms")
    )
    var connectTimeout: UInt64 = 5_000

    @Option(
        name: .customLong("connect-retries"),
        help: ArgumentHelp(
            "Real servers tried again after a refused or timed-out connect (redispatch), per client connection.",
            valueName: "n"))
    var connectRetries: Int = 2

    @Option(
        name: .customLong("splice"),
        help: ArgumentHelp(
            "When TCP bytes move by splice(2): never, bulk (after a full buffer) or always.", valueName: "mode"))
    var splice: String = "bulk"

    @Option(
        name: .customLong("pipe-size"),
        help: ArgumentHelp(
            "Capacity of each splice pipe (F_SETPIPE_SZ, 4 KiB to 1 MiB; 0 = the kernel's size).",
            valueName: "bytes"))
    var pipeSize: Int = 256 * 1024

    @Option(
        name: .customLong("max-udp-sessions"),
        help: ArgumentHelp(
            "Most UDP sessions kept (one socket each); past it the least recently used is closed (0 = half the descriptor limit).",
            valueName: "count"))
    var maxUDPSessions: Int = 0

    @Option(
        name: .customLong("buffer-size"),
        help: ArgumentHelp(
            "Bytes per pooled buffer: what one direction of a connection holds in user space.", valueName: "bytes"))
    var bufferSize: Int = 16 * 1024

    @Flag(
        name: .customLong("transparent"),
        help: "Bind virtual addresses that are not (yet) local (IP_FREEBIND), e.g. before VRRP brings them up.")
    var transparent = false

    @Option(
        name: .customLong("sync-version"),
        help: ArgumentHelp(
            "Connection sync protocol version a master sends (IPVS sync_version): 1 or 0.", valueName: "0|1"))
    var syncVersion: Int = 1

    @Option(
        name: .customLong("sync-ports"),
        help: ArgumentHelp(
            "Threads (and consecutive ports) per sync daemon, as IPVS sync_ports (1..64).", valueName: "n"))
    var syncPorts: Int = 1

    @Option(
        name: .customLong("sync-threshold"),
        help: ArgumentHelp(
            "When a master sends an entry, as IPVS sync_threshold: at the THRESHOLD-th inbound packet and every PERIOD packets after.",
            valueName: "threshold,period"))
    var syncThreshold = "3,50"

    @Option(
        name: .customLong("sync-refresh-period"),
        help: ArgumentHelp(
            "IPVS sync_refresh_period: seconds; with it an entry is sent again only when its expiry moved that much (0: the threshold rule).",
            valueName: "seconds"))
    var syncRefreshPeriod: Int = 0

    @Option(
        name: .customLong("sync-retries"),
        help: ArgumentHelp("IPVS sync_retries (0..3): resends with sync-refresh-period.", valueName: "n"))
    var syncRetries: Int = 0

    @Flag(
        name: .customLong("sync-persist-mode"),
        help:
            "IPVS sync_persist_mode: connections controlled by a persistence template are not sent, only their templates."
    )
    var syncPersistMode = false

    @Option(
        name: .customLong("ftp-ports"),
        help: ArgumentHelp(
            "TCP ports whose masqueraded services get the FTP helper (IPVS ip_vs_ftp ports) and whose --proxy real servers an FTP-aware proxy, comma-separated, or none. Default: keepalived.conf lvs_ftp_ports, else 21.",
            valueName: "list"))
    var ftpPorts: String?

    @Option(
        name: .customLong("sync-key-file"),
        help: ArgumentHelp(
            "Authenticate connection sync messages with this shared key (the whole file; HMAC-SHA-256): masters seal, backups refuse unsealed or forged messages. Not understood by kernel IPVS peers.",
            valueName: "path"))
    var syncKeyFile: String?

    @Option(
        name: .customLong("keep-capabilities"),
        help: ArgumentHelp(
            "Capabilities kept after start-up beyond those the configured engines need (e.g. net_admin,net_raw), or all to drop none.",
            valueName: "list"))
    var keepCapabilities: String?

    @OptionGroup(title: "Packet engine") var packet: PacketEngineOptions

    @OptionGroup(title: "Defences (IPVS sysctls)") var defences: DefenceOptions

    @OptionGroup(title: "HTTP endpoint") var http: HTTPOptions

    func validate() throws {
        _ = try syncTuning()
        _ = try http.configuration()
        _ = try keptCapabilityExtras()
        if config != nil && rules != nil {
            throw ValidationError(DaemonStartError.rulesAndConfig.description)
        }
        if checkConfig != nil && (config != nil || rules != nil) {
            throw ValidationError("--check-config checks its own file and starts nothing: drop --config and --rules")
        }
        if packet.packetEngine && packet.interfaces.isEmpty && config == nil && rules == nil {
            throw ValidationError(
                "--packet-engine needs at least one --interface IFNAME (or a --config or --rules file to choose them from)"
            )
        }
        if !packet.packetEngine && config == nil && rules == nil
            && (!packet.interfaces.isEmpty || packet.packetNoOffload || packet.packetLocked)
        {
            throw ValidationError(
                "--interface, --packet-no-offload and --packet-locked are for the packet engine: add --packet-engine (or a --config or --rules file that needs it)"
            )
        }
        guard ProxyEngineConfiguration.SpliceMode(rawValue: splice) != nil else {
            throw ValidationError("--splice takes never, bulk or always")
        }
        guard pipeSize == 0 || (4096...(1 << 20)).contains(pipeSize) else {
            throw ValidationError("--pipe-size takes 0 (system default) or 4096 to 1048576 bytes")
        }
        guard reactors >= 0, maxConnections >= 0, maxServiceConnections >= 0, connectRetries >= 0, maxUDPSessions >= 0
        else {
            throw ValidationError("counts must not be negative")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("unknown log level '\(logLevel)'")
        }
        if demo && dryRun {
            throw ValidationError("--demo forwards traffic, so it cannot be combined with --dry-run")
        }
        if demo && (rules != nil || config != nil || checkConfig != nil) {
            throw ValidationError(
                "--demo configures its own virtual service; leave out --rules, --config and --check-config")
        }
    }

    func run() async throws {
        if let checkConfig {
            // Nothing is started: no logging, no socket, no engine, no checker.
            let check = ConfigurationCheck.run(
                ConfigurationFile(path: checkConfig, configurationID: configID), dryRun: dryRun)
            print(check.report, terminator: "")
            fflush(nil)
            if check.exitStatus != 0 { throw ExitCode(check.exitStatus) }
            return
        }
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "lvsd")
        // Every connection costs descriptors: use all the hard limit allows, as HAProxy does.
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 && limit.rlim_cur < limit.rlim_max {
            let soft = limit.rlim_cur
            limit.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
                logger.debug("raised the descriptor limit from \(soft) to \(limit.rlim_max)")
            }
        }

        let path: String
        var demoDirectory: String?  // --demo without a default socket location: a private one
        if let controlSocket {
            path = controlSocket
        } else {
            switch ControlSocketLocation.defaultPathForCurrentProcess() {
            case .success(let found): path = found
            case .failure(let missing):
                guard demo else { throw ValidationError(missing.description) }
                demoDirectory = try DemoSession.makePrivateSocketDirectory()
                path = (demoDirectory ?? "") + "/" + ControlSocketLocation.fileName
            }
        }
        var settings = DirectorSettings()
        settings.expireNodestConn = expireNodestConn
        settings.expireQuiescentTemplate = expireQuiescentTemplate
        settings.connReuseMode = connReuseMode
        settings.sloppyTCP = sloppyTCP

        // Used as they are with --packet-engine, and when a configuration needs the engine.
        let packetSettings = packet.configuration
        var generator = SystemRandomNumberGenerator()
        let seed = generator.next()
        let proxy = ProxyEngineConfiguration(
            reactorCount: reactors, maxConnections: maxConnections, maxServiceConnections: maxServiceConnections,
            connectTimeoutMilliseconds: connectTimeout, connectAttempts: connectRetries + 1, bufferSize: bufferSize,
            splice: ProxyEngineConfiguration.SpliceMode(rawValue: splice) ?? .afterFullBuffer, pipeSize: pipeSize,
            maxUDPSessions: maxUDPSessions, freeBind: transparent)
        var configuration = DaemonConfiguration(
            controlSocketPath: path, rulesFile: rules, configFile: config, dryRun: dryRun, settings: settings,
            seed: seed, proxy: proxy,
            packet: packet.packetEngine ? packetSettings : nil, packetDefaults: packetSettings)
        configuration.configurationID = configID
        configuration.sync = try syncTuning()
        configuration.ftpPorts = try ftpPortList()
        configuration.defenceOverrides = try defences.overrides()

        // Signals first: a SIGTERM that arrives while starting must still end in a clean stop.
        let signals = TerminationSignals.install()
        if demo {
            try await runDemo(configuration, directory: demoDirectory, signals: signals, logger: logger)
            return
        }
        let hangup = HangupSignal.install()
        let serviceManager = ServiceManagerSession.fromProcessEnvironment()  // systemd's NOTIFY_SOCKET
        let daemon: DirectorDaemon
        do {
            // Host and service names in a rules file resolve through libc, as ipvsadm -R does.
            daemon = try await DirectorDaemon.start(configuration, resolver: LibcNameResolver(), logger: logger)
        } catch let error as ConfigurationFileError {
            // Compiler-style lines (FILE:LINE:COLUMN: error: …) that editors can jump to: no prefix.
            printError(error.description)
            throw ExitCode(1)
        } catch {
            printError("lvsd: \(NetworkErrorText.cause(of: error))")
            throw ExitCode(1)
        }
        hangup.onHangup { [daemon, logger, serviceManager] in
            logger.notice("SIGHUP received, reloading the configuration")
            // The outcome (changes, or every diagnostic and "nothing changed") is logged by the host.
            serviceManager.reloading()
            serviceManager.reloaded(daemon.reloadWaiting())
        }
        let httpServer = try await startHTTP(daemon, logger: logger)
        // Everything that needed privileges at start is done: bound, attached, spawned.
        Self.dropCapabilities(daemon, extras: try keptCapabilityExtras(), logger: logger)
        print("lvsd: listening on \(daemon.controlServer.path)")
        if let httpServer { print("lvsd: HTTP endpoint on \(httpServer.baseURL)api/v1/") }
        fflush(nil)  // stdout may be a pipe: whoever started us waits for this line
        serviceManager.started(controlSocket: daemon.controlServer.path)
        let signal = await signals.next()
        logger.notice("\(TerminationSignals.name(of: signal)) received, shutting down")
        serviceManager.stopping()
        await httpServer?.stop()
        await daemon.stop()
    }
}
