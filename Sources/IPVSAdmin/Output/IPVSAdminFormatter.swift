import LVSCore

/// ipvsadm 1.31's output formats (reference §2), byte for byte, from the daemon's snapshots.
///
/// Every method returns the complete text, each line ending in `\n`, including the trailing
/// padding spaces ipvsadm prints. Names are looked up through the injected resolver unless the
/// options ask for numeric output; `--json` output is in `IPVSAdminFormatter+JSON.swift`.
public struct IPVSAdminFormatter: Sendable {
    let resolver: any NameResolver

    /// - Parameter resolver: host and service names for output without `-n`. Pass a
    ///   `NumericResolver` when names must never be looked up.
    public init(resolver: any NameResolver) {
        self.resolver = resolver
    }

    /// `-L`/`-l` without `-c`, `--timeout` or `--daemon`: every service, or only
    /// `options.service` when one was selected.
    ///
    /// - Returns: nil when `options.service` names a service the table does not hold; the caller
    ///   then prints `No such service` on stderr and exits 1 (reference §2.1).
    public func list(_ table: TableSnapshot, options: ListOptions) -> String? {
        guard let selected = options.service else { return listAll(table, options: options) }
        guard let service = table.services.first(where: { $0.config.id == selected }) else { return nil }
        return listService(service, options: options)
    }

    /// All services: the version header, the title and every service with its real servers,
    /// sorted as reference §2.7 says unless `options.noSort`.
    public func listAll(_ table: TableSnapshot, options: ListOptions) -> String {
        let format = ListingFormat(options)
        var out = "IP Virtual Server version 1.2.1 (size=\(table.connectionTableSize))\n"
        out += format.title
        for service in orderedServices(table.services, sorted: !options.noSort) {
            appendService(service, format: format, options: options, to: &out)
        }
        return out
    }

    /// One service (`-L -t VIP:port`): the title and that service, without the version header.
    public func listService(_ service: VirtualServiceSnapshot, options: ListOptions) -> String {
        let format = ListingFormat(options)
        var out = format.title
        appendService(service, format: format, options: options, to: &out)
        return out
    }

    /// `-L --timeout` (reference §2.5).
    public func timeouts(_ timeouts: TimeoutSettings) -> String {
        "Timeout (tcp tcpfin udp): \(timeouts.tcpEstablished) \(timeouts.tcpFinWait) \(timeouts.udp)\n"
    }

    /// `-L --daemon` (reference §2.5): one line per running daemon, master before backup;
    /// nothing when none runs.
    ///
    /// Group, port and TTL print the values the daemon uses (224.0.0.81, 8848 and 1 when the
    /// configuration left them at 0/nil), as the kernel reports effective values. `maxlen` is
    /// printed only when non-zero, so the daemon should put the length it derived into the snapshot.
    public func daemons(_ daemons: [SyncDaemonSnapshot]) -> String {
        let ordered = daemons.filter { $0.config.role == .master } + daemons.filter { $0.config.role == .backup }
        var out = ""
        for daemon in ordered {
            let effective = EffectiveSyncDaemon(daemon.config)
            out += "\(effective.role) sync daemon (mcast=\(effective.interface), syncid=\(effective.syncID)"
            if effective.maxLength != 0 { out += ", maxlen=\(effective.maxLength)" }
            out += ", group=\(effective.group)"
            if effective.port != 0 { out += ", port=\(effective.port)" }
            if effective.ttl != 0 { out += ", ttl=\(effective.ttl)" }
            out += ")\n"
        }
        return out
    }

    /// Services in listing order: sorted by `VirtualServiceID` (reference §2.7), or as given.
    func orderedServices(_ services: [VirtualServiceSnapshot], sorted: Bool) -> [VirtualServiceSnapshot] {
        sorted ? services.sorted { $0.config.id < $1.config.id } : services
    }

    /// Real servers in listing order: sorted by (address, port), or in the service's list order.
    func orderedRealServers(_ service: VirtualServiceSnapshot, sorted: Bool) -> [RealServerSnapshot] {
        sorted ? service.realServers.sorted { $0.config.key < $1.config.key } : service.realServers
    }
}

/// A sync daemon's parameters with the defaults filled in (reference §7.1), shared by the text and
/// JSON forms of `-L --daemon` and by `lvsadm --sync`.
public struct EffectiveSyncDaemon: Sendable, Hashable {
    public static let defaultGroup = IPAddress(ipv4: 0xE000_0051)  // 224.0.0.81
    public static let defaultPort: UInt16 = 8848
    public static let defaultTTL: UInt8 = 1

    /// `master` or `backup`.
    public var role: String
    public var interface: String
    public var syncID: UInt8
    /// As configured: 0 = derived by the daemon.
    public var maxLength: UInt16
    public var group: IPAddress
    public var port: UInt16
    public var ttl: UInt8

    public init(_ config: SyncDaemonConfig) {
        role = config.role.rawValue
        interface = config.multicastInterface
        syncID = config.syncID
        maxLength = config.maxLength
        group = config.multicastGroup ?? Self.defaultGroup
        port = config.multicastPort == 0 ? Self.defaultPort : config.multicastPort
        ttl = config.multicastTTL == 0 ? Self.defaultTTL : config.multicastTTL
    }
}
