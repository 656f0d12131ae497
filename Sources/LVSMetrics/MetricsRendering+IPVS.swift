import LVSCore

// node_exporter's ipvs collector families, with its names, types and labels, so dashboards and
// alerts written for it work unchanged (docs/metrics.md, "node_exporter"); then lvsd's own
// per-service and per-real-server families with the same labels.
extension MetricsRendering {
    /// `node_ipvs_*`: director totals (the kernel's /proc/net/ip_vs_stats) and per real server
    /// connections and weight (/proc/net/ip_vs).
    mutating func addIPVS(_ table: TableSnapshot) {
        let totals: [(String, String, UInt64)] = [
            ("node_ipvs_connections_total", "The total number of connections made.", table.globalStats.connections),
            ("node_ipvs_incoming_packets_total", "The total number of incoming packets.", table.globalStats.inPackets),
            ("node_ipvs_outgoing_packets_total", "The total number of outgoing packets.", table.globalStats.outPackets),
            ("node_ipvs_incoming_bytes_total", "The total amount of incoming data.", table.globalStats.inBytes),
            ("node_ipvs_outgoing_bytes_total", "The total amount of outgoing data.", table.globalStats.outBytes),
        ]
        for (name, help, value) in totals {
            counter(name, help)
            add(name, [], .unsigned(value))
        }
        gauge("node_ipvs_backend_connections_active", "The current active connections by local and remote address.")
        gauge(
            "node_ipvs_backend_connections_inactive", "The current inactive connections by local and remote address.")
        gauge("node_ipvs_backend_weight", "The current backend weight by local and remote address.")
        for service in table.services.sorted(by: { $0.config.id < $1.config.id }) {
            for real in service.realServers.sorted(by: { $0.config.key < $1.config.key }) {
                let labels = Self.backendLabels(service.config.id, real.config.key)
                add("node_ipvs_backend_connections_active", labels, .unsigned(UInt64(real.activeConnections)))
                add("node_ipvs_backend_connections_inactive", labels, .unsigned(UInt64(real.inactiveConnections)))
                add("node_ipvs_backend_weight", labels, .signed(Int64(real.config.weight)))
            }
        }
    }

    /// node_exporter's service labels, as it reads them from /proc/net/ip_vs: an address service
    /// has its address, decimal port, `TCP`/`UDP`/`SCTP` and an empty mark; a firewall-mark service
    /// has an empty address, port `0`, proto `FWM` and the mark as the kernel prints it there
    /// (`%08X`: eight upper-case hexadecimal digits). Sorted by name, as node_exporter writes them.
    static func serviceLabels(_ id: VirtualServiceID) -> [(String, String)] {
        if id.isFirewallMark {
            return [
                ("local_address", ""), ("local_mark", hex8(id.firewallMark)), ("local_port", "0"), ("proto", "FWM"),
            ]
        }
        return [
            ("local_address", id.address.description), ("local_mark", ""), ("local_port", String(id.port)),
            ("proto", id.protocolNumber.displayName),
        ]
    }

    static func backendLabels(_ id: VirtualServiceID, _ key: RealServerKey) -> [(String, String)] {
        serviceLabels(id) + [("remote_address", key.address.description), ("remote_port", String(key.port))]
    }

    static func hex8(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// `lvsd_service_*` and `lvsd_real_server_*`: counters, rates, connections and settings.
    mutating func addServices(_ table: TableSnapshot) {
        declareTraffic(prefix: "lvsd_service", of: "the virtual service")
        declareTraffic(prefix: "lvsd_real_server", of: "the real server")
        declareTraffic(prefix: "lvsd_director", of: "the director (all services)", countersToo: false)
        gauge("lvsd_services", "Virtual services in the table.")
        add("lvsd_services", [], .unsigned(UInt64(table.services.count)))
        gauge("lvsd_connection_table_size", "The connection table size ipvsadm -L shows (size=).")
        add("lvsd_connection_table_size", [], .unsigned(UInt64(table.connectionTableSize)))
        addTraffic(prefix: "lvsd_director", [], nil, table.globalRates)
        gauge("lvsd_service_info", "Always 1; labels name the service's scheduler and persistence.")
        gauge("lvsd_service_real_servers", "Real servers of the virtual service.")
        gauge("lvsd_real_server_connections_active", "Active connections (TCP ESTABLISHED) to the real server.")
        gauge("lvsd_real_server_connections_inactive", "Inactive connections (every other state) to the real server.")
        gauge("lvsd_real_server_connections_persistent", "Persistence templates bound to the real server.")
        gauge("lvsd_real_server_weight", "The real server's weight in the table (0: quiesced).")
        gauge("lvsd_real_server_overloaded", "1 while the real server is over its upper connection threshold.")
        gauge(
            "lvsd_real_server_info", "Always 1; the forward label is the forwarding method as ipvsadm -L prints it.")
        for service in table.services.sorted(by: { $0.config.id < $1.config.id }) {
            let labels = Self.serviceLabels(service.config.id)
            addTraffic(prefix: "lvsd_service", labels, service.stats, service.rates)
            let persistent = service.config.persistenceTimeout.map { String($0) } ?? ""
            add(
                "lvsd_service_info",
                labels + [("persistence_timeout", persistent), ("scheduler", service.config.scheduler)], .unsigned(1))
            add("lvsd_service_real_servers", labels, .unsigned(UInt64(service.realServers.count)))
            for real in service.realServers.sorted(by: { $0.config.key < $1.config.key }) {
                let labels = Self.backendLabels(service.config.id, real.config.key)
                addTraffic(prefix: "lvsd_real_server", labels, real.stats, real.rates)
                add("lvsd_real_server_connections_active", labels, .unsigned(UInt64(real.activeConnections)))
                add("lvsd_real_server_connections_inactive", labels, .unsigned(UInt64(real.inactiveConnections)))
                add("lvsd_real_server_connections_persistent", labels, .unsigned(UInt64(real.persistentConnections)))
                add("lvsd_real_server_weight", labels, .signed(Int64(real.config.weight)))
                add("lvsd_real_server_overloaded", labels, .flag(real.overloaded))
                add(
                    "lvsd_real_server_info", labels + [("forward", real.config.forwarding.displayName)], .unsigned(1))
            }
        }
    }

    private static let trafficNames = [
        ("connections", "connections"), ("incoming_packets", "incoming packets"),
        ("outgoing_packets", "outgoing packets"), ("incoming_bytes", "incoming bytes"),
        ("outgoing_bytes", "outgoing bytes"),
    ]

    private mutating func declareTraffic(prefix: String, of subject: String, countersToo: Bool = true) {
        for (name, words) in Self.trafficNames {
            if countersToo { counter("\(prefix)_\(name)_total", "Total \(words) of \(subject).") }
            gauge(
                "\(prefix)_\(name)_per_second",
                "\(words.prefix(1).uppercased() + words.dropFirst()) per second of \(subject), from IPVS's rate estimator (ipvsadm --rate)."
            )
        }
    }

    private mutating func addTraffic(
        prefix: String, _ labels: [(String, String)], _ stats: StatsCounters?, _ rates: RateValues
    ) {
        if let stats {
            let counts = [stats.connections, stats.inPackets, stats.outPackets, stats.inBytes, stats.outBytes]
            for ((name, _), value) in zip(Self.trafficNames, counts) {
                add("\(prefix)_\(name)_total", labels, .unsigned(value))
            }
        }
        let perSecond = [
            rates.connectionsPerSecond, rates.inPacketsPerSecond, rates.outPacketsPerSecond, rates.inBytesPerSecond,
            rates.outBytesPerSecond,
        ]
        for ((name, _), value) in zip(Self.trafficNames, perSecond) {
            add("\(prefix)_\(name)_per_second", labels, .unsigned(value))
        }
    }
}
