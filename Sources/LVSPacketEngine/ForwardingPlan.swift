import LVSCore

/// The flows the packet engine owns, derived from the configuration after every transaction:
/// what the classic BPF filter admits to the rings and what the nftables ingress table keeps
/// from the kernel's own stack (docs/design/0009-packet-engine.md). Immutable once built.
///
/// Two inputs besides the configuration shape it (docs/design/0011-local-node.md): the
/// director's own addresses (a real server at one of them is delivered to the local stack,
/// reference §5.4) and the standby addresses (virtual addresses this director must not serve
/// now, e.g. as a VRRP backup: their services are left out, so the kernel's stack has them).
public struct ForwardingPlan: Sendable, Hashable {
    /// A virtual service the engine serves: packets to `address:port` with `protocolNumber`
    /// (port 0 = every port, reference §2.2 "port 0").
    public struct OwnedService: Sendable, Hashable, Comparable {
        public var protocolNumber: IPProtocolNumber
        public var address: IPAddress
        public var port: UInt16

        public init(protocolNumber: IPProtocolNumber, address: IPAddress, port: UInt16) {
            self.protocolNumber = protocolNumber
            self.address = address
            self.port = port
        }

        public static func < (lhs: OwnedService, rhs: OwnedService) -> Bool {
            (lhs.address, lhs.protocolNumber.rawValue, lhs.port) < (rhs.address, rhs.protocolNumber.rawValue, rhs.port)
        }
    }

    /// Packet-engine services (masquerading, direct routing, tunnelling or local real servers).
    public var services: [OwnedService]
    /// Masquerading real servers on other hosts: their replies (source `address:port`) come
    /// back through the director and are rewritten (reference §5.1).
    public var natSources: [OwnedService]
    /// Every real server's address on another host (their MACs are resolved ahead of the first
    /// packet).
    public var realServers: [IPAddress]
    /// Real servers delivered to the director's own stack (reference §5.4): those at one of the
    /// director's addresses, whatever their method.
    public var localServers: [IPAddress]
    /// Masquerading real servers at one of the director's addresses: the source rewrite their
    /// locally generated replies get on the way out (see `LocalReply`).
    public var localReplies: [LocalReply]
    /// Virtual addresses in standby: their services are not in this plan.
    public var standbyAddresses: [IPAddress]
    /// Firewall-mark services with packet-engine real servers (reference §4.7): their packets
    /// reach the engine through the marked-packet log, not the rings.
    public var markedServices: [MarkedService]
    /// Services whose client datagrams the engine reads for a persistence engine (`--pe sip`,
    /// reference §4.14), so the forwarder decides without asking the director (whose lock it
    /// takes once per packet already). Empty in most configurations: one emptiness check then.
    public var persistenceEngineServices: [PersistenceEngineService]
    /// Masquerading real servers of those services (UDP, not firewall-mark, with a port): a
    /// datagram from one that matches no entry may start a connection (IPVS `conn_out`,
    /// reference §4.14), so the forwarder passes its persistence data with it.
    public var persistenceEngineSources: [PersistenceEngineSource]

    /// A firewall-mark service: the mark and the address family it serves.
    public struct MarkedService: Sendable, Hashable, Comparable {
        public var mark: UInt32
        public var family: AddressFamily

        public init(mark: UInt32, family: AddressFamily) {
            self.mark = mark
            self.family = family
        }

        public static func < (lhs: MarkedService, rhs: MarkedService) -> Bool {
            (lhs.family.rawValue, lhs.mark) < (rhs.family.rawValue, rhs.mark)
        }
    }

    /// Masqueraded FTP services (TCP, port in the director's FTP ports): their control
    /// connections get the FTP helper (reference §6, docs/design/0016-ftp-helper.md).
    public var ftpControls: [OwnedService]
    /// The data ports of those services' connections, owned whole because the helper learns
    /// them only from the control text: TCP to the virtual address (clients' passive data
    /// connections and answers to active ones) and from each masquerading real server (its
    /// passive answers and active connections).
    public var ftpDataPorts: [FTPDataPorts]

    /// The TCP ports of one address that FTP data connections use: `activePort` (the control
    /// port − 1, 20 for 21, reference §6 "vport − 1") and every port from `FTPDataPorts.lowest`
    /// (1024: the kernel's FTP fallback, reference §4.4 step 3, also bounds where servers put
    /// their passive ports).
    public struct FTPDataPorts: Sendable, Hashable, Comparable {
        public var address: IPAddress
        public var activePort: UInt16
        /// True for a real server's ports (the packet's source); false for a virtual address's
        /// (the packet's destination).
        public var isSource: Bool

        public static let lowest: UInt16 = 1024

        public init(address: IPAddress, activePort: UInt16, isSource: Bool) {
            self.address = address
            self.activePort = activePort
            self.isSource = isSource
        }

        public func contains(_ port: UInt16) -> Bool { port == activePort || port >= Self.lowest }

        public static func < (lhs: FTPDataPorts, rhs: FTPDataPorts) -> Bool {
            (lhs.isSource ? 1 : 0, lhs.address, lhs.activePort) < (rhs.isSource ? 1 : 0, rhs.address, rhs.activePort)
        }
    }

    public init(
        services: [OwnedService] = [], natSources: [OwnedService] = [], realServers: [IPAddress] = [],
        localServers: [IPAddress] = [], localReplies: [LocalReply] = [], standbyAddresses: [IPAddress] = [],
        markedServices: [MarkedService] = [], persistenceEngineServices: [PersistenceEngineService] = [],
        persistenceEngineSources: [PersistenceEngineSource] = [], ftpControls: [OwnedService] = [],
        ftpDataPorts: [FTPDataPorts] = []
    ) {
        self.persistenceEngineSources = persistenceEngineSources
        self.ftpControls = ftpControls
        self.ftpDataPorts = ftpDataPorts
        self.markedServices = markedServices
        self.persistenceEngineServices = persistenceEngineServices
        self.services = services
        self.natSources = natSources
        self.realServers = realServers
        self.localServers = localServers
        self.localReplies = localReplies
        self.standbyAddresses = standbyAddresses
    }

    /// The plan for a configuration: every TCP/UDP service that has at least one real server
    /// with a packet-engine forwarding method and whose address is not in `standbyAddresses`,
    /// every such firewall-mark service, their real servers, and those of these services that
    /// have a persistence engine (`persistenceEngineServices`); real servers at one of
    /// `localAddresses` (or with the local-node method) are delivered to the local stack.
    /// Services whose TCP port is one of `ftpPorts` and that have masquerading real servers on
    /// other hosts also own their FTP data ports (`ftpDataPorts`).
    public init(
        _ configuration: ConfigurationModel, localAddresses: Set<IPAddress> = [],
        standbyAddresses: Set<IPAddress> = [], ftpPorts: Set<UInt16> = []
    ) {
        var ftpControls = Set<OwnedService>()
        var ftpData = Set<FTPDataPorts>()
        var services = Set<OwnedService>()
        var sources = Set<OwnedService>()
        var servers = Set<IPAddress>()
        var local = Set<IPAddress>()
        var replies = Set<LocalReply>()
        var marked = Set<MarkedService>()
        var engines = Set<PersistenceEngineService>()
        var engineSources = Set<PersistenceEngineSource>()
        for (id, entry) in configuration.services {
            guard entry.realServers.contains(where: { Self.isPacketMethod($0.forwarding) }) else { continue }
            let engine = PersistenceEngineService(id, config: entry.config, standbyAddresses: standbyAddresses)
            if let engine { engines.insert(engine) }
            // A firewall-mark service takes TCP and UDP alike; its replies are told by protocol.
            let protocols: [IPProtocolNumber]
            if id.isFirewallMark {
                marked.insert(MarkedService(mark: id.firewallMark, family: id.family))
                protocols = [.tcp, .udp]
            } else {
                guard id.protocolNumber == .tcp || id.protocolNumber == .udp else { continue }
                guard !standbyAddresses.contains(id.address) else { continue }
                services.insert(OwnedService(protocolNumber: id.protocolNumber, address: id.address, port: id.port))
                protocols = [id.protocolNumber]
            }
            for server in entry.realServers where Self.isPacketMethod(server.forwarding) {
                let address = server.key.address
                guard server.forwarding != .localNode && !localAddresses.contains(address) else {
                    local.insert(address)
                    if server.forwarding == .masquerading && !id.isFirewallMark {
                        replies.insert(
                            LocalReply(
                                protocolNumber: id.protocolNumber, serverAddress: address, serverPort: server.key.port,
                                virtualAddress: id.address, virtualPort: id.port))
                    }
                    continue
                }
                servers.insert(address)
                if server.forwarding == .masquerading && !id.isFirewallMark && id.protocolNumber == .tcp
                    && ftpPorts.contains(id.port) && id.port > 0
                {
                    ftpControls.insert(OwnedService(protocolNumber: .tcp, address: id.address, port: id.port))
                    ftpData.insert(FTPDataPorts(address: id.address, activePort: id.port - 1, isSource: false))
                    let serverPort = server.key.port == 0 ? id.port : server.key.port
                    ftpData.insert(FTPDataPorts(address: address, activePort: serverPort &- 1, isSource: true))
                }
                if server.forwarding == .masquerading {
                    if let engine, engine.firewallMark == 0, id.port != 0 {
                        engineSources.insert(
                            PersistenceEngineSource(address: address, port: server.key.port, engine: engine.engine))
                    }
                    for protocolNumber in protocols {
                        sources.insert(
                            OwnedService(protocolNumber: protocolNumber, address: address, port: server.key.port))
                    }
                }
            }
        }
        self.init(
            services: services.sorted(), natSources: sources.sorted(), realServers: servers.sorted(),
            localServers: local.sorted(), localReplies: LocalReply.unambiguous(replies),
            standbyAddresses: standbyAddresses.sorted(), markedServices: marked.sorted(),
            persistenceEngineServices: engines.sorted(), persistenceEngineSources: engineSources.sorted(),
            ftpControls: ftpControls.sorted(),
            ftpDataPorts: ftpData.sorted())
    }

    /// True for the methods this engine forwards.
    public static func isPacketMethod(_ method: ForwardingMethod) -> Bool {
        switch method {
        case .masquerading, .directRouting, .tunnelling, .localNode: true
        case .bypass, .proxy: false
        }
    }

    /// True when a packet from `address:port` is a reply of a masquerading real server (one
    /// configured with port 0 answers from whatever port the client asked for).
    public func isNATSource(_ protocolNumber: IPProtocolNumber, address: IPAddress, port: UInt16) -> Bool {
        natSources.contains {
            $0.protocolNumber == protocolNumber && $0.address == address && ($0.port == port || $0.port == 0)
        }
    }

    /// True when a TCP packet to `address:port` belongs to a masqueraded FTP service's control
    /// connection (the helper reads it).
    public func isFTPControl(address: IPAddress, port: UInt16) -> Bool {
        !ftpControls.isEmpty && ftpControls.contains { $0.address == address && $0.port == port }
    }

    /// True when a TCP packet from `address:port` is in a real server's FTP data ports.
    public func isFTPDataSource(address: IPAddress, port: UInt16) -> Bool {
        !ftpDataPorts.isEmpty && ftpDataPorts.contains { $0.isSource && $0.address == address && $0.contains(port) }
    }

    /// True when a TCP packet to `address:port` is in a virtual address's FTP data ports.
    public func isFTPDataDestination(address: IPAddress, port: UInt16) -> Bool {
        !ftpDataPorts.isEmpty && ftpDataPorts.contains { !$0.isSource && $0.address == address && $0.contains(port) }
    }

    /// True when `address` is a masquerading real server (for relaying its ICMP errors).
    public func isNATServer(_ address: IPAddress) -> Bool {
        natSources.contains { $0.address == address }
    }

    /// True when packets for the real server at `address` go to the director's own stack.
    public func isLocalServer(_ address: IPAddress) -> Bool {
        localServers.contains(address)
    }

    /// True when `address` is a virtual address in standby (its services are not served).
    public func isStandby(_ address: IPAddress) -> Bool {
        standbyAddresses.contains(address)
    }
}
