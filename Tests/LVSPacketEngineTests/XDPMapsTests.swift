import LVSCore
import Testing

@testable import LVSPacketEngine

/// The map protocol between the forwarding plan and the XDP program, on in-memory maps.
@Suite("XDP maps from the forwarding plan")
struct XDPMapsTests {
    static let vip = IPAddress(ipv4: 0x0A00_0001)  // 10.0.0.1
    static let server = IPAddress(ipv4: 0x0A00_0102)  // 10.0.1.2
    static let vip6 = IPAddress(ipv6High: 0x2001_0DB8_0000_0000, low: 1)

    static let plan = ForwardingPlan(
        services: [
            .init(protocolNumber: .tcp, address: vip, port: 80), .init(protocolNumber: .udp, address: vip6, port: 0),
        ],
        natSources: [.init(protocolNumber: .tcp, address: server, port: 8080)],
        ftpDataPorts: [.init(address: vip, activePort: 20, isSource: false)])

    func memoryMaps() -> XDPMaps {
        XDPMaps(
            services: InMemoryBPFMap(keySize: XDPFlowKey.size, valueSize: 4, maxEntries: 64),
            realServers: InMemoryBPFMap(keySize: XDPFlowKey.size, valueSize: 4, maxEntries: 64), sockets: nil,
            counters: nil)
    }

    @Test("key layout: address, port in network order, protocol, family, kind, zero padding")
    func keyLayout() {
        #expect(
            XDPFlowKey(address: Self.vip, port: 80, protocolNumber: 6).bytes == [
                10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 80, 6, 4, 0, 0, 0, 0,
            ])
        let key = XDPFlowKey(address: Self.vip6, port: 0, protocolNumber: 6, kind: .everyHighPort).bytes
        #expect(key.count == 24)
        #expect(Array(key[0..<4]) == [0x20, 0x01, 0x0D, 0xB8])
        #expect(key[15] == 1)
        #expect(Array(key[16...]) == [0, 0, 6, 6, 1, 0, 0, 0])
    }

    @Test("the plan's services, ICMP, masquerading sources and FTP data ports become keys")
    func flowSet() {
        let flows = XDPFlowSet(Self.plan)
        #expect(flows.services.count == 6)  // 2 services + 2 ICMP + FTP active port + FTP high ports
        #expect(flows.realServers.count == 2)
        #expect(
            flows.owns(
                source: Self.server, sourcePort: 1, destination: Self.vip, destinationPort: 80, protocolNumber: 6))
        #expect(
            !flows.owns(
                source: Self.server, sourcePort: 1, destination: Self.vip, destinationPort: 81, protocolNumber: 6))
        #expect(
            flows.owns(source: Self.vip, sourcePort: 1, destination: Self.vip, destinationPort: 2000, protocolNumber: 6)
        )
        #expect(
            flows.owns(source: Self.vip, sourcePort: 1, destination: Self.vip6, destinationPort: 9, protocolNumber: 17))
        #expect(
            flows.owns(
                source: Self.server, sourcePort: 8080, destination: Self.vip, destinationPort: 5, protocolNumber: 6))
        #expect(
            flows.owns(source: Self.server, sourcePort: 0, destination: Self.vip, destinationPort: 0, protocolNumber: 1)
        )
        #expect(
            !flows.owns(
                source: Self.server, sourcePort: 8081, destination: Self.vip, destinationPort: 5, protocolNumber: 6))
    }

    @Test("applying plans writes the maps and removes what a later plan no longer owns")
    func applyPlans() throws {
        let maps = memoryMaps()
        try maps.apply(Self.plan)
        #expect(try maps.services.keys().count == 6)
        #expect(try maps.realServers.keys().count == 2)
        let http = XDPFlowKey(address: Self.vip, port: 80, protocolNumber: 6).bytes
        #expect(try maps.services.lookup(key: http) == XDPFlowKey.value)

        var smaller = Self.plan
        smaller.services.removeFirst()
        smaller.natSources = []
        try maps.apply(smaller)
        #expect(try maps.services.lookup(key: http) == nil)
        #expect(try maps.services.keys().count == 4)  // its port and ICMP keys gone
        #expect(try maps.realServers.keys().isEmpty)

        try maps.apply(ForwardingPlan())
        #expect(try maps.services.keys().isEmpty)
    }

    @Test("a full map is an error, not a silent loss; sizes are checked")
    func limits() throws {
        let map = InMemoryBPFMap(keySize: 24, valueSize: 4, maxEntries: 1)
        let maps = XDPMaps(services: map, realServers: map, sockets: nil, counters: nil)
        #expect(throws: PacketEngineError.self) { try maps.apply(Self.plan) }
        #expect(throws: PacketEngineError.self) { try map.update(key: [1], value: [1, 0, 0, 0]) }
    }
}
