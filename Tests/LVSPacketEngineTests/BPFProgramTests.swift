import LVSCore
import LVSPacket
import Testing

@testable import LVSPacketEngine

@Suite("BPF filter and nftables table")
struct BPFProgramTests {
    static let plan = ForwardingPlan(
        services: [.init(protocolNumber: .tcp, address: IPAddress(ipv4: 0xCFAF_2C6E), port: 8080)],
        natSources: [.init(protocolNumber: .tcp, address: IPAddress(ipv4: 0xAC10_0002), port: 8080)],
        realServers: [IPAddress(ipv4: 0xAC10_0002)])

    static func tcp(_ source: String, _ sport: UInt16, _ destination: String, _ dport: UInt16) -> [UInt8] {
        PacketBuilder.ethernet().ipv4(source: source, destination: destination)
            .tcp(sourcePort: sport, destinationPort: dport).build()
    }

    @Test("admits the VIP:port, NAT replies and ARP; rejects everything else")
    func admits() {
        let program = BPFProgram(Self.plan)
        #expect(program.run(Self.tcp("10.0.0.2", 4000, "207.175.44.110", 8080)) != 0)
        #expect(program.run(Self.tcp("10.0.0.2", 4000, "207.175.44.110", 8081)) == 0)
        #expect(program.run(Self.tcp("172.16.0.2", 8080, "10.0.0.2", 4000)) != 0)
        #expect(program.run(Self.tcp("172.16.0.2", 22, "10.0.0.2", 4000)) == 0)
        #expect(program.run(Self.tcp("10.0.0.9", 4000, "10.0.0.1", 8080)) == 0)
        let arp = PacketBuilder.ethernet().build()
        #expect(program.run(arp.prefix(12) + [0x08, 0x06] + [UInt8](repeating: 0, count: 28)) != 0)
        #expect(program.run([]) == 0)
        #expect(program.instructions.count < 256)
    }

    @Test("admits ICMP errors quoting the director's IP-in-IP packets, not other ICMP to it")
    func tunnelErrors() {
        let program = BPFProgram(Self.plan)
        let inner = PacketBuilder.ip.ipv4(source: "10.0.0.2", destination: "207.175.44.110")
            .tcp(sourcePort: 4000, destinationPort: 8080).build()
        let outer = PacketBuilder.ip.ipv4(source: "172.16.0.1", destination: "172.16.0.3").rawProtocol(4)
            .payload(inner).build()
        let error = PacketBuilder.ethernet().ipv4(source: "172.16.0.3", destination: "172.16.0.1")
            .icmp(type: 3, code: 4, restOfHeader: 1400).payload(outer).build()
        #expect(program.run(error) != 0)
        let other = PacketBuilder.ethernet().ipv4(source: "172.16.0.3", destination: "172.16.0.1")
            .icmp(type: 3, code: 3).payload(Self.tcp("172.16.0.1", 22, "172.16.0.3", 4000).dropFirst(14).map { $0 })
            .build()
        #expect(program.run(other) == 0)
        let outer6 = PacketBuilder.ip.ipv6(source: "2001:db8:2::1", destination: "2001:db8:2::3").rawProtocol(41)
            .payload([0x60] + [UInt8](repeating: 0, count: 39)).build()
        let error6 = PacketBuilder.ethernet().ipv6(source: "2001:db8:2::3", destination: "2001:db8:2::1")
            .icmp(type: 2, restOfHeader: 1400).payload(outer6).build()
        #expect(program.run(error6) != 0)
        #expect(program.instructions.count < 256)
    }

    @Test("the nftables script replaces the tables (netdev, and inet for local replies) in one transaction")
    func script() {
        let ruleset = NFTablesRuleset(table: "lvsd", interfaces: [("veth10", 2)], plan: Self.plan)
        #expect(
            ruleset.script == """
                table netdev lvsd {}
                delete table netdev lvsd
                table netdev lvsd {
                  chain ingress_2 {
                    type filter hook ingress device "veth10" priority -500; policy accept;
                    ip daddr 207.175.44.110 tcp dport 8080 drop
                    ip saddr 172.16.0.2 tcp sport 8080 fib daddr type != local drop
                    ip saddr 172.16.0.2 icmp type { destination-unreachable, source-quench, time-exceeded } fib daddr type != local drop
                  }
                }
                table inet lvsd {}
                delete table inet lvsd

                """)
    }

    @Test("routes from /proc/net/route: longest prefix, gateway as next hop")
    func routes() {
        let interfaces = [
            NetworkInterface(
                name: "eth0", index: 2, mac: .zero, mtu: 1500,
                addresses: [Prefix(address: IPAddress(ipv4: 0x0A00_0001), length: 24)])
        ]
        let text = """
            Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
            eth0\t00000000\tFE00000A\t0003\t0\t0\t0\t00000000\t0\t0\t0
            """
        let table = RouteTable.build(interfaces: interfaces, ipv4Routes: text, ipv6Routes: "")
        #expect(table.lookup(IPAddress(ipv4: 0x0A00_0005))?.nextHop == IPAddress(ipv4: 0x0A00_0005))
        #expect(table.lookup(IPAddress(ipv4: 0x0808_0808))?.nextHop == IPAddress(ipv4: 0x0A00_00FE))
    }
}
