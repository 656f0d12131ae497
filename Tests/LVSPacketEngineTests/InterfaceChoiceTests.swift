import LVSCore
import Testing

@testable import LVSPacketEngine

/// Which interfaces `lvsd --config` gives the packet engine when none is named.
@Suite struct InterfaceChoiceTests {
    static func v4(_ text: String) -> IPAddress { IPAddress.parseIPv4(text) ?? .ipv4Any }

    static let interfaces: [(name: String, addresses: [Prefix])] = [
        ("lo", [Prefix(address: v4("127.0.0.1"), length: 8)]),
        ("eth0", [Prefix(address: v4("203.0.113.2"), length: 24)]),
        ("eth1", [Prefix(address: v4("172.16.0.1"), length: 24)]),
        ("eth2", []),
    ]

    /// /proc/net/route: a default route via 203.0.113.1 on eth0 and 10.8.0.0/16 via 172.16.0.9 on eth1.
    static let routes = """
        Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
        eth0\t00000000\t017100CB\t0003\t0\t0\t0\t00000000\t0\t0\t0
        eth1\t0000080A\t090010AC\t0003\t0\t0\t0\t0000FFFF\t0\t0\t0

        """

    @Test func realServersByRouteAndVirtualAddressesByTheirSubnetOrTheDefaultRoute() {
        let choice = InterfaceChoice.choose(
            virtualAddresses: [Self.v4("203.0.113.10"), Self.v4("198.51.100.7")],
            realServers: [Self.v4("172.16.0.20"), Self.v4("10.8.3.4")], named: [],
            interfaces: Self.interfaces, ipv4Routes: Self.routes, ipv6Routes: "")
        #expect(choice.names == ["eth1", "eth0"])
        #expect(
            choice.interfaces[1].reasons == [
                "route to virtual address 203.0.113.10", "route to virtual address 198.51.100.7",
            ])
        #expect(choice.interfaces[0].reasons == ["route to real server 172.16.0.20", "route to real server 10.8.3.4"])
        #expect(choice.unreachable.isEmpty)
    }

    @Test func aVirtualAddressHeldLocallyAndNamedInterfacesComeFirst() {
        let interfaces = Self.interfaces.map { entry in
            entry.name == "eth2" ? (entry.name, [Prefix(address: Self.v4("192.0.2.80"), length: 32)]) : entry
        }
        let choice = InterfaceChoice.choose(
            virtualAddresses: [Self.v4("192.0.2.80")], realServers: [Self.v4("172.16.0.20")], named: ["eth1"],
            interfaces: interfaces, ipv4Routes: "", ipv6Routes: "")
        #expect(choice.names == ["eth1", "eth2"])
        #expect(choice.interfaces[1].reasons == ["holds virtual address 192.0.2.80"])
    }

    @Test func unreachableAddressesAreReportedAndLoopbackIsNeverChosen() {
        let choice = InterfaceChoice.choose(
            virtualAddresses: [], realServers: [Self.v4("192.168.77.1")], named: [],
            interfaces: Self.interfaces, ipv4Routes: "", ipv6Routes: "")
        #expect(!choice.names.contains("lo"))
        #expect(choice.unreachable == [Self.v4("192.168.77.1")])
    }

    @Test func aVirtualAddressNoRouteExplainsIsWatchedOnEveryInterfaceOfItsFamily() {
        let choice = InterfaceChoice.choose(
            virtualAddresses: [Self.v4("198.51.100.7")], realServers: [], named: [], interfaces: Self.interfaces,
            ipv4Routes: "", ipv6Routes: "")
        #expect(choice.names == ["eth0", "eth1"])
        #expect(choice.unreachable.isEmpty)
        #expect(
            choice.interfaces[0].reasons == ["an address of the family of 198.51.100.7, whose clients no route names"])
        let none = InterfaceChoice.choose(
            virtualAddresses: [IPAddress.parseIPv6("2001:db8::7") ?? .ipv6Any], realServers: [], named: [],
            interfaces: Self.interfaces, ipv4Routes: "", ipv6Routes: "")
        #expect(none.names.isEmpty)
        #expect(none.unreachable.count == 1)
    }

    @Test func firewallMarkClientsComeThroughTheDefaultRouteOrEveryInterfaceOfTheFamily() {
        let routed = InterfaceChoice.choose(
            virtualAddresses: [], realServers: [Self.v4("172.16.0.20")], named: [], markedFamilies: [.inet],
            interfaces: Self.interfaces, ipv4Routes: Self.routes, ipv6Routes: "")
        #expect(routed.names == ["eth1", "eth0"])
        #expect(routed.interfaces[1].reasons == ["default route, towards the clients of IPv4 firewall-mark services"])
        let unrouted = InterfaceChoice.choose(
            virtualAddresses: [], realServers: [], named: [], markedFamilies: [.inet], interfaces: Self.interfaces,
            ipv4Routes: "", ipv6Routes: "")
        #expect(unrouted.names == ["eth0", "eth1"])
        #expect(unrouted.interfaces[0].reasons == ["an IPv4 address, for the clients of IPv4 firewall-mark services"])
    }
}
