import IPVSAdmin
import LVSCore

/// Hand-made snapshots mirroring the examples of reference §2 (the 207.175.44.110 tables), in
/// creation order (not sorted) with real servers newest first, so that sorting is exercised.
/// `Golden/*` holds the expected text for each, checked against the reference examples.
enum FormatterFixtures {
    static let vip = "207.175.44.110"

    static func ip(_ text: String) -> IPAddress {
        guard let address = IPAddress(text) else { preconditionFailure("bad fixture address \(text)") }
        return address
    }

    static func tcp(_ address: String, _ port: UInt16) -> VirtualServiceID {
        VirtualServiceID(protocol: .tcp, address: ip(address), port: port)
    }

    static func udp(_ address: String, _ port: UInt16) -> VirtualServiceID {
        VirtualServiceID(protocol: .udp, address: ip(address), port: port)
    }

    static func stats(_ v: [UInt64]) -> StatsCounters {
        StatsCounters(connections: v[0], inPackets: v[1], outPackets: v[2], inBytes: v[3], outBytes: v[4])
    }

    static func rates(_ v: [UInt64]) -> RateValues {
        RateValues(
            connectionsPerSecond: v[0], inPacketsPerSecond: v[1], outPacketsPerSecond: v[2], inBytesPerSecond: v[3],
            outBytesPerSecond: v[4])
    }

    static func server(
        _ address: String, _ port: UInt16, _ forwarding: ForwardingMethod, weight: Int32 = 1, active: UInt32 = 0,
        inactive: UInt32 = 0, persistent: UInt32 = 0, upper: UInt32 = 0, lower: UInt32 = 0,
        tunnel: TunnelType = .ipip, tunnelPort: UInt16 = 0, checksum: TunnelChecksum = .none,
        stats: StatsCounters = StatsCounters(), rates: RateValues = RateValues()
    ) -> RealServerSnapshot {
        RealServerSnapshot(
            config: RealServerConfig(
                address: ip(address), port: port, forwarding: forwarding, weight: weight, upperThreshold: upper,
                lowerThreshold: lower, tunnelType: tunnel, tunnelPort: tunnelPort, tunnelChecksum: checksum),
            activeConnections: active, inactiveConnections: inactive, persistentConnections: persistent,
            stats: stats, rates: rates)
    }

    static func service(
        _ id: VirtualServiceID, _ scheduler: String, flags: SchedulerFlags = [], persistence: UInt32? = nil,
        netmask: PersistenceNetmask? = nil, ops: Bool = false, engine: String? = nil,
        servers: [RealServerSnapshot] = [], stats: StatsCounters = StatsCounters(), rates: RateValues = RateValues()
    ) -> VirtualServiceSnapshot {
        VirtualServiceSnapshot(
            config: VirtualServiceConfig(
                id: id, scheduler: scheduler, schedulerFlags: flags, persistenceTimeout: persistence,
                netmask: netmask, onePacketScheduling: ops, persistenceEngine: engine),
            realServers: servers, stats: stats, rates: rates)
    }

    // MARK: Reference §2.1 table

    static let web80 = service(
        tcp(vip, 80), "rr",
        servers: [
            server("192.168.10.3", 80, .masquerading, weight: 0, inactive: 7),
            server("192.168.10.2", 80, .masquerading, active: 11, inactive: 128),
            server("192.168.10.1", 80, .masquerading, active: 12, inactive: 130),
        ])
    static let dns53 = service(
        udp(vip, 53), "sh", flags: [.fallback, .port],
        servers: [server("10.1.1.7", 53, .tunnelling, inactive: 512)])

    static let referenceTable = TableSnapshot(services: [
        service(VirtualServiceID(firewallMark: 2, family: .inet6), "rr"),
        dns53,
        service(
            tcp(vip, 443), "wlc", persistence: 360, netmask: .ipv4(mask: 0xFFFF_FF00),
            servers: [
                server("10.1.1.6", 443, .directRouting, active: 13),
                server("10.1.1.5", 443, .directRouting, weight: 3, active: 40, inactive: 2),
            ]),
        service(
            VirtualServiceID(firewallMark: 1, family: .inet), "wlc", persistence: 300,
            servers: [server("192.168.10.1", 0, .masquerading)]),
        service(
            tcp("2001:db8::80", 80), "mh", flags: [.port], servers: [server("2001:db8::a0a0", 80, .masquerading)]),
        web80,
        service(udp(vip, 5060), "rr", persistence: 360, ops: true, engine: "sip"),
    ])

    // MARK: Reference §2.2 (--stats, --rate)

    static let statsTable = TableSnapshot(services: [
        service(
            tcp(vip, 80), "rr",
            servers: [
                server(
                    "192.168.10.2", 80, .masquerading, stats: stats([1154, 24511, 23115, 1_710_491, 617_283_945])),
                server(
                    "192.168.10.1", 80, .masquerading, stats: stats([1157, 24511, 23100, 1_710_490, 617_283_945]),
                    rates: rates([6, 125, 120, 8750, 1_550_000])),
            ],
            stats: stats([2311, 49022, 46215, 3_420_981, 1_234_567_890]),
            rates: rates([12, 250, 240, 17500, 3_100_000]))
    ])

    static var rateTable: TableSnapshot {
        var table = statsTable
        table.services[0].realServers.removeFirst()
        return table
    }

    // MARK: Reference §2.3 (single-service examples)

    static let thresholdService = service(
        tcp(vip, 80), "rr",
        servers: [server("192.168.10.1", 80, .masquerading, active: 12, inactive: 130, upper: 100, lower: 0)])
    static let persistentService = service(
        tcp(vip, 443), "wlc", persistence: 360,
        servers: [server("10.1.1.5", 443, .directRouting, weight: 3, active: 40, inactive: 2, persistent: 17)])
    static let tunnelService = service(
        tcp(vip, 80), "rr",
        servers: [
            server("192.168.10.4", 80, .masquerading),
            server("192.168.10.3", 80, .tunnelling, tunnel: .ipip),
            server("192.168.10.2", 80, .tunnelling, tunnel: .gre, checksum: .checksum),
            server("192.168.10.1", 80, .tunnelling, tunnel: .gue, tunnelPort: 6080, checksum: .none),
        ])

    // MARK: Large-number boundaries

    static let bounds: [UInt64] = [
        99_999_999, 100_000_000, 999_999_999, 1_000_000_000, 99_999_999_999, 100_000_000_000,
        99_999_999_999_999, 100_000_000_000_000, UInt64.max, 0,
    ]

    static var largeTable: TableSnapshot {
        let b = bounds
        let servers = (0..<10).map { k in
            server(
                "10.0.1.\(k + 1)", 80, .directRouting,
                stats: stats([b[k], b[k], b[k], b[(k + 1) % 10], b[(k + 2) % 10]]),
                rates: rates([UInt64(k), 4_294_967_295, 0, b[k], b[(k + 3) % 10]]))
        }
        return TableSnapshot(services: [
            service(
                tcp("10.0.0.1", 80), "wlc", servers: servers, stats: stats([b[8], b[7], b[6], b[5], b[4]]),
                rates: rates([b[0], b[1], b[2], b[3], b[4]]))
        ])
    }

    // MARK: Long names, IPv6, SCTP, fwmark IPv6

    static let longTable = TableSnapshot(services: [
        service(
            tcp("198.51.100.7", 80), "wlc",
            servers: [
                server("10.1.1.5", 443, .directRouting, stats: stats([1, 1, 1, 1, 1])),
                server("192.168.10.1", 8080, .masquerading),
            ],
            stats: stats([1, 2, 3, 4, 5])),
        service(
            tcp("2001:db8:1234:5678::80", 8080), "wlc", persistence: 1800, netmask: .ipv6(prefixLength: 64),
            servers: [server("2001:db8:1234:5678:9abc:def0:1234:5678", 8080, .masquerading)]),
        service(
            VirtualServiceID(protocol: .sctp, address: ip("10.9.9.9"), port: 3868), "rr",
            flags: [.flag1, .flag2, .flag3],
            servers: [server("10.9.9.10", 3868, .localNode), server("10.9.9.11", 3868, .proxy)]),
        service(
            VirtualServiceID(firewallMark: 7, family: .inet6), "sh", flags: [.fallback], persistence: 60,
            netmask: .ipv6(prefixLength: 96),
            servers: [server("2001:db8::1", 0, .directRouting), server("2001:db8::2", 80, .directRouting)]),
    ])

    // MARK: Reference §2.6 (-S)

    static let saveTable = TableSnapshot(services: [
        service(VirtualServiceID(firewallMark: 2, family: .inet6), "rr"),
        service(
            VirtualServiceID(firewallMark: 1, family: .inet), "wlc", persistence: 300,
            servers: [server("192.168.10.1", 0, .masquerading)]),
        service(
            udp(vip, 53), "sh", flags: [.fallback, .port],
            servers: [
                server("10.1.1.9", 53, .tunnelling, tunnel: .gre, checksum: .checksum),
                server("10.1.1.8", 53, .tunnelling, tunnel: .gue, tunnelPort: 6080, checksum: .none),
                server("10.1.1.7", 53, .tunnelling, tunnel: .ipip),
            ]),
        service(
            tcp("2001:db8::80", 80), "mh", flags: [.port], servers: [server("2001:db8::a0a0", 80, .masquerading)]),
        service(udp(vip, 5060), "rr", persistence: 360, ops: true, engine: "sip"),
        service(
            tcp(vip, 443), "wlc", persistence: 360, netmask: .ipv4(mask: 0xFFFF_FF00),
            servers: [server("10.1.1.5", 443, .directRouting, weight: 3)]),
        service(
            tcp(vip, 80), "rr",
            servers: [server("192.168.10.2", 80, .masquerading), server("192.168.10.1", 80, .masquerading)]),
    ])

    static let thresholdSaveTable = TableSnapshot(services: [
        service(
            tcp("10.0.0.1", 80), "wlc",
            servers: [
                server("10.0.0.11", 80, .masquerading, weight: 5, upper: 100, lower: 0),
                server("10.0.0.12", 80, .directRouting, weight: 2, upper: 0, lower: 10),
                server(
                    "10.0.0.13", 80, .tunnelling, upper: 7, lower: 3, tunnel: .gue, tunnelPort: 5555,
                    checksum: .remoteChecksum),
                server("10.0.0.14", 8080, .proxy, weight: 0),
            ])
    ])

    // MARK: Reference §2.4 (-c)

    static func entry(
        _ proto: IPProtocolNumber, _ expires: UInt32, _ state: String, _ client: String, _ cport: UInt16,
        _ virtual: String, _ vport: UInt16, _ destination: String, _ dport: UInt16, template: Bool = false,
        engine: (String, String)? = nil
    ) -> ConnectionSnapshot {
        ConnectionSnapshot(
            protocolNumber: proto, clientAddress: ip(client), clientPort: cport, virtualAddress: ip(virtual),
            virtualPort: vport, destinationAddress: ip(destination), destinationPort: dport, stateName: state,
            expiresInSeconds: expires, isTemplate: template, persistenceEngineName: engine?.0,
            persistenceEngineData: engine?.1)
    }

    static let connections = [
        entry(.tcp, 898, "ESTABLISHED", "10.0.0.2", 53712, vip, 80, "192.168.10.1", 80),
        entry(.tcp, 57, "SYN_RECV", "10.0.0.9", 40100, vip, 80, "192.168.10.2", 80),
        entry(.tcp, 112, "FIN_WAIT", "10.0.0.4", 51000, vip, 80, "192.168.10.1", 80),
        entry(.udp, 286, "UDP", "10.0.0.3", 33012, vip, 53, "10.1.1.7", 53),
        entry(.tcp, 359, "ASSURED", "10.0.0.2", 0, vip, 443, "10.1.1.5", 443, template: true),
        entry(.ip, 299, "ASSURED", "10.0.0.2", 0, "0.0.0.1", 0, "192.168.10.1", 0, template: true),
    ]

    static let sipTemplates = [
        entry(
            .udp, 177, "ASSURED", "10.0.0.5", 0, vip, 5060, "192.168.10.1", 5060, template: true,
            engine: ("sip", "a84b4c76e66710"))
    ]

    static let miscConnections = [
        entry(.tcp, 6000, "ESTABLISHED", "2001:db8::c1", 40000, "2001:db8::80", 80, "2001:db8::a0a0", 80),
        entry(.sctp, 5, "C-ECHOED", "10.0.0.8", 2905, "10.9.9.9", 3868, "10.9.9.10", 3868),
        entry(
            .udp, 0, "ASSURED", "10.0.0.5", 0, vip, 5060, "192.168.10.2", 5060, template: true,
            engine: ("sip", "call-1")),
        entry(.tcp, 59, "CLOSE_WAIT", "10.0.0.6", 1, vip, 80, "192.168.10.1", 80),
    ]

    static let daemons = [
        SyncDaemonSnapshot(
            config: SyncDaemonConfig(
                role: .backup, multicastInterface: "eth1", syncID: 200, multicastGroup: ip("239.1.2.3"),
                multicastPort: 9000, multicastTTL: 5)),
        SyncDaemonSnapshot(config: SyncDaemonConfig(role: .master, multicastInterface: "eth0", maxLength: 1472)),
    ]
}

/// A name table standing in for /etc/hosts and /etc/services.
struct FakeResolver: NameResolver {
    static let hosts: [String: String] = [
        "207.175.44.110": "www.example.com", "192.168.10.1": "rs1.example.com",
        "10.1.1.5": "a-very-long-real-server-name.example.com", "2001:db8::80": "v6.example.com",
        "198.51.100.7": "frontend-load-balancer.datacenter.example.net", "10.0.0.2": "client.example.org",
    ]
    static let services: [String: String] = [
        "tcp/80": "http", "tcp/443": "https", "udp/53": "domain", "udp/5060": "sip", "tcp/8080": "http-alt",
    ]

    func ipv4Address(forHost name: String) -> IPAddress? { nil }
    func port(forService name: String, protocolName: String) -> UInt16? { nil }
    func hostName(for address: IPAddress) -> String? { Self.hosts[address.description] }
    func serviceName(forPort port: UInt16, protocolName: String) -> String? {
        Self.services["\(protocolName)/\(port)"]
    }
}
