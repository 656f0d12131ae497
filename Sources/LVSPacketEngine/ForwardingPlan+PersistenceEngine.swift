import LVSCore

// Which client datagrams the forwarder reads for a persistence engine (reference §4.14). The
// director keeps the same knowledge (`Director.persistenceEngine(forPacketTo:…)`), but asking it
// would cost a second trip through the decider's lock per packet; the plan is rebuilt on every
// configuration change, so it can answer locally. A plan a moment behind the director only
// costs a datagram its Call-ID (normal persistence) or a payload read the director ignores.
extension ForwardingPlan {
    /// A persistent UDP service (or firewall-mark service) with a persistence engine.
    public struct PersistenceEngineService: Sendable, Hashable, Comparable {
        /// The firewall mark of a firewall-mark service; 0 for an address:port service.
        public var firewallMark: UInt32
        /// The virtual address and UDP port (port 0 = every port); unused for a mark.
        public var address: IPAddress
        public var port: UInt16
        public var engine: PersistenceEngine

        public init(firewallMark: UInt32 = 0, address: IPAddress, port: UInt16, engine: PersistenceEngine) {
            self.firewallMark = firewallMark
            self.address = address
            self.port = port
            self.engine = engine
        }

        /// The entry for a configured service, nil when its engine does not apply: not
        /// persistent, no engine, not UDP (a firewall-mark service takes UDP too), or its address
        /// in standby.
        init?(_ id: VirtualServiceID, config: VirtualServiceConfig, standbyAddresses: Set<IPAddress>) {
            guard let engine = config.activePersistenceEngine else { return nil }
            switch engine {
            case .sip: break  // reads UDP only
            }
            if id.isFirewallMark {
                self.init(firewallMark: id.firewallMark, address: id.address, port: 0, engine: engine)
            } else {
                guard id.protocolNumber == .udp, !standbyAddresses.contains(id.address) else { return nil }
                self.init(address: id.address, port: id.port, engine: engine)
            }
        }

        public static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.firewallMark, lhs.address, lhs.port, lhs.engine.name)
                < (rhs.firewallMark, rhs.address, rhs.port, rhs.engine.name)
        }
    }

    /// The persistence engine whose data a client UDP datagram to `address:port` (with netfilter
    /// mark `firewallMark`, 0 for frames from the rings) must carry, or nil. Callers check
    /// `persistenceEngineServices.isEmpty` first so services without an engine pay nothing more.
    public func persistenceEngine(forUDPTo address: IPAddress, port: UInt16, firewallMark: UInt32) -> PersistenceEngine?
    {
        for service in persistenceEngineServices {
            let matches =
                service.firewallMark != 0
                ? service.firewallMark == firewallMark
                : service.address == address && (service.port == port || service.port == 0)
            if matches { return service.engine }
        }
        return nil
    }

    /// A masquerading real server of a service with a persistence engine (UDP `address:port`).
    public struct PersistenceEngineSource: Sendable, Hashable, Comparable {
        public var address: IPAddress
        public var port: UInt16
        public var engine: PersistenceEngine

        public init(address: IPAddress, port: UInt16, engine: PersistenceEngine) {
            self.address = address
            self.port = port
            self.engine = engine
        }

        public static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.address, lhs.port, lhs.engine.name) < (rhs.address, rhs.port, rhs.engine.name)
        }
    }

    /// The persistence engine whose data a UDP datagram from the real server `address:port`
    /// must carry (for the director's `conn_out`, reference §4.14), or nil. Callers check
    /// `persistenceEngineSources.isEmpty` first.
    public func persistenceEngine(forUDPFrom address: IPAddress, port: UInt16) -> PersistenceEngine? {
        persistenceEngineSources.first { $0.address == address && $0.port == port }?.engine
    }
}
