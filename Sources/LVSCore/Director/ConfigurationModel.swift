/// The director's configuration as plain values: virtual services, their real servers, timeouts
/// and sync daemons. Every admin command is first checked against a copy of this model, with the
/// kernel's validation rules (reference §1.4, §1.5, §11), so that a batch either passes whole or
/// changes nothing; only then is the live state touched.
public struct ConfigurationModel: Sendable, Hashable {
    public struct ServiceEntry: Sendable, Hashable {
        public var config: VirtualServiceConfig
        /// Real servers in list order: newest first (reference §3.0).
        public var realServers: [RealServerConfig]
    }

    public private(set) var services: [VirtualServiceID: ServiceEntry] = [:]
    /// Services in creation order (our stand-in for the kernel's hash order under `--nosort`).
    public private(set) var serviceOrder: [VirtualServiceID] = []
    public private(set) var timeouts = TimeoutSettings.kernelDefaults
    /// Running sync daemons, master before backup.
    public private(set) var syncDaemons: [SyncDaemonConfig] = []
    public private(set) var settings = DirectorSettings()

    /// Scheduler names the director can instantiate.
    let knownSchedulers: Set<String>

    public init(knownSchedulers: Set<String>) {
        self.knownSchedulers = knownSchedulers
    }

    /// Checks `command` against the current model and applies it to the model.
    /// Throws the error the kernel would return; the model is unchanged on error.
    public mutating func apply(_ command: AdminCommand) throws(AdminError) {
        switch command {
        case .addService(let config):
            try validate(service: config)
            guard services[config.id] == nil else { throw .alreadyExists }
            services[config.id] = ServiceEntry(config: config, realServers: [])
            serviceOrder.append(config.id)
        case .editService(let config):
            guard let entry = services[config.id] else { throw .noSuchService }
            try validate(service: config)
            try validate(realServerCount: entry.realServers.count, scheduler: config.scheduler)
            services[config.id]!.config = config
        case .deleteService(let id):
            guard services.removeValue(forKey: id) != nil else { throw .noSuchService }
            serviceOrder.removeAll { $0 == id }
        case .clear:
            services.removeAll()
            serviceOrder.removeAll()
        case .addRealServer(let id, let server):
            guard var entry = services[id] else { throw .noSuchService }
            try validate(realServer: server, in: entry.config)
            guard !entry.realServers.contains(where: { $0.key == server.key }) else { throw .alreadyExists }
            try validate(engineOf: server, joining: entry.realServers)
            try validate(realServerCount: entry.realServers.count + 1, scheduler: entry.config.scheduler)
            entry.realServers.insert(server, at: 0)
            services[id] = entry
        case .editRealServer(let id, let server):
            guard var entry = services[id] else { throw .noSuchService }
            try validate(realServer: server, in: entry.config)
            guard let index = entry.realServers.firstIndex(where: { $0.key == server.key }) else { throw .notFound }
            var others = entry.realServers
            others.remove(at: index)
            try validate(engineOf: server, joining: others)
            entry.realServers[index] = server
            services[id] = entry
        case .deleteRealServer(let id, let key):
            guard var entry = services[id] else { throw .noSuchService }
            guard let index = entry.realServers.firstIndex(where: { $0.key == key }) else { throw .notFound }
            entry.realServers.remove(at: index)
            services[id] = entry
        case .zero(let id):
            if let id, services[id] == nil { throw .noSuchService }
        case .setTimeouts(let requested):
            try validate(timeouts: requested)
            timeouts = merged(timeouts: requested)
        case .startDaemon(let daemon):
            guard !syncDaemons.contains(where: { $0.role == daemon.role }) else { throw .alreadyExists }
            syncDaemons.append(daemon)
            syncDaemons.sort { $0.role == .master && $1.role == .backup }
        case .stopDaemon(let role):
            guard syncDaemons.contains(where: { $0.role == role }) else { throw .noSuchService }
            syncDaemons.removeAll { $0.role == role }
        case .setDirectorSettings(let newSettings):
            guard newSettings.connReuseMode <= 3 else { throw .invalidArgument("conn_reuse_mode must be 0...3") }
            let slots = newSettings.defences.sourceRateSlots
            guard slots >= 1 && slots <= DefenceSettings.maximumSourceRateSlots else {
                throw .invalidArgument(
                    "the per-source rate table takes 1...\(DefenceSettings.maximumSourceRateSlots) slots")
            }
            settings = newSettings
        }
    }

    /// `--set`: a zero keeps the current value (reference §1.2).
    func merged(timeouts requested: TimeoutSettings) -> TimeoutSettings {
        TimeoutSettings(
            tcpEstablished: requested.tcpEstablished == 0 ? timeouts.tcpEstablished : requested.tcpEstablished,
            tcpFinWait: requested.tcpFinWait == 0 ? timeouts.tcpFinWait : requested.tcpFinWait,
            udp: requested.udp == 0 ? timeouts.udp : requested.udp)
    }

    private func validate(timeouts t: TimeoutSettings) throws(AdminError) {
        // The kernel refuses values above INT_MAX / HZ; ipvsadm already limits them to 31 days.
        let limit = UInt32(Int32.max) / 1000
        guard t.tcpEstablished <= limit, t.tcpFinWait <= limit, t.udp <= limit else {
            throw .invalidArgument("timeout too large")
        }
    }

    /// Kernel-side service checks (reference §11 "Kernel validation summary", §1.4).
    private func validate(service config: VirtualServiceConfig) throws(AdminError) {
        guard knownSchedulers.contains(config.scheduler) else { throw .notFound }
        if let engine = config.persistenceEngine, engine != "sip" { throw .notFound }
        switch config.id.protocolNumber {
        case .tcp, .udp, .sctp: break
        case .ip: throw .invalidArgument("protocol must be TCP, UDP or SCTP")
        }
        if config.id.isFirewallMark == false && config.id.address.family != config.id.family {
            throw .invalidArgument("address family does not match")
        }
        switch (config.netmask, config.id.family) {
        case (.ipv6(let plen), .inet6):
            guard (1...128).contains(plen) else { throw .invalidArgument("IPv6 netmask must be 1...128") }
        case (.ipv4, .inet): break
        case (.ipv4, .inet6), (.ipv6, .inet): throw .invalidArgument("netmask family does not match the service")
        }
        if let timeout = config.persistenceTimeout, timeout == 0 {
            throw .invalidArgument("persistence timeout must be positive")
        }
    }

    /// The Maglev table has 4093 slots; the kernel refuses more real servers than that (EINVAL,
    /// reference §3.14).
    private func validate(realServerCount count: Int, scheduler: String) throws(AdminError) {
        if scheduler == "mh" && count > MaglevHashingScheduler.tableSize {
            throw .invalidArgument("mh supports at most \(MaglevHashingScheduler.tableSize) real servers")
        }
    }

    /// A virtual service is served by one engine (DESIGN.md §1): the proxy engine for `--proxy`
    /// real servers, the packet engine for the others, so the two cannot share a service.
    private func validate(engineOf server: RealServerConfig, joining others: [RealServerConfig]) throws(AdminError) {
        let isProxy = server.forwarding == .proxy
        if others.contains(where: { ($0.forwarding == .proxy) != isProxy }) {
            throw .notSupported(
                "A virtual service is served by one engine: --proxy real servers cannot be mixed with -g, -i or -m ones"
            )
        }
    }

    /// Kernel-side real-server checks (reference §1.5 "Kernel-side checks").
    private func validate(realServer server: RealServerConfig, in service: VirtualServiceConfig) throws(AdminError) {
        guard server.weight >= 0 else { throw .outOfRange }
        guard server.upperThreshold <= UInt32(Int32.max), server.lowerThreshold <= UInt32(Int32.max) else {
            throw .invalidArgument("threshold above INT_MAX")
        }
        guard server.lowerThreshold <= server.upperThreshold else { throw .outOfRange }
        if server.address.family != service.id.family && server.forwarding != .tunnelling {
            throw .addressFamilyNotSupported
        }
        if server.forwarding != .proxy && (server.proxyProtocol != .none || server.transparentSource) {
            throw .invalidArgument("PROXY protocol and transparent source need the proxy method")
        }
        if server.forwarding == .tunnelling && server.tunnelType == .gue && server.tunnelPort == 0 {
            throw .invalidArgument("GUE tunnels need a port")
        }
        switch server.address.family {
        case .inet:
            guard !server.address.isMulticastOrBroadcast else { throw .invalidArgument("address not unicast") }
        case .inet6:
            guard !server.address.isMulticastOrBroadcast, !server.address.isIPv6LinkLocal else {
                throw .invalidArgument("address not unicast")
            }
        }
    }
}
