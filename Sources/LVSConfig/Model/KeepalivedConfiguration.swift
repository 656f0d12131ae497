import LVSCore

/// A keepalived.conf-style configuration as typed values (docs/configuration.md).
///
/// Produced by `KeepalivedConfigurationParser`; turned into director commands by
/// `adminCommands()` and `difference(from:)`. Values that were not written stay `nil`, so the
/// health-checking work can tell "not given" from "given as the default" and apply
/// keepalived's inheritance (virtual server → real server → checker, reference §8.3).
public struct KeepalivedConfiguration: Sendable, Hashable {
    public var globalDefinitions: GlobalDefinitions
    public var virtualServerGroups: [VirtualServerGroup]
    public var virtualServers: [VirtualServer]
    /// `vrrp_instance` blocks in file order (docs/configuration.md §11).
    public var vrrpInstances: [VRRPInstanceDefinition] = []
    /// `vrrp_script` blocks.
    public var vrrpScripts: [VRRPScriptDefinition] = []
    /// `vrrp_sync_group` blocks.
    public var vrrpSyncGroups: [VRRPSyncGroupDefinition] = []
    /// `bgp_announce { … }` (ours): VIP announcement through BIRD; nil when not written.
    public var bgpAnnounce: BGPAnnounceDefinition?
    /// Blocks of capabilities not built yet (static_ipaddress, …): read for syntax only.
    public var unsupportedBlocks: [UnsupportedBlock]

    public init(
        globalDefinitions: GlobalDefinitions = GlobalDefinitions(), virtualServerGroups: [VirtualServerGroup] = [],
        virtualServers: [VirtualServer] = [], unsupportedBlocks: [UnsupportedBlock] = []
    ) {
        self.globalDefinitions = globalDefinitions
        self.virtualServerGroups = virtualServerGroups
        self.virtualServers = virtualServers
        self.unsupportedBlocks = unsupportedBlocks
    }

    /// The group called `name`, if defined.
    public func group(named name: String) -> VirtualServerGroup? {
        virtualServerGroups.first { $0.name == name }
    }

    /// The `vrrp_instance` called `name`, if defined.
    public func vrrpInstance(named name: String) -> VRRPInstanceDefinition? {
        vrrpInstances.first { $0.name == name }
    }

    /// The `vrrp_script` called `name`, if defined.
    public func vrrpScript(named name: String) -> VRRPScriptDefinition? {
        vrrpScripts.first { $0.name == name }
    }
}

/// A top-level block read for syntax only.
public struct UnsupportedBlock: Sendable, Hashable {
    public var keyword: String
    public var arguments: [String]
    public var location: ConfigurationLocation

    public init(keyword: String, arguments: [String], location: ConfigurationLocation) {
        self.keyword = keyword
        self.arguments = arguments
        self.location = location
    }
}

/// A script keepalived runs (`notify_up`, `quorum_down`, `misc_path`, …): the command line,
/// and optionally the user and group to run it as (keepalived.conf(5) `<STRING> [user [group]]`).
public struct ScriptCommand: Sendable, Hashable {
    public var command: String
    public var user: String?
    public var group: String?

    public init(command: String, user: String? = nil, group: String? = nil) {
        self.command = command
        self.user = user
        self.group = group
    }
}

/// `global_defs` items that matter to a director (reference §8.1).
public struct GlobalDefinitions: Sendable, Hashable {
    public var routerID: String?
    /// The sync daemons follow this VRRP instance (docs/sync.md).
    public var lvsSyncDaemon: LVSSyncDaemonSettings?
    /// `lvs_sync_key_file PATH` (ours): the shared key of authenticated sync (docs/sync.md).
    public var lvsSyncKeyFile: String?
    /// `lvs_ftp_ports PORT… | none` (ours): the TCP ports whose masqueraded services get the FTP
    /// helper (ip_vs_ftp's `ports` module parameter, reference §6); nil = not given (21).
    public var lvsFTPPorts: Set<UInt16>?
    /// `lvs_drop_entry`, `lvs_drop_packet`, `lvs_secure_tcp`, `lvs_amemthresh`, `lvs_am_droprate`,
    /// `lvs_max_connection_entries`, `lvs_*_rate_limit`, `lvs_source_rate_slots` (ours: the
    /// defence sysctls and limits, read at start; docs/configuration.md "Defences"); nil = none given.
    public var lvsDefences: DefenceSettingsOverrides?
    /// `lvs_timeouts`: 0 in a field means "not given, keep the current value" (like `--set`).
    public var lvsTimeouts: TimeoutSettings?
    /// Flush every virtual service at start-up.
    public var lvsFlush: Bool = false
    public var lvsFlushOnStop: LVSFlushOnStop?
    public var notificationEmail: [String] = []
    public var notificationEmailFrom: String?
    public var smtpServer: SMTPServer?
    public var smtpHeloName: String?
    public var smtpConnectTimeout: Duration?
    public var lvsNotifyFifo: String?
    public var lvsNotifyFifoScript: ScriptCommand?
    /// Default user (and group) for scripts.
    public var scriptUser: ScriptCommand?
    public var enableScriptSecurity: Bool = false
    /// `default_interface IF`: keepalived's interface for static addresses (default eth0).
    public var defaultInterface: String?
    /// `notify_fifo PATH`: FIFO receiving every VRRP and checker state change.
    public var notifyFifo: String?
    public var notifyFifoScript: ScriptCommand?
    /// The `vrrp_*` items: defaults of every `vrrp_instance`.
    public var vrrp = VRRPGlobalDefinitions()

    public init() {}
}

/// `lvs_flush_on_stop [VS]`.
public enum LVSFlushOnStop: String, Sendable, Hashable {
    /// Flush the whole table at shutdown.
    case all
    /// Remove only the virtual servers of this configuration.
    case virtualServers
}

/// `smtp_server <host> [<port>]`.
public struct SMTPServer: Sendable, Hashable {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16 = 25) {
        self.host = host
        self.port = port
    }
}

/// `lvs_sync_daemon <IFNAME> [[inst] <VRRP_INSTANCE>] [id N] [maxlen N] [port N] [ttl N] [group ADDR]`.
public struct LVSSyncDaemonSettings: Sendable, Hashable {
    public var interface: String
    public var vrrpInstance: String?
    public var syncID: UInt8?
    public var maxLength: UInt16?
    public var port: UInt16?
    public var ttl: UInt8?
    public var group: IPAddress?

    public init(interface: String) {
        self.interface = interface
    }
}
