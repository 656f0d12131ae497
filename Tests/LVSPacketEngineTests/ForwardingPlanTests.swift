import LVSCore
import LVSPacket
import Testing

@testable import LVSPacketEngine

/// The plan with local real servers and standby addresses (docs/design/0011-local-node.md), and
/// what the filter, the nftables table and the forwarder make of it.
@Suite("forwarding plan: local real servers and standby addresses")
struct ForwardingPlanTests {
    static let vip = PacketForwarderTests.vip
    static let otherVIP = IPAddress(ipv4: 0xCFAF_2C6F)  // 207.175.44.111
    static let remote = PacketForwarderTests.server  // 172.16.0.2
    static let director = IPAddress(ipv4: 0x0A00_0001)  // 10.0.0.1, the director's own

    /// VIP:8080 (rr) with `servers`, and 207.175.44.111:8080 with one remote NAT server.
    static func configuration(_ servers: [RealServerConfig]) throws -> ConfigurationModel {
        var model = ConfigurationModel(knownSchedulers: ["rr"])
        let id = VirtualServiceID(protocol: .tcp, address: vip, port: 8080)
        let other = VirtualServiceID(protocol: .tcp, address: otherVIP, port: 8080)
        try model.apply(.addService(VirtualServiceConfig(id: id, scheduler: "rr")))
        for server in servers { try model.apply(.addRealServer(id, server)) }
        try model.apply(.addService(VirtualServiceConfig(id: other, scheduler: "rr")))
        try model.apply(
            .addRealServer(other, RealServerConfig(address: remote, port: 8080, forwarding: .masquerading)))
        return model
    }

    static func ruleset(_ plan: ForwardingPlan) -> NFTablesRuleset {
        NFTablesRuleset(table: "lvsd", interfaces: [("veth10", 2)], plan: plan)
    }

    @Test("a standby address's services leave the plan, the filter and the ingress table; the rest stays")
    func standby() throws {
        let model = try Self.configuration([
            RealServerConfig(address: IPAddress(ipv4: 0xAC10_0003), port: 8080, forwarding: .masquerading)
        ])
        let full = ForwardingPlan(model)
        let standby = ForwardingPlan(model, standbyAddresses: [Self.vip])
        #expect(full.services.map(\.address) == [Self.vip, Self.otherVIP])
        #expect(standby.services.map(\.address) == [Self.otherVIP])
        #expect(standby.natSources.map(\.address) == [Self.remote])
        #expect(standby.realServers == [Self.remote])
        #expect(standby.isStandby(Self.vip) && !standby.isStandby(Self.otherVIP))
        let rules = Self.ruleset(standby).rules
        #expect(!rules.contains { $0.contains("207.175.44.110") }, "\(rules)")
        #expect(rules.contains("ip daddr 207.175.44.111 tcp dport 8080 drop"), "\(rules)")
        // The filter is the one of a plan without the standby service.
        let without = ForwardingPlan(services: standby.services, natSources: standby.natSources)
        #expect(BPFProgram(standby) == BPFProgram(without))
        #expect(BPFProgram(standby) != BPFProgram(full))
        // Claiming again (an empty set) gives back the full plan.
        #expect(ForwardingPlan(model, standbyAddresses: []) == full)
    }

    @Test("every address in standby: nothing owned, no drop rule at all")
    func everythingStandby() throws {
        let model = try Self.configuration([])
        let plan = ForwardingPlan(model, standbyAddresses: [Self.vip, Self.otherVIP])
        #expect(plan.services.isEmpty && plan.natSources.isEmpty && plan.realServers.isEmpty)
        #expect(Self.ruleset(plan).rules.isEmpty)
    }

    @Test("a real server at the director's address is local: not resolved, not a NAT source; its replies rewritten")
    func localServers() throws {
        let model = try Self.configuration([
            RealServerConfig(address: Self.director, port: 9090, forwarding: .masquerading),
            RealServerConfig(address: Self.remote, port: 8080, forwarding: .masquerading),
        ])
        let plan = ForwardingPlan(model, localAddresses: [Self.director, IPAddress(ipv4: 0x7F00_0001)])
        #expect(plan.localServers == [Self.director])
        #expect(plan.isLocalServer(Self.director) && !plan.isLocalServer(Self.remote))
        #expect(plan.realServers == [Self.remote])
        #expect(!plan.natSources.contains { $0.address == Self.director })
        #expect(
            plan.localReplies == [
                LocalReply(
                    protocolNumber: .tcp, serverAddress: Self.director, serverPort: 9090, virtualAddress: Self.vip,
                    virtualPort: 8080)
            ])
        let script = Self.ruleset(plan).script
        #expect(script.contains("type filter hook output priority 300"), "\(script)")
        #expect(
            script.contains("ip saddr 10.0.0.1 tcp sport 9090 ip saddr set 207.175.44.110 tcp sport set 8080"),
            "\(script)")
        // The inet table is always replaced, so a leftover one goes too, and removed at exit.
        #expect(ForwardingPlanTests.ruleset(ForwardingPlan()).script.contains("delete table inet lvsd"))
        #expect(Self.ruleset(plan).removalScript.contains("delete table inet lvsd"))
    }

    @Test("direct routing and the local-node method: local without a reply rewrite")
    func localWithoutRewrite() throws {
        let model = try Self.configuration([
            RealServerConfig(address: Self.director, port: 8080, forwarding: .directRouting),
            RealServerConfig(address: IPAddress(ipv4: 0xAC10_0009), port: 8080, forwarding: .localNode),
        ])
        let plan = ForwardingPlan(model, localAddresses: [Self.director])
        #expect(plan.localServers == [Self.director, IPAddress(ipv4: 0xAC10_0009)])
        #expect(plan.localReplies.isEmpty)
        #expect(plan.services.map(\.address) == [Self.vip, Self.otherVIP])
    }

    @Test("one local address:port behind two virtual services: ambiguous, so no rewrite for it")
    func ambiguousLocalReply() {
        let a = LocalReply(
            protocolNumber: .tcp, serverAddress: Self.director, serverPort: 9090, virtualAddress: Self.vip,
            virtualPort: 80)
        var b = a
        b.virtualAddress = Self.otherVIP
        var c = a
        c.serverPort = 9091
        #expect(LocalReply.unambiguous([a, b, c]) == [c])
    }
}

/// The forwarder's side: local delivery and frames for a standby address.
@Suite("packet forwarder: local real servers and standby")
struct LocalForwardingTests {
    static let local = IPAddress(ipv4: 0x0A00_0001)

    static func director(_ method: ForwardingMethod, server: IPAddress, port: UInt16) throws -> Director {
        let director = Director(seed: 1)
        let id = VirtualServiceID(protocol: .tcp, address: PacketForwarderTests.vip, port: 8080)
        try director.apply(
            batch: [
                .addService(VirtualServiceConfig(id: id, scheduler: "rr")),
                .addRealServer(id, RealServerConfig(address: server, port: port, forwarding: method)),
            ], now: MonotonicInstant(nanoseconds: 0))
        return director
    }

    @Test("NAT to a local real server: destination rewritten to RS:port, TTL kept, checksums valid, delivered")
    func masqueradingLocally() throws {
        let director = try Self.director(.masquerading, server: Self.local, port: 9090)
        let plan = ForwardingPlan(director.configuration, localAddresses: [Self.local])
        var forwarder = PacketForwarderTests.forwarder(plan: plan)
        var neighbours = PacketForwarderTests.knownNeighbours()
        let (action, out) = PacketForwarderTests.run(
            PacketForwarderTests.syn(), ingress: 0, forwarder: &forwarder, director: director,
            neighbours: &neighbours)
        #expect(action == .deliverLocally(l3Offset: 14))
        try PacketBuffer.withCopy(of: out) { frame in
            let packet = try #require(try? parseFrame(frame).packet)
            #expect(packet.destination.ipAddress == Self.local)
            #expect(packet.destinationPort == 9090)
            #expect(packet.source.ipAddress == PacketForwarderTests.client)
            #expect(packet.network.hopLimit == 64)
            #expect(TransportChecksum.isValid(in: frame, packet: packet))
        }
        #expect(forwarder.counters.deliveredLocally == 1)
        #expect(director.connectionSnapshots(now: MonotonicInstant(nanoseconds: 2_000)).count == 1)
    }

    @Test("direct routing to a local real server: the packet unchanged, TTL included")
    func directRoutingLocally() throws {
        let director = try Self.director(.directRouting, server: Self.local, port: 8080)
        let plan = ForwardingPlan(director.configuration, localAddresses: [Self.local])
        var forwarder = PacketForwarderTests.forwarder(plan: plan)
        var neighbours = PacketForwarderTests.knownNeighbours()
        let input = PacketForwarderTests.syn()
        let (action, out) = PacketForwarderTests.run(
            input, ingress: 0, forwarder: &forwarder, director: director, neighbours: &neighbours)
        #expect(action == .deliverLocally(l3Offset: 14))
        #expect(Array(out[14...]) == Array(input[14...]))
    }

    @Test("the local-node method is delivered locally even at an address the plan does not know as local")
    func localNodeMethod() throws {
        let director = try Self.director(.localNode, server: PacketForwarderTests.server, port: 8080)
        var forwarder = PacketForwarderTests.forwarder(plan: ForwardingPlan(director.configuration))
        var neighbours = PacketForwarderTests.knownNeighbours()
        let input = PacketForwarderTests.syn()
        let (action, out) = PacketForwarderTests.run(
            input, ingress: 0, forwarder: &forwarder, director: director, neighbours: &neighbours)
        #expect(action == .deliverLocally(l3Offset: 14))
        #expect(Array(out[14...]) == Array(input[14...]))
    }

    @Test("a frame for a standby address is dropped and counted, and makes no connection entry")
    func standbyFrame() throws {
        let director = try PacketForwarderTests.director(.directRouting)
        let plan = ForwardingPlan(director.configuration, standbyAddresses: [PacketForwarderTests.vip])
        var forwarder = PacketForwarderTests.forwarder(plan: plan)
        var neighbours = PacketForwarderTests.knownNeighbours()
        let (action, _) = PacketForwarderTests.run(
            PacketForwarderTests.syn(), ingress: 0, forwarder: &forwarder, director: director,
            neighbours: &neighbours)
        #expect(action == .drop(.standby))
        #expect(forwarder.counters[.standby] == 1)
        #expect(director.connectionSnapshots(now: MonotonicInstant(nanoseconds: 2_000)).isEmpty)
    }
}
