import LVSCore

// Service and real-server lines of `-L` (reference §2.1–§2.3).
extension IPVSAdminFormatter {
    /// ipvsadm builds `addr:port` text in a 60-byte buffer (`addrport_to_anyname`), so at most
    /// 59 bytes survive; only a very long host name can reach that.
    static let endpointByteLimit = 59

    /// `addr:port`, `[addr]:port`, or with names `host:service` (reference §2.1). Port 0 and
    /// protocols without a service database name (`IP`) stay numeric; unresolvable names too.
    func endpoint(
        _ address: IPAddress, port: UInt16, protocolNumber: IPProtocolNumber?, numeric: Bool
    ) -> String {
        var host = address.description
        var service = String(port)
        if !numeric {
            if let name = resolver.hostName(for: address) { host = name }
            if port != 0, let proto = protocolNumber, proto != .ip,
                let name = resolver.serviceName(forPort: port, protocolName: proto.serviceLookupName)
            {
                service = name
            }
        }
        let text = address.family == .inet6 ? "[\(host)]:\(service)" : "\(host):\(service)"
        return PrintfColumns.truncated(text, to: Self.endpointByteLimit)
    }

    /// `<svcname>`: `TCP  addr:port` (protocol in 4 columns, a space), `FWM  <mark>` or
    /// `FWM  <mark> IPv6`. IPv4 names are cut to 33 bytes as ipvsadm does (reference §2.1).
    func serviceName(_ id: VirtualServiceID, numeric: Bool) -> String {
        if id.isFirewallMark {
            return "FWM  \(id.firewallMark)" + (id.family == .inet6 ? " IPv6" : "")
        }
        let name =
            PrintfColumns.left(protocolLabel(id.protocolNumber), 4) + " "
            + endpoint(id.address, port: id.port, protocolNumber: id.protocolNumber, numeric: numeric)
        return id.family == .inet6 ? name : PrintfColumns.truncated(name, to: 33)
    }

    /// Protocol column of a service line; ipvsadm prints `?` for anything but TCP, UDP, SCTP.
    private func protocolLabel(_ proto: IPProtocolNumber) -> String {
        switch proto {
        case .tcp, .udp, .sctp: return proto.displayName
        case .ip: return "?"
        }
    }

    /// The scheduler and flags after the service name in the default, thresholds,
    /// persistent-conn and tun-info layouts (reference §2.1 item 3).
    func schedulerAndFlags(_ config: VirtualServiceConfig) -> String {
        var out = " " + config.scheduler
        let flagNames = config.schedulerFlags.names(forScheduler: config.scheduler)
        if !flagNames.isEmpty { out += " (" + flagNames.joined(separator: ",") + ")" }
        if let timeout = config.persistenceTimeout {
            out += " persistent \(timeout)"
            if !config.netmask.isDefault { out += " mask " + config.netmask.text }
            if let engine = config.persistenceEngine, !engine.isEmpty { out += " pe " + engine }
        }
        if config.onePacketScheduling { out += " ops" }
        return out
    }

    func appendService(
        _ service: VirtualServiceSnapshot, format: ListingFormat, options: ListOptions, to out: inout String
    ) {
        let id = service.config.id
        let name = serviceName(id, numeric: options.numeric)
        switch format {
        case .stats:
            out += PrintfColumns.left(name, 33) + statsColumns(service.stats, exact: options.exact) + "\n"
        case .rate:
            let r = service.rates
            let values = [
                r.connectionsPerSecond, r.inPacketsPerSecond, r.outPacketsPerSecond, r.inBytesPerSecond,
                r.outBytesPerSecond,
            ]
            out +=
                PrintfColumns.left(name, 33)
                + values.map { PrintfColumns.largeNumber($0, exact: options.exact) }.joined() + "\n"
        case .thresholds, .persistentConnections, .tunnelInfo, .standard:
            out += name + schedulerAndFlags(service.config) + "\n"
        }
        for server in orderedRealServers(service, sorted: !options.noSort) {
            out += realServerLine(server, in: id, format: format, options: options)
        }
    }

    private func statsColumns(_ s: StatsCounters, exact: Bool) -> String {
        [s.connections, s.inPackets, s.outPackets, s.inBytes, s.outBytes]
            .map { PrintfColumns.largeNumber($0, exact: exact) }.joined()
    }

    /// One `  -> …` line. The address is cut to 28 bytes unless the service is IPv6 (ipvsadm
    /// tests the service's family, not the real server's).
    func realServerLine(
        _ server: RealServerSnapshot, in id: VirtualServiceID, format: ListingFormat, options: ListOptions
    ) -> String {
        typealias C = PrintfColumns
        let config = server.config
        var address = endpoint(
            config.address, port: config.port, protocolNumber: id.protocolNumber, numeric: options.numeric)
        if id.family != .inet6 { address = C.truncated(address, to: 28) }
        let head = "  -> " + C.left(address, 28)
        let active = server.activeConnections
        let inactive = server.inactiveConnections
        switch format {
        case .stats:
            return head + statsColumns(server.stats, exact: options.exact) + "\n"
        case .rate:
            let r = server.rates
            return head + " " + C.right(r.connectionsPerSecond, 8) + " " + C.right(r.inPacketsPerSecond, 8) + " "
                + C.right(r.outPacketsPerSecond, 8) + C.largeNumber(r.inBytesPerSecond, exact: options.exact)
                + C.largeNumber(r.outBytesPerSecond, exact: options.exact) + "\n"
        case .thresholds:
            return head + " " + C.left(config.upperThreshold, 10) + " " + C.left(config.lowerThreshold, 10) + " "
                + C.left(active, 10) + " " + C.left(inactive, 10) + "\n"
        case .persistentConnections:
            return head + " " + C.left(config.weight, 9) + " " + C.left(server.persistentConnections, 11) + " "
                + C.left(active, 10) + " " + C.left(inactive, 10) + "\n"
        case .tunnelInfo:
            return head + " " + C.left(config.forwarding.displayName, 7) + " " + C.left(tunnelInfo(config), 13)
                + " " + C.left(config.weight, 6) + " " + C.left(active, 10) + " " + C.left(inactive, 10) + "\n"
        case .standard:
            return head + " " + C.left(config.forwarding.displayName, 7) + " " + C.left(config.weight, 6) + " "
                + C.left(active, 10) + " " + C.left(inactive, 10) + "\n"
        }
    }

    /// The TunnelInfo column: `ipip`, `gue:<port>:<csum>`, `gre:<csum>`, or `n/a` for a real
    /// server that is not tunnelled (reference §2.3).
    func tunnelInfo(_ config: RealServerConfig) -> String {
        switch config.forwarding {
        case .tunnelling:
            switch config.tunnelType {
            case .ipip: return "ipip"
            case .gue: return "gue:\(config.tunnelPort):\(config.tunnelChecksum.shortText)"
            case .gre: return "gre:\(config.tunnelChecksum.shortText)"
            }
        case .masquerading, .localNode, .directRouting, .bypass, .proxy:
            return "n/a"
        }
    }
}
