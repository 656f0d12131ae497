import LVSCore

/// The keys the XDP program's two hash maps hold for a forwarding plan: the same flows the
/// classic filter admits (`BPFProgram`) and the nftables table keeps from the stack
/// (`NFTablesRuleset`), as map keys (docs/design/0026-af-xdp.md). Pure: written to the maps by
/// `XDPMaps.apply(_:)` after every plan change.
///
/// Left out, so passed to the kernel: firewall-mark services (their packets reach the engine
/// through the marked-packet log) and ICMP errors quoting a tunnelled packet (they are about
/// the director's own encapsulation, reference §5.6, and come from the path, not a real
/// server in the plan).
public struct XDPFlowSet: Sendable, Hashable {
    /// Keys matched against a frame's destination.
    public var services: Set<XDPFlowKey>
    /// Keys matched against a frame's source.
    public var realServers: Set<XDPFlowKey>

    public init(_ plan: ForwardingPlan) {
        var services = Set<XDPFlowKey>()
        var realServers = Set<XDPFlowKey>()
        for service in plan.services {
            services.insert(
                XDPFlowKey(
                    address: service.address, port: service.port, protocolNumber: service.protocolNumber.rawValue))
            services.insert(XDPFlowKey(address: service.address, port: 0, protocolNumber: Self.icmp(service.address)))
        }
        for server in plan.natSources {
            realServers.insert(
                XDPFlowKey(address: server.address, port: server.port, protocolNumber: server.protocolNumber.rawValue))
            realServers.insert(XDPFlowKey(address: server.address, port: 0, protocolNumber: Self.icmp(server.address)))
        }
        // FTP data connections (docs/design/0016-ftp-helper.md): the active port and every port ≥ 1024.
        for ports in plan.ftpDataPorts {
            let keys = [
                XDPFlowKey(
                    address: ports.address, port: ports.activePort, protocolNumber: IPProtocolNumber.tcp.rawValue),
                XDPFlowKey(
                    address: ports.address, port: 0, protocolNumber: IPProtocolNumber.tcp.rawValue,
                    kind: .everyHighPort),
            ]
            if ports.isSource { realServers.formUnion(keys) } else { services.formUnion(keys) }
        }
        self.services = services
        self.realServers = realServers
    }

    static func icmp(_ address: IPAddress) -> UInt8 { address.family == .inet ? 1 : 58 }

    /// Whether a frame with these fields would be redirected by the program (the program's
    /// lookup order, for tests and for the worker's ownership check).
    public func owns(
        source: IPAddress, sourcePort: UInt16, destination: IPAddress, destinationPort: UInt16, protocolNumber: UInt8
    ) -> Bool {
        func matches(_ set: Set<XDPFlowKey>, _ address: IPAddress, _ port: UInt16) -> Bool {
            set.contains(XDPFlowKey(address: address, port: port, protocolNumber: protocolNumber))
                || set.contains(XDPFlowKey(address: address, port: 0, protocolNumber: protocolNumber))
                || (port >= FTPPortsFloor.value
                    && set.contains(
                        XDPFlowKey(address: address, port: 0, protocolNumber: protocolNumber, kind: .everyHighPort)))
        }
        return matches(services, destination, destinationPort) || matches(realServers, source, sourcePort)
    }

    enum FTPPortsFloor { static let value = ForwardingPlan.FTPDataPorts.lowest }
}
