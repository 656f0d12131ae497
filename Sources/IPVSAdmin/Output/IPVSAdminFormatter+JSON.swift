import LVSCore

// `--json` (our addition; schema documented in docs/json.md): one object per invocation with
// `"version": 1`, a `"kind"`, and the data in snake_case. Addresses are strings in inet_ntop form
// (never names: `-n` is implied), numbers are JSON integers (64-bit counters may exceed 2^53).
extension IPVSAdminFormatter {
    /// The schema version written as `"version"`.
    public static let jsonSchemaVersion: UInt64 = 1

    /// `-L --json`: kind `services`, every service (or only `options.service`) with its real
    /// servers, counters and rates, whatever layout option was given. Sorted unless `noSort`.
    /// - Returns: nil when `options.service` is not in the table (print `No such service`).
    public func jsonServices(_ table: TableSnapshot, options: ListOptions) -> String? {
        var services = orderedServices(table.services, sorted: !options.noSort)
        if let selected = options.service {
            services = services.filter { $0.config.id == selected }
            if services.isEmpty { return nil }
        }
        return document(
            kind: "services",
            [
                ("connection_table_size", .number(table.connectionTableSize)),
                ("services", .array(services.map { serviceJSON($0, sorted: !options.noSort) })),
            ])
    }

    /// `-L -c --json`: kind `connections`, entries in the order given.
    public func jsonConnections(_ entries: [ConnectionSnapshot]) -> String {
        document(kind: "connections", [("connections", .array(entries.map(connectionJSON)))])
    }

    /// `-L --timeout --json`: kind `timeouts`.
    public func jsonTimeouts(_ timeouts: TimeoutSettings) -> String {
        document(
            kind: "timeouts",
            [
                (
                    "timeouts",
                    .object([
                        ("tcp", .number(timeouts.tcpEstablished)), ("tcp_fin", .number(timeouts.tcpFinWait)),
                        ("udp", .number(timeouts.udp)),
                    ])
                )
            ])
    }

    /// `-L --daemon --json`: kind `daemons`, master first; an empty array when none runs.
    public func jsonDaemons(_ daemons: [SyncDaemonSnapshot]) -> String {
        let ordered = daemons.filter { $0.config.role == .master } + daemons.filter { $0.config.role == .backup }
        let items: [JSONValue] = ordered.map { daemon in
            let d = EffectiveSyncDaemon(daemon.config)
            return .object([
                ("role", .string(d.role)), ("multicast_interface", .string(d.interface)),
                ("sync_id", .number(d.syncID)), ("max_length", .number(d.maxLength)),
                ("group", .string(d.group.description)), ("port", .number(d.port)), ("ttl", .number(d.ttl)),
            ])
        }
        return document(kind: "daemons", [("daemons", .array(items))])
    }

    private func document(kind: String, _ members: [(String, JSONValue)]) -> String {
        JSONValue.object([("version", .unsigned(Self.jsonSchemaVersion)), ("kind", .string(kind))] + members)
            .rendered() + "\n"
    }

    func serviceJSON(_ service: VirtualServiceSnapshot, sorted: Bool) -> JSONValue {
        let config = service.config
        let id = config.id
        let family: JSONValue = .string(id.family == .inet ? "ipv4" : "ipv6")
        var members: [(String, JSONValue)]
        if id.isFirewallMark {
            members = [
                ("fwmark", .number(id.firewallMark)), ("family", family), ("protocol", .null), ("address", .null),
                ("port", .null),
            ]
        } else {
            members = [
                ("fwmark", .null), ("family", family), ("protocol", .string(protocolKey(id.protocolNumber))),
                ("address", .string(id.address.description)), ("port", .number(id.port)),
            ]
        }
        members += [
            ("scheduler", .string(config.scheduler)),
            (
                "scheduler_flags",
                .array(config.schedulerFlags.names(forScheduler: config.scheduler).map { .string($0) })
            ),
            ("persistent", .bool(config.isPersistent)),
            ("persistence_timeout", config.persistenceTimeout.map { .number($0) } ?? .null),
            ("netmask", .string(config.netmask.text)),
            ("persistence_engine", .optionalString(config.persistenceEngine)),
            ("one_packet_scheduling", .bool(config.onePacketScheduling)),
            ("stats", statsJSON(service.stats)),
            ("rates", ratesJSON(service.rates)),
            ("real_servers", .array(orderedRealServers(service, sorted: sorted).map(realServerJSON))),
        ]
        return .object(members)
    }

    func realServerJSON(_ server: RealServerSnapshot) -> JSONValue {
        let config = server.config
        let tunnel: JSONValue
        switch config.forwarding {
        case .tunnelling:
            tunnel = .object([
                ("type", .string(config.tunnelType.name)),
                ("port", config.tunnelType == .gue ? .number(config.tunnelPort) : .null),
                ("checksum", config.tunnelType == .ipip ? .null : .string(checksumKey(config.tunnelChecksum))),
            ])
        case .masquerading, .localNode, .directRouting, .bypass, .proxy:
            tunnel = .null
        }
        return .object([
            ("address", .string(config.address.description)), ("port", .number(config.port)),
            ("forwarding", .string(forwardingKey(config.forwarding))), ("weight", .signed(Int64(config.weight))),
            ("upper_threshold", .number(config.upperThreshold)), ("lower_threshold", .number(config.lowerThreshold)),
            ("tunnel", tunnel),
            ("proxy_protocol", config.proxyProtocol == .none ? .null : .string(config.proxyProtocol.name)),
            ("transparent_source", .bool(config.transparentSource)),
            ("active_connections", .number(server.activeConnections)),
            ("inactive_connections", .number(server.inactiveConnections)),
            ("persistent_connections", .number(server.persistentConnections)),
            ("overloaded", .bool(server.overloaded)),
            ("stats", statsJSON(server.stats)), ("rates", ratesJSON(server.rates)),
        ])
    }

    func connectionJSON(_ entry: ConnectionSnapshot) -> JSONValue {
        .object([
            ("protocol", .string(protocolKey(entry.protocolNumber))),
            ("client_address", .string(entry.clientAddress.description)), ("client_port", .number(entry.clientPort)),
            ("virtual_address", .string(entry.virtualAddress.description)),
            ("virtual_port", .number(entry.virtualPort)),
            ("destination_address", .string(entry.destinationAddress.description)),
            ("destination_port", .number(entry.destinationPort)),
            ("state", .string(entry.stateName)), ("expires_in_seconds", .number(entry.expiresInSeconds)),
            ("template", .bool(entry.isTemplate)),
            ("persistence_engine", .optionalString(entry.persistenceEngineName)),
            ("persistence_engine_data", .optionalString(entry.persistenceEngineData)),
        ])
    }

    private func statsJSON(_ s: StatsCounters) -> JSONValue {
        .object([
            ("connections", .number(s.connections)), ("in_packets", .number(s.inPackets)),
            ("out_packets", .number(s.outPackets)), ("in_bytes", .number(s.inBytes)),
            ("out_bytes", .number(s.outBytes)),
        ])
    }

    private func ratesJSON(_ r: RateValues) -> JSONValue {
        .object([
            ("connections_per_second", .number(r.connectionsPerSecond)),
            ("in_packets_per_second", .number(r.inPacketsPerSecond)),
            ("out_packets_per_second", .number(r.outPacketsPerSecond)),
            ("in_bytes_per_second", .number(r.inBytesPerSecond)),
            ("out_bytes_per_second", .number(r.outBytesPerSecond)),
        ])
    }

    private func protocolKey(_ proto: IPProtocolNumber) -> String {
        switch proto {
        case .ip: return "ip"
        case .tcp: return "tcp"
        case .udp: return "udp"
        case .sctp: return "sctp"
        }
    }

    private func forwardingKey(_ method: ForwardingMethod) -> String {
        switch method {
        case .masquerading: return "masquerading"
        case .localNode: return "local"
        case .tunnelling: return "tunnelling"
        case .directRouting: return "direct_routing"
        case .bypass: return "bypass"
        case .proxy: return "proxy"
        }
    }

    private func checksumKey(_ checksum: TunnelChecksum) -> String {
        switch checksum {
        case .none: return "none"
        case .checksum: return "checksum"
        case .remoteChecksum: return "remote_checksum"
        }
    }
}
