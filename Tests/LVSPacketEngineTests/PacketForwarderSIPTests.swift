import LVSCore
import LVSPacket
import Testing

@testable import LVSPacketEngine

/// The SIP persistence engine through the forwarder (reference §4.14): frames built in memory,
/// a real `Director`, two NAT real servers behind veth12 (172.16.0.2 and 172.16.0.3).
@Suite("packet forwarder: SIP persistence engine")
struct PacketForwarderSIPTests {
    static let vip = IPAddress(ipv4: 0xCFAF_2C6E)
    static let servers = [IPAddress(ipv4: 0xAC10_0002), IPAddress(ipv4: 0xAC10_0003)]
    static let service = VirtualServiceID(protocol: .udp, address: vip, port: 5060)

    static func director(onePacket: Bool = true, engine: String? = "sip") throws -> Director {
        let director = Director(seed: 1)
        try director.apply(
            batch: [
                .addService(
                    VirtualServiceConfig(
                        id: service, scheduler: "rr", persistenceTimeout: 60, onePacketScheduling: onePacket,
                        persistenceEngine: engine))
            ]
                + servers.map {
                    .addRealServer(service, RealServerConfig(address: $0, port: 5060, forwarding: .masquerading))
                },
            now: MonotonicInstant(nanoseconds: 0))
        return director
    }

    /// A SIP request from the client 10.0.0.2:5070 to the VIP.
    static func request(_ method: String, callID: String, compact: Bool = false) -> [UInt8] {
        let message =
            "\(method) sip:service@207.175.44.110:5060 SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP 10.0.0.2:5070;branch=z9hG4bK-\(callID)\r\n"
            + "From: sipp <sip:sipp@10.0.0.2:5070>;tag=1\r\nTo: <sip:service@207.175.44.110:5060>\r\n"
            + (compact ? "i: " : "Call-ID: ") + callID + "\r\nCSeq: 1 \(method)\r\nContent-Length: 0\r\n\r\n"
        return PacketBuilder.ethernet(
            source: PacketForwarderTests.clientMAC, destination: PacketForwarderTests.outsideMAC
        )
        .ipv4(source: "10.0.0.2", destination: "207.175.44.110")
        .udp(sourcePort: 5070, destinationPort: 5060)
        .payload(Array(message.utf8)).build()
    }

    static func neighbours() -> NeighbourCache {
        var cache = PacketForwarderTests.knownNeighbours()
        cache.learn(servers[1], mac: MACAddress(0x02, 0, 0, 0, 0, 0x23), now: MonotonicInstant(nanoseconds: 0))
        return cache
    }

    /// The real server a forwarded frame was sent to, nil when it was not forwarded.
    static func destination(
        of frame: [UInt8], forwarder: inout PacketForwarder, director: Director, neighbours: inout NeighbourCache
    ) throws -> IPAddress? {
        let (action, out) = PacketForwarderTests.run(
            frame, ingress: 0, forwarder: &forwarder, director: director, neighbours: &neighbours)
        guard action == .transmit(interface: 1) else { return nil }
        return try PacketBuffer.withCopy(of: out) { try parseFrame($0).packet?.destination.ipAddress }
    }

    @Test("the plan names the sip service; other services and non-persistent ones are not in it")
    func plan() throws {
        let plan = ForwardingPlan(try Self.director().configuration)
        #expect(plan.persistenceEngineServices.map(\.engine) == [.sip])
        #expect(plan.persistenceEngine(forUDPTo: Self.vip, port: 5060, firewallMark: 0) == .sip)
        #expect(plan.persistenceEngine(forUDPTo: Self.vip, port: 5061, firewallMark: 0) == nil)
        #expect(ForwardingPlan(try Self.director(engine: nil).configuration).persistenceEngineServices.isEmpty)
        #expect(
            ForwardingPlan(try Self.director().configuration, standbyAddresses: [Self.vip]).persistenceEngineServices
                .isEmpty)
    }

    @Test("-o -p --pe sip: two calls from one client address:port go to two real servers, each call sticks")
    func callsSpreadAndStick() throws {
        let director = try Self.director()
        var forwarder = PacketForwarderTests.forwarder(plan: ForwardingPlan(director.configuration))
        var neighbours = Self.neighbours()
        func send(_ method: String, _ callID: String, compact: Bool = false) throws -> IPAddress? {
            try Self.destination(
                of: Self.request(method, callID: callID, compact: compact), forwarder: &forwarder, director: director,
                neighbours: &neighbours)
        }
        let first = try #require(try send("INVITE", "call-one@10.0.0.2"))
        let second = try #require(try send("INVITE", "call-two@10.0.0.2"))
        #expect(first != second)
        #expect(Set([first, second]) == Set(Self.servers))
        for method in ["ACK", "BYE"] {
            #expect(try send(method, "call-one@10.0.0.2") == first)
            #expect(try send(method, "call-two@10.0.0.2", compact: true) == second)
        }
        let templates = director.connectionSnapshots(now: MonotonicInstant(nanoseconds: 2_000)).filter(\.isTemplate)
        #expect(
            Set(templates.compactMap(\.persistenceEngineData)) == ["call-one@10.0.0.2", "call-two@10.0.0.2"],
            "\(templates)")
        #expect(templates.allSatisfy { $0.persistenceEngineName == "sip" })
        #expect(forwarder.counters.forwardedInbound == 6)
    }

    @Test("without an engine the same datagrams share one address template: one real server")
    func withoutEngine() throws {
        let director = try Self.director(engine: nil)
        var forwarder = PacketForwarderTests.forwarder(plan: ForwardingPlan(director.configuration))
        var neighbours = Self.neighbours()
        var seen: Set<IPAddress> = []
        for callID in ["a@x", "b@x", "c@x"] {
            seen.insert(
                try #require(
                    try Self.destination(
                        of: Self.request("INVITE", callID: callID), forwarder: &forwarder, director: director,
                        neighbours: &neighbours)))
        }
        #expect(seen.count == 1)
        #expect(
            director.connectionSnapshots(now: MonotonicInstant(nanoseconds: 2_000)).allSatisfy {
                $0.persistenceEngineData == nil
            })
    }

    @Test("a datagram without a Call-ID (or not SIP, or truncated) falls back to the address template")
    func noCallID() throws {
        let director = try Self.director()
        var forwarder = PacketForwarderTests.forwarder(plan: ForwardingPlan(director.configuration))
        var neighbours = Self.neighbours()
        let junk = PacketBuilder.ethernet(
            source: PacketForwarderTests.clientMAC, destination: PacketForwarderTests.outsideMAC
        )
        .ipv4(source: "10.0.0.2", destination: "207.175.44.110").udp(sourcePort: 5070, destinationPort: 5060)
        .payload(Array("INVITE sip:x SIP/2.0\r\nCall-ID: cut-off".utf8)).build()
        let first = try Self.destination(of: junk, forwarder: &forwarder, director: director, neighbours: &neighbours)
        let again = try Self.destination(of: junk, forwarder: &forwarder, director: director, neighbours: &neighbours)
        #expect(first != nil && first == again)
        let templates = director.connectionSnapshots(now: MonotonicInstant(nanoseconds: 2_000)).filter(\.isTemplate)
        #expect(templates.count == 1 && templates.first?.persistenceEngineData == nil)
    }
}
