import LVSCore

/// One virtual service as the director should hold it, with its real servers in file order.
struct ResolvedService: Sendable, Hashable {
    var config: VirtualServiceConfig
    var realServers: [RealServerConfig]
    var location: ConfigurationLocation
}

// Applies keepalived's defaults and rules to turn virtual_server blocks into services
// (reference §8.2-§8.4, §12.3, §12.19). Every real server starts alive: the state the
// health-checking work then drives (it adds, removes or inhibits real servers and the sorry server).
extension KeepalivedConfiguration {
    func resolve() -> (services: [ResolvedService], diagnostics: [ConfigurationDiagnostic]) {
        var log = DiagnosticLog()
        var services: [ResolvedService] = []
        var seen: [VirtualServiceID: ConfigurationLocation] = [:]
        for vs in virtualServers {
            for service in resolve(vs, log: &log) {
                if let first = seen[service.config.id] {
                    log.error(
                        vs.location,
                        "virtual service \(service.config.id) is defined twice (first at \(first)); remove one of them")
                    continue
                }
                seen[service.config.id] = vs.location
                services.append(service)
            }
        }
        return (services, log.entries)
    }

    /// The identities a virtual_server stands for: one, or one per group address and mark.
    private func identities(_ vs: VirtualServer, log: inout DiagnosticLog) -> [VirtualServiceID] {
        let fallbackFamily = vs.ipFamily ?? vs.realServers.first?.address.family ?? .inet
        func addressProtocol() -> IPProtocolNumber {
            if let proto = vs.protocolNumber { return proto }
            log.warning(
                vs.location,
                "virtual_server \(vs.address) has no protocol; keepalived's default UDP is used (add protocol TCP, UDP or SCTP)"
            )
            return .udp
        }
        switch vs.address {
        case .endpoint(let address, let port):
            return [VirtualServiceID(protocol: addressProtocol(), address: address, port: port)]
        case .firewallMark(let mark):
            return [VirtualServiceID(firewallMark: mark, family: fallbackFamily)]
        case .group(let name):
            guard let group = group(named: name) else {
                log.error(
                    vs.location,
                    "virtual_server_group \"\(name)\" is not defined; define virtual_server_group \(name) { … } or fix the name"
                )
                return []
            }
            var ids: [VirtualServiceID] = []
            var proto: IPProtocolNumber?
            for entry in group.entries {
                switch entry {
                case .addressRange(let first, let last, let port):
                    let p = proto ?? addressProtocol()
                    proto = p
                    var address = first
                    while true {
                        ids.append(VirtualServiceID(protocol: p, address: address, port: port))
                        if address == last { break }
                        address = Self.successor(of: address)
                    }
                case .firewallMark(let mark, let family):
                    ids.append(VirtualServiceID(firewallMark: mark, family: family ?? fallbackFamily))
                }
            }
            return ids
        }
    }

    static func successor(of address: IPAddress) -> IPAddress {
        switch address.family {
        case .inet: return IPAddress(ipv4: address.ipv4Value &+ 1)
        case .inet6:
            let low = address.low &+ 1
            return IPAddress(ipv6High: low == 0 ? address.high &+ 1 : address.high, low: low)
        }
    }

    private func resolve(_ vs: VirtualServer, log: inout DiagnosticLog) -> [ResolvedService] {
        let ids = identities(vs, log: &log)
        if vs.scheduler == nil {
            log.warning(vs.location, "virtual_server \(vs.address) has no lb_algo; keepalived's default wlc is used")
        }
        if vs.forwarding == nil {
            log.warning(
                vs.location,
                "virtual_server \(vs.address) has no lb_kind; keepalived's default NAT is used (ipvsadm's is DR)")
        }
        if let quorum = vs.quorum, let hysteresis = vs.hysteresis, hysteresis >= quorum {
            log.warning(vs.location, "hysteresis \(hysteresis) must be below quorum \(quorum); \(quorum - 1) is used")
        }
        if vs.persistenceGranularity != nil && vs.persistenceTimeout == nil {
            log.warning(vs.location, "persistence_granularity has no effect without persistence_timeout")
        }
        let method = vs.forwarding ?? .keepalivedDefault
        if method.method != .proxy && (vs.proxyProtocol != nil || vs.transparentSource) {
            log.error(
                vs.location,
                "proxy_protocol and transparent_source need lb_kind PROXY, not \(Self.kindName(method)); change lb_kind or remove them"
            )
        }
        return ids.map { id in
            ResolvedService(
                config: serviceConfig(vs, id: id, log: &log),
                realServers: realServers(vs, id: id, method: method, log: &log),
                location: vs.location)
        }
    }

    private func serviceConfig(_ vs: VirtualServer, id: VirtualServiceID, log: inout DiagnosticLog)
        -> VirtualServiceConfig
    {
        var persistence = vs.persistenceTimeout
        if id.port == 0 && !id.isFirewallMark && persistence == nil {
            log.warning(
                vs.location,
                "virtual service \(id) serves every port but is not persistent; keepalived makes it persistent for 360 s (add persistence_timeout)"
            )
            persistence = VirtualServiceConfig.defaultPersistenceTimeout
        }
        var onePacket = vs.onePacketScheduling
        if onePacket && !id.isFirewallMark && id.protocolNumber != .udp {
            log.warning(vs.location, "ops only applies to UDP and fwmark services; it is ignored for \(id)")
            onePacket = false
        }
        var netmask: PersistenceNetmask?
        if let granularity = vs.persistenceGranularity {
            switch (granularity, id.family) {
            case (.ipv4, .inet), (.ipv6, .inet6): netmask = granularity
            case (.ipv4, .inet6):
                log.error(
                    vs.location, "persistence_granularity of IPv6 service \(id) must be a prefix length such as 64")
            case (.ipv6, .inet):
                log.error(
                    vs.location, "persistence_granularity of IPv4 service \(id) must be a netmask such as 255.255.255.0"
                )
            }
        }
        return VirtualServiceConfig(
            id: id, scheduler: vs.scheduler ?? VirtualServiceConfig.defaultScheduler, schedulerFlags: vs.schedulerFlags,
            persistenceTimeout: persistence, netmask: netmask, onePacketScheduling: onePacket,
            persistenceEngine: vs.persistenceEngine)
    }

    private func realServers(
        _ vs: VirtualServer, id: VirtualServiceID, method: ForwardingSpecification, log: inout DiagnosticLog
    ) -> [RealServerConfig] {
        var result: [RealServerConfig] = []
        for rs in vs.realServers {
            let spec = rs.forwarding ?? method
            if rs.address.family != id.family && spec.method != .tunnelling {
                log.error(
                    rs.location,
                    "real_server \(rs.address) is not of the family of \(id); use addresses of one family (only TUN may mix)"
                )
                continue
            }
            var port = rs.port ?? id.port
            switch spec.method {
            case .directRouting, .tunnelling, .localNode, .bypass:
                // DR and TUN cannot change the port; ipvsadm forces the service's (reference §1.5).
                if !id.isFirewallMark && port != id.port {
                    log.warning(
                        rs.location,
                        "real_server \(rs.address) \(port): \(Self.kindName(spec)) cannot change the port, so \(id.port) is used; use NAT or PROXY to map ports"
                    )
                    port = id.port
                }
            case .masquerading, .proxy:
                break
            }
            let proxyProtocol = rs.proxyProtocol ?? vs.proxyProtocol ?? ProxyProtocolVersion.none
            let transparent = rs.transparentSource ?? vs.transparentSource
            if spec.method != .proxy && (rs.proxyProtocol != nil || rs.transparentSource != nil) {
                log.error(
                    rs.location,
                    "proxy_protocol and transparent_source need lb_kind PROXY, not \(Self.kindName(spec)); change lb_kind or remove them"
                )
                continue
            }
            let config = RealServerConfig(
                address: rs.address, port: port, forwarding: spec.method, weight: rs.weight ?? vs.weight ?? 1,
                upperThreshold: rs.upperThreshold ?? 0, lowerThreshold: rs.lowerThreshold ?? 0,
                tunnelType: spec.tunnelType, tunnelPort: spec.tunnelPort, tunnelChecksum: spec.tunnelChecksum,
                proxyProtocol: spec.method == .proxy ? proxyProtocol : .none,
                transparentSource: spec.method == .proxy && transparent)
            if result.contains(where: { $0.key == config.key }) {
                log.warning(
                    rs.location,
                    "real_server \(config.key) is listed twice in this virtual server; the second is ignored")
                continue
            }
            result.append(config)
        }
        let proxies = result.filter { $0.forwarding == .proxy }.count
        if proxies > 0 && proxies < result.count {
            log.error(
                vs.location,
                "virtual_server \(vs.address) mixes lb_kind PROXY real servers with NAT, DR or TUN ones; one engine serves a service, so use one kind"
            )
        }
        return result
    }

    static func kindName(_ spec: ForwardingSpecification) -> String {
        switch spec.method {
        case .masquerading: return "NAT"
        case .directRouting, .localNode, .bypass: return "DR"
        case .tunnelling: return "TUN"
        case .proxy: return "PROXY"
        }
    }
}
