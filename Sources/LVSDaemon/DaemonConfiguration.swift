import LVSCore
import LVSPacketEngine
import LVSProxy

/// Everything `lvsd` was told on its command line, parsed (the executable parses; this runs).
public struct DaemonConfiguration: Sendable, Hashable {
    /// Where the control socket is created.
    public var controlSocketPath: String
    /// An ipvsadm-save file applied as one batch at start (`--rules`).
    public var rulesFile: String?
    /// A keepalived.conf-style file applied as one transaction at start and read again on
    /// SIGHUP or `lvsadm --reload` (`--config`). Exclusive with `rulesFile`.
    public var configFile: String?
    /// `--config-id`: which `@ID` lines of the configuration count (nil: the short host name).
    public var configurationID: String? = nil
    /// Hold the configuration and serve the control socket, but bind and forward nothing.
    public var dryRun: Bool
    /// The daemon-wide switches (`--expire-nodest-conn`, …).
    public var settings: DirectorSettings
    /// Seed for randomised schedulers; the executable passes a system-random one.
    public var seed: UInt64
    /// The connection-table size ipvsadm shows (`size=`).
    public var connectionTableSize: UInt32
    /// The proxy engine's sizing and limits (`--reactors`, `--max-connections`, …).
    public var proxy: ProxyEngineConfiguration
    /// The packet engine when asked for (`--packet-engine`); its interfaces, when empty, are
    /// chosen from the routes. nil: it starts only if the configuration needs it.
    public var packet: PacketEngineConfiguration?
    /// The packet engine's settings when it starts because the configuration needs it
    /// (`--interface`, `--packet-workers`, … without `--packet-engine`).
    public var packetDefaults: PacketEngineConfiguration
    /// How connection synchronisation runs (`--sync-*`).
    public var sync = SyncTuning()
    /// The FTP helper's control ports (`--ftp-ports`); nil = not given: keepalived.conf's
    /// `lvs_ftp_ports`, else 21 (reference §6).
    public var ftpPorts: Set<UInt16>?
    /// The defence settings given on the command line (`--drop-entry`, …); they win over
    /// keepalived.conf's `global_defs`, which win over `settings.defences`.
    public var defenceOverrides = DefenceSettingsOverrides()
    /// How many events the event log keeps (`lvsadm --events`); the oldest go first.
    public var eventLogCapacity = EventLog.defaultCapacity

    public init(
        controlSocketPath: String, rulesFile: String? = nil, configFile: String? = nil, dryRun: Bool = false,
        settings: DirectorSettings = DirectorSettings(), seed: UInt64 = 0, connectionTableSize: UInt32 = 4096,
        proxy: ProxyEngineConfiguration = ProxyEngineConfiguration(), packet: PacketEngineConfiguration? = nil,
        packetDefaults: PacketEngineConfiguration = PacketEngineConfiguration(interfaces: [])
    ) {
        self.controlSocketPath = controlSocketPath
        self.rulesFile = rulesFile
        self.configFile = configFile
        self.dryRun = dryRun
        self.settings = settings
        self.seed = seed
        self.connectionTableSize = connectionTableSize
        self.proxy = proxy
        self.packet = packet
        self.packetDefaults = packetDefaults
    }

    /// This build's version, reported by `ping`.
    public static let version = "0.1.0"
}
