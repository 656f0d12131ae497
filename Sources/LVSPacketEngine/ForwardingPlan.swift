import LVSCore

/// The flows the packet engine owns, derived from the configuration after every transaction:
/// what the classic BPF filter admits to the rings and what the nftables ingress table keeps
/// from the kernel's own stack (docs/design/0009-packet-engine.md). Immutable once built.
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

    /// Packet-engine services (masquerading, direct routing or tunnelling real servers).
    public var services: [OwnedService]
    /// Masquerading real servers: their replies (source `address:port`) come back through the
    /// director and are rewritten (reference §5.1).
    public var natSources: [OwnedService]
    /// Every real server's address (their MACs are resolved ahead of the first packet).
    public var realServers: [IPAddress]

    public init(services: [OwnedService] = [], natSources: [OwnedService] = [], realServers: [IPAddress] = []) {
        self.services = services
        self.natSources = natSources
        self.realServers = realServers
    }

    /// The plan for a configuration: every TCP/UDP service that has at least one real server
    /// with a packet-engine forwarding method, and its masquerading real servers.
    public init(_ configuration: ConfigurationModel) {
        var services = Set<OwnedService>()
        var sources = Set<OwnedService>()
        var servers = Set<IPAddress>()
        for (id, entry) in configuration.services where !id.isFirewallMark {
            guard id.protocolNumber == .tcp || id.protocolNumber == .udp else { continue }
            guard entry.realServers.contains(where: { Self.isPacketMethod($0.forwarding) }) else { continue }
            services.insert(OwnedService(protocolNumber: id.protocolNumber, address: id.address, port: id.port))
            for server in entry.realServers where Self.isPacketMethod(server.forwarding) {
                servers.insert(server.key.address)
            }
            for server in entry.realServers where server.forwarding == .masquerading {
                sources.insert(
                    OwnedService(protocolNumber: id.protocolNumber, address: server.key.address, port: server.key.port))
            }
        }
        self.init(services: services.sorted(), natSources: sources.sorted(), realServers: servers.sorted())
    }

    /// True for the methods this engine forwards.
    public static func isPacketMethod(_ method: ForwardingMethod) -> Bool {
        switch method {
        case .masquerading, .directRouting, .tunnelling: true
        case .localNode, .bypass, .proxy: false
        }
    }

    /// True when a packet from `address:port` is a reply of a masquerading real server.
    public func isNATSource(_ protocolNumber: IPProtocolNumber, address: IPAddress, port: UInt16) -> Bool {
        natSources.contains { $0.protocolNumber == protocolNumber && $0.address == address && $0.port == port }
    }

    /// True when `address` is a masquerading real server (for relaying its ICMP errors).
    public func isNATServer(_ address: IPAddress) -> Bool {
        natSources.contains { $0.address == address }
    }
}
