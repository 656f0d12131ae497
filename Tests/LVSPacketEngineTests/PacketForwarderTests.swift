import LVSCore
import LVSPacket
import Testing

@testable import LVSPacketEngine

/// The forwarding logic on frames built in memory, with a real `Director` and a plain neighbour
/// cache: no sockets, no rings (glb-director style). Topology as the kernel selftest: interface
/// 0 = veth10 (10.0.0.1/24), interface 1 = veth12 (172.16.0.1/24); client 10.0.0.2, real
/// server 172.16.0.2, VIP 207.175.44.110:8080.
@Suite("packet forwarder")
struct PacketForwarderTests {
    static let clientMAC = MACAddress(0x02, 0, 0, 0, 0, 0x02)
    static let serverMAC = MACAddress(0x02, 0, 0, 0, 0, 0x22)
    static let outsideMAC = MACAddress(0x02, 0, 0, 0, 0, 0x10)
    static let insideMAC = MACAddress(0x02, 0, 0, 0, 0, 0x12)
    static let vip = IPAddress(ipv4: 0xCFAF_2C6E)
    static let client = IPAddress(ipv4: 0x0A00_0002)
    static let server = IPAddress(ipv4: 0xAC10_0002)

    static func forwarder(plan: ForwardingPlan, mtu: Int = 1500) -> PacketForwarder {
        let interfaces = [
            NetworkInterface(
                name: "veth10", index: 2, mac: outsideMAC, mtu: mtu,
                addresses: [Prefix(address: IPAddress(ipv4: 0x0A00_0001), length: 24)]),
            NetworkInterface(
                name: "veth12", index: 3, mac: insideMAC, mtu: mtu,
                addresses: [Prefix(address: IPAddress(ipv4: 0xAC10_0001), length: 24)]),
        ]
        let routes = RouteTable.build(interfaces: interfaces, ipv4Routes: "", ipv6Routes: "")
        return PacketForwarder(interfaces: interfaces, routes: routes, plan: plan)
    }

    static func director(_ method: ForwardingMethod) throws -> Director {
        let director = Director(seed: 1)
        let id = VirtualServiceID(protocol: .tcp, address: vip, port: 8080)
        try director.apply(
            batch: [
                .addService(VirtualServiceConfig(id: id, scheduler: "rr")),
                .addRealServer(id, RealServerConfig(address: server, port: 8080, forwarding: method)),
            ], now: MonotonicInstant(nanoseconds: 0))
        return director
    }

    static func syn(dontFragment: Bool = true, payload: Int = 0, ttl: UInt8 = 64) -> [UInt8] {
        PacketBuilder.ethernet(source: clientMAC, destination: outsideMAC)
            .ipv4(source: "10.0.0.2", destination: "207.175.44.110", ttl: ttl, dontFragment: dontFragment)
            .tcp(sourcePort: 40000, destinationPort: 8080, flags: [.syn])
            .payload([UInt8](repeating: 0xAB, count: payload)).build()
    }

    /// Runs one frame; returns the action and the output frame (the rewritten frame or the reply;
    /// empty for `.transmitSegments`, whose frames are in the forwarder's arena).
    static func run(
        _ bytes: [UInt8], ingress: Int, offload: PacketOffload = .none, forwarder: inout PacketForwarder,
        director: Director, neighbours: inout NeighbourCache
    ) -> (ForwardAction, [UInt8]) {
        let scratchMemory = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
        defer { scratchMemory.deallocate() }
        var scratch = PacketBuffer(storage: scratchMemory, start: 64, count: 0)
        return PacketBuffer.withCopy(of: bytes, headroom: 64) { frame in
            let action = forwarder.forward(
                &frame, ingress: ingress, offload: offload, decider: director, neighbours: &neighbours,
                now: MonotonicInstant(nanoseconds: 1_000), scratch: &scratch)
            switch action {
            case .transmit, .deliverLocally: return (action, frame.bytes)
            case .reply: return (action, scratch.bytes)
            case .drop, .ignore, .transmitSegments: return (action, [])
            }
        }
    }

    static func knownNeighbours() -> NeighbourCache {
        var cache = NeighbourCache()
        cache.learn(server, mac: serverMAC, now: MonotonicInstant(nanoseconds: 0))
        cache.learn(client, mac: clientMAC, now: MonotonicInstant(nanoseconds: 0))
        return cache
    }

    @Test("NAT: DNAT to the real server out of veth12, TTL − 1, checksums valid; the reply SNATed back")
    func masquerading() throws {
        let director = try Self.director(.masquerading)
        var forwarder = Self.forwarder(plan: ForwardingPlan(director.configuration))
        var neighbours = Self.knownNeighbours()
        let (action, out) = Self.run(
            Self.syn(), ingress: 0, forwarder: &forwarder, director: director, neighbours: &neighbours)
        #expect(action == .transmit(interface: 1))
        try PacketBuffer.withCopy(of: out) { frame in
            let parsed = try #require(try? parseFrame(frame))
            #expect(parsed.ethernet.destination == Self.serverMAC)
            #expect(parsed.ethernet.source == Self.insideMAC)
            let packet = try #require(parsed.packet)
            #expect(packet.destination.ipAddress == Self.server)
            #expect(packet.source.ipAddress == Self.client)
            #expect(packet.network.hopLimit == 63)
            #expect(TransportChecksum.isValid(in: frame, packet: packet))
        }
        let reply = PacketBuilder.ethernet(source: Self.serverMAC, destination: Self.insideMAC)
            .ipv4(source: "172.16.0.2", destination: "10.0.0.2")
            .tcp(sourcePort: 8080, destinationPort: 40000, flags: [.syn, .ack]).build()
        let (back, returned) = Self.run(
            reply, ingress: 1, forwarder: &forwarder, director: director, neighbours: &neighbours)
        #expect(back == .transmit(interface: 0))
        try PacketBuffer.withCopy(of: returned) { frame in
            let packet = try #require(try? parseFrame(frame).packet)
            #expect(packet.source.ipAddress == Self.vip)
            #expect(packet.sourcePort == 8080)
            #expect(TransportChecksum.isValid(in: frame, packet: packet))
            #expect(MACAddress.read(from: frame, at: 0) == Self.clientMAC)
        }
        #expect(forwarder.counters.forwardedInbound == 1)
        #expect(forwarder.counters.forwardedOutbound == 1)
        let snapshot = try #require(director.connectionSnapshots(now: MonotonicInstant(nanoseconds: 2_000)).first)
        #expect(snapshot.stateName == "SYN_RECV")
    }

    @Test("direct routing: only the MACs and the TTL change")
    func directRouting() throws {
        let director = try Self.director(.directRouting)
        var forwarder = Self.forwarder(plan: ForwardingPlan(director.configuration))
        var neighbours = Self.knownNeighbours()
        let input = Self.syn()
        let (action, out) = Self.run(
            input, ingress: 0, forwarder: &forwarder, director: director, neighbours: &neighbours)
        #expect(action == .transmit(interface: 1))
        #expect(Array(out[0..<6]) == [0x02, 0, 0, 0, 0, 0x22])
        // Everything from the IP header on is the same but TTL (byte 22) and header checksum.
        #expect(out[22] == input[22] - 1)
        #expect(Array(out[26...]) == Array(input[26...]))
    }

    @Test("tunnelling: IPIP 172.16.0.1 → 172.16.0.2 around the unchanged packet")
    func tunnelling() throws {
        let director = try Self.director(.tunnelling)
        var forwarder = Self.forwarder(plan: ForwardingPlan(director.configuration))
        var neighbours = Self.knownNeighbours()
        let input = Self.syn()
        let (action, out) = Self.run(
            input, ingress: 0, forwarder: &forwarder, director: director, neighbours: &neighbours)
        #expect(action == .transmit(interface: 1))
        #expect(out.count == input.count + 20)
        #expect(out[14 + 9] == 4)  // protocol IPIP
        #expect(Array(out[26..<34]) == [172, 16, 0, 1, 172, 16, 0, 2])
        #expect(Array(out[(34 + 12)...]) == Array(input[26...]))
    }

    @Test("tunnelling: a DF packet too big for the tunnel is answered with fragmentation needed, MTU − 20")
    func tunnelTooBig() throws {
        let director = try Self.director(.tunnelling)
        var forwarder = Self.forwarder(plan: ForwardingPlan(director.configuration))
        var neighbours = Self.knownNeighbours()
        let (action, out) = Self.run(
            Self.syn(payload: 1500 - 40 - 10), ingress: 0, forwarder: &forwarder, director: director,
            neighbours: &neighbours)
        #expect(action == .reply(interface: 0))
        #expect(forwarder.counters[.tooBig] == 1)
        try PacketBuffer.withCopy(of: out) { frame in
            let packet = try #require(try? parseFrame(frame).packet)
            guard case .icmp(let icmp) = packet.transport else {
                Issue.record("not ICMP")
                return
            }
            #expect(icmp.type == 3 && icmp.code == 4)
            #expect(icmp.reportedMTU == 1480)
            #expect(packet.destination.ipAddress == Self.client)
        }
    }

    @Test("an unknown real-server MAC: dropped, counted, one ARP request sent")
    func neighbourMiss() throws {
        let director = try Self.director(.masquerading)
        var forwarder = Self.forwarder(plan: ForwardingPlan(director.configuration))
        var neighbours = NeighbourCache()
        let (action, out) = Self.run(
            Self.syn(), ingress: 0, forwarder: &forwarder, director: director, neighbours: &neighbours)
        #expect(action == .reply(interface: 1))
        #expect(Array(out[12..<14]) == [0x08, 0x06])
        #expect(Array(out[38..<42]) == [172, 16, 0, 2])
        #expect(forwarder.counters[.neighbourUnresolved] == 1)
        let (second, _) = Self.run(
            Self.syn(), ingress: 0, forwarder: &forwarder, director: director, neighbours: &neighbours)
        #expect(second == .drop(.neighbourUnresolved))
    }

    @Test("TTL 1: time exceeded back to the client, counted")
    func ttlExpired() throws {
        let director = try Self.director(.masquerading)
        var forwarder = Self.forwarder(plan: ForwardingPlan(director.configuration))
        var neighbours = Self.knownNeighbours()
        let (action, out) = Self.run(
            Self.syn(ttl: 1), ingress: 0, forwarder: &forwarder, director: director, neighbours: &neighbours)
        #expect(action == .reply(interface: 0))
        #expect(out[14 + 20] == 11)
        #expect(forwarder.counters[.ttlExpired] == 1)
    }

    /// A fuzzing variant of `bytes`: `how` 0 cuts it short, 1 overwrites four random bytes, 2
    /// replaces it with up to 200 random bytes, anything else keeps it.
    static func damaged(_ bytes: [UInt8], how: Int, _ generator: inout SplitMix64) -> [UInt8] {
        var bytes = bytes
        switch how {
        case 0: bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count + 1))))
        case 1:
            for _ in 0..<4 where !bytes.isEmpty {
                let index = Int(generator.next() % UInt64(bytes.count))
                bytes[index] = UInt8(truncatingIfNeeded: generator.next())
            }
        case 2: bytes = (0..<Int(generator.next() % 200)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        default: break
        }
        return bytes
    }

    @Test("thousands of random and truncated frames: no trap, every frame accounted for")
    func fuzz() throws {
        let director = try Self.director(.masquerading)
        var forwarder = Self.forwarder(plan: ForwardingPlan(director.configuration))
        var neighbours = Self.knownNeighbours()
        var generator = SplitMix64(seed: 42)
        let icmpError = PacketBuilder.ethernet(source: Self.clientMAC, destination: Self.outsideMAC)
            .ipv4(source: "10.0.0.2", destination: "207.175.44.110").icmp(type: 3, code: 3)
            .payload(
                PacketBuilder.ip.ipv4(source: "207.175.44.110", destination: "10.0.0.2")
                    .tcp(sourcePort: 8080, destinationPort: 40000, flags: [.ack]).build()
            ).build()
        let seeds = [Self.syn(), Self.syn(payload: 100), Self.syn(ttl: 1), icmpError]
        var outcomes = 0
        for round in 0..<5_000 {
            let bytes = Self.damaged(seeds[round % seeds.count], how: round % 3, &generator)
            let (action, _) = Self.run(
                bytes, ingress: Int(generator.next() % 2), forwarder: &forwarder,
                director: director, neighbours: &neighbours)
            switch action {
            case .transmit, .transmitSegments, .reply, .drop, .ignore, .deliverLocally: outcomes += 1
            }
        }
        #expect(outcomes == 5_000)
        let c = forwarder.counters
        // Every frame is forwarded, ignored or dropped (replies are counted as drops).
        #expect(c.received == 5_000)
        #expect(c.forwardedInbound + c.forwardedOutbound + c.icmpRelayed + c.ignored + c.dropped == c.received)
    }
}
