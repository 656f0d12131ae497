import LVSCore

// `-S [-n]` (reference §2.6): the rules that recreate the table, one command per line.
extension IPVSAdminFormatter {
    /// The configuration as `-A`/`-a` lines, always sorted (reference §2.7), without header.
    ///
    /// Deliberate difference from ipvsadm 1.31: a real server whose upper or lower threshold is
    /// non-zero gets ` -x <upper> -y <lower>` appended. ipvsadm does not save thresholds, so its
    /// save/restore loses them; ours must reproduce the configuration exactly through
    /// `lvsadm -S -n | lvsadm -R`. ipvsadm's own `-a` accepts `-x`/`-y`, so the output still
    /// restores with the real ipvsadm.
    public func save(_ table: TableSnapshot, numeric: Bool) -> String {
        var out = ""
        for service in orderedServices(table.services, sorted: true) {
            let config = service.config
            let selector = saveSelector(config.id, numeric: numeric)
            out += "-A \(selector) -s \(config.scheduler)"
            if let timeout = config.persistenceTimeout {
                out += " -p \(timeout)"
                if !config.netmask.isDefault { out += " -M " + config.netmask.text }
            }
            if let engine = config.persistenceEngine, !engine.isEmpty { out += " --pe " + engine }
            if config.onePacketScheduling { out += " -o" }
            let flagNames = config.schedulerFlags.names(forScheduler: config.scheduler)
            if !flagNames.isEmpty { out += " -b " + flagNames.joined(separator: ",") }
            out += "\n"
            for server in orderedRealServers(service, sorted: true) {
                out += saveRealServer(server.config, selector: selector, service: config.id, numeric: numeric)
            }
        }
        return out
    }

    /// `-t addr:port`, `-u addr:port`, `--sctp-service addr:port`, `-f <mark>` or `-f <mark> -6`.
    func saveSelector(_ id: VirtualServiceID, numeric: Bool) -> String {
        if id.isFirewallMark {
            return "-f \(id.firewallMark)" + (id.family == .inet6 ? " -6" : "")
        }
        let address = endpoint(id.address, port: id.port, protocolNumber: id.protocolNumber, numeric: numeric)
        switch id.protocolNumber {
        case .tcp: return "-t " + address
        case .udp: return "-u " + address
        case .sctp: return "--sctp-service " + address
        // Protocol 0 never names a service; print it as TCP, the protocol fwmark services carry.
        case .ip: return "-t " + address
        }
    }

    private func saveRealServer(
        _ config: RealServerConfig, selector: String, service: VirtualServiceID, numeric: Bool
    ) -> String {
        let address = endpoint(
            config.address, port: config.port, protocolNumber: service.protocolNumber, numeric: numeric)
        var line = "-a \(selector) -r \(address) \(config.forwarding.saveOption) -w \(config.weight)"
        switch config.forwarding {
        case .tunnelling:
            line += " --tun-type " + config.tunnelType.name
            switch config.tunnelType {
            case .ipip: break
            case .gue: line += " --tun-port \(config.tunnelPort) " + config.tunnelChecksum.option
            case .gre: line += " " + config.tunnelChecksum.option
            }
        case .proxy:
            if config.proxyProtocol != .none { line += " --proxy-protocol " + config.proxyProtocol.name }
            if config.transparentSource { line += " --transparent" }
        case .masquerading, .localNode, .directRouting, .bypass:
            break
        }
        if config.upperThreshold != 0 || config.lowerThreshold != 0 {
            line += " -x \(config.upperThreshold) -y \(config.lowerThreshold)"
        }
        return line + "\n"
    }
}
