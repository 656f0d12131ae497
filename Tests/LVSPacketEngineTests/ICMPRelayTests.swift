import LVSCore
import LVSPacket
import Testing

@testable import LVSPacketEngine

/// ICMP error relaying (reference §5.6) on in-memory frames, with the topology of
/// `PacketForwarderTests`: client 10.0.0.2 on interface 0, real server 172.16.0.2 on
/// interface 1, VIP 207.175.44.110:8080; the real server listens on port 80 here so the
/// quoted port rewrite shows.
@Suite("ICMP relay")
struct ICMPRelayTests {
    typealias F = PacketForwarderTests

    static func director(_ method: ForwardingMethod, vip: IPAddress = F.vip, server: IPAddress = F.server) throws
        -> Director
    {
        let director = Director(seed: 1)
        let id = VirtualServiceID(protocol: .tcp, address: vip, port: 8080)
        let port: UInt16 = method == .masquerading ? 80 : 8080
        try director.apply(
            batch: [
                .addService(VirtualServiceConfig(id: id, scheduler: "rr")),
                .addRealServer(id, RealServerConfig(address: server, port: port, forwarding: method)),
            ], now: MonotonicInstant(nanoseconds: 0))
        return director
    }

    /// An ICMPv4 error frame from `source` to `destination` quoting `quote`.
    static func error(
        from source: String, to destination: String, type: UInt8 = 3, code: UInt8 = 3, rest: UInt32 = 0,
        quoting quote: [UInt8], sourceMAC: MACAddress = F.clientMAC, destinationMAC: MACAddress = F.outsideMAC
    ) -> [UInt8] {
        PacketBuilder.ethernet(source: sourceMAC, destination: destinationMAC)
            .ipv4(source: source, destination: destination)
            .icmp(type: type, code: code, restOfHeader: rest).payload(quote).build()
    }

    /// The SYN-ACK the client saw: VIP:8080 → client:40000.
    static let replyToClient = PacketBuilder.ip.ipv4(source: "207.175.44.110", destination: "10.0.0.2")
        .tcp(sourcePort: 8080, destinationPort: 40000, flags: [.syn, .ack]).build()

    static func run(_ bytes: [UInt8], ingress: Int, _ forwarder: inout PacketForwarder, _ director: Director)
        -> (ForwardAction, [UInt8])
    {
        var neighbours = F.knownNeighbours()
        return F.run(bytes, ingress: ingress, forwarder: &forwarder, director: director, neighbours: &neighbours)
    }

    /// Sends the client's SYN so the connection exists.
    static func connect(_ forwarder: inout PacketForwarder, _ director: Director) {
        let (action, _) = run(F.syn(), ingress: 0, &forwarder, director)
        #expect(action == .transmit(interface: 1))
    }

    /// Parses an output frame: the packet, its ICMP header and the quoted packet.
    static func inspect(_ out: [UInt8], _ body: (PacketBuffer, ParsedPacket, ICMPHeader, QuotedPacket) throws -> Void)
        throws
    {
        try PacketBuffer.withCopy(of: out) { frame in
            let packet = try #require(try? parseFrame(frame).packet)
            guard case .icmp(let icmp) = packet.transport, let quoted = packet.quoted else {
                Issue.record("not an ICMP error")
                return
            }
            #expect(TransportChecksum.isValid(in: frame, packet: packet))
            try body(frame, packet, icmp, quoted)
        }
    }

    @Test("NAT, client side: outer destination and quoted source become the real server, checksums valid")
    func natClientSide() throws {
        let director = try Self.director(.masquerading)
        var forwarder = F.forwarder(plan: ForwardingPlan(director.configuration))
        Self.connect(&forwarder, director)
        let input = Self.error(from: "10.0.0.2", to: "207.175.44.110", quoting: Self.replyToClient)
        let (action, out) = Self.run(input, ingress: 0, &forwarder, director)
        #expect(action == .transmit(interface: 1))
        #expect(Array(out[0..<6]) == [0x02, 0, 0, 0, 0, 0x22])
        try Self.inspect(out) { frame, packet, icmp, quoted in
            #expect(packet.source.ipAddress == F.client)
            #expect(packet.destination.ipAddress == F.server)
            #expect(packet.network.hopLimit == 63)
            #expect(icmp.type == 3 && icmp.code == 3)
            #expect(quoted.network.source.ipAddress == F.server)
            #expect(quoted.sourcePort == 80)
            #expect(quoted.network.destination.ipAddress == F.client)
            #expect(quoted.destinationPort == 40000)
            // The quoted IPv4 header checksum is still right.
            #expect(InternetChecksum.checksum(frame, at: quoted.network.offset, length: 20) == 0)
        }
        #expect(forwarder.counters.icmpRelayed == 1)
        let stats = director.services.values.first?.stats
        #expect(stats?.inPackets == 2)
        #expect(stats?.inBytes == UInt64(40 + input.count - 14))
    }

    @Test("NAT, real-server side: outer source and quoted destination become VIP:vport, to the client")
    func natServerSide() throws {
        let director = try Self.director(.masquerading)
        var forwarder = F.forwarder(plan: ForwardingPlan(director.configuration))
        Self.connect(&forwarder, director)
        let toServer = PacketBuilder.ip.ipv4(source: "10.0.0.2", destination: "172.16.0.2", ttl: 63)
            .tcp(sourcePort: 40000, destinationPort: 80, flags: [.syn]).build()
        let input = Self.error(
            from: "172.16.0.2", to: "10.0.0.2", quoting: toServer, sourceMAC: F.serverMAC, destinationMAC: F.insideMAC)
        let (action, out) = Self.run(input, ingress: 1, &forwarder, director)
        #expect(action == .transmit(interface: 0))
        #expect(Array(out[0..<6]) == [0x02, 0, 0, 0, 0, 0x02])
        try Self.inspect(out) { frame, packet, _, quoted in
            #expect(packet.source.ipAddress == F.vip)
            #expect(packet.destination.ipAddress == F.client)
            #expect(quoted.network.destination.ipAddress == F.vip)
            #expect(quoted.destinationPort == 8080)
            #expect(quoted.network.source.ipAddress == F.client)
            #expect(quoted.sourcePort == 40000)
            #expect(InternetChecksum.checksum(frame, at: quoted.network.offset, length: 20) == 0)
        }
        #expect(forwarder.counters.icmpRelayed == 1)
        #expect(director.services.values.first?.stats.outPackets == 1)
        // The lookup ran no state machine: still SYN_RECV.
        #expect(director.connectionSnapshots(now: MonotonicInstant(nanoseconds: 2_000)).first?.stateName == "SYN_RECV")
    }

    @Test("direct routing: forwarded unchanged but for TTL and MACs")
    func directRouting() throws {
        let director = try Self.director(.directRouting)
        var forwarder = F.forwarder(plan: ForwardingPlan(director.configuration))
        Self.connect(&forwarder, director)
        let input = Self.error(from: "10.0.0.2", to: "207.175.44.110", quoting: Self.replyToClient)
        let (action, out) = Self.run(input, ingress: 0, &forwarder, director)
        #expect(action == .transmit(interface: 1))
        #expect(Array(out[0..<6]) == [0x02, 0, 0, 0, 0, 0x22])
        #expect(Array(out[6..<12]) == [0x02, 0, 0, 0, 0, 0x12])
        #expect(out[22] == input[22] - 1)
        #expect(Array(out[26...]) == Array(input[26...]))
        #expect(forwarder.counters.icmpRelayed == 1)
        #expect(forwarder.counters.forwardedInbound == 1)
    }

    @Test("tunnelling: encapsulated to the real server")
    func tunnelling() throws {
        let director = try Self.director(.tunnelling)
        var forwarder = F.forwarder(plan: ForwardingPlan(director.configuration))
        Self.connect(&forwarder, director)
        let input = Self.error(from: "10.0.0.2", to: "207.175.44.110", quoting: Self.replyToClient)
        let (action, out) = Self.run(input, ingress: 0, &forwarder, director)
        #expect(action == .transmit(interface: 1))
        #expect(out.count == input.count + 20)
        #expect(out[14 + 9] == 4)
        #expect(Array(out[26..<34]) == [172, 16, 0, 1, 172, 16, 0, 2])
        #expect(Array(out[(34 + 12)...]) == Array(input[26...]))
        #expect(forwarder.counters.icmpRelayed == 1)
    }

    @Test("an error about no connection is dropped and counted; echo is left to the kernel")
    func unrelatedAndEcho() throws {
        let director = try Self.director(.masquerading)
        var forwarder = F.forwarder(plan: ForwardingPlan(director.configuration))
        let input = Self.error(from: "10.0.0.2", to: "207.175.44.110", quoting: Self.replyToClient)
        #expect(Self.run(input, ingress: 0, &forwarder, director).0 == .drop(.icmpUnrelated))
        // A quote from an address that is no VIP.
        let other = PacketBuilder.ip.ipv4(source: "10.0.0.9", destination: "10.0.0.2")
            .udp(sourcePort: 53, destinationPort: 40000).build()
        let stray = Self.error(from: "10.0.0.2", to: "207.175.44.110", quoting: other)
        #expect(Self.run(stray, ingress: 0, &forwarder, director).0 == .drop(.icmpUnrelated))
        #expect(forwarder.counters[.icmpUnrelated] == 2)
        #expect(director.connectionCount == 0)
        let echo = PacketBuilder.ethernet(source: F.clientMAC, destination: F.outsideMAC)
            .ipv4(source: "10.0.0.2", destination: "207.175.44.110").echoRequest(identifier: 1, sequence: 1).build()
        #expect(Self.run(echo, ingress: 0, &forwarder, director).0 == .ignore)
        #expect(forwarder.counters.ignored == 1)
    }

    @Test("a wrong ICMP checksum is dropped and counted")
    func badChecksum() throws {
        let director = try Self.director(.masquerading)
        var forwarder = F.forwarder(plan: ForwardingPlan(director.configuration))
        Self.connect(&forwarder, director)
        var input = Self.error(from: "10.0.0.2", to: "207.175.44.110", quoting: Self.replyToClient)
        input[14 + 20 + 2] ^= 0x5A
        #expect(Self.run(input, ingress: 0, &forwarder, director).0 == .drop(.icmpBadChecksum))
        #expect(forwarder.counters[.icmpBadChecksum] == 1)
        #expect(PacketDrop.icmpBadChecksum.name == "drop_icmp_bad_checksum")
        #expect(director.services.values.first?.stats.inPackets == 1)
    }

    @Test("IPv6 NAT, client side: packet too big relayed to the real server, ICMPv6 checksum valid")
    func ipv6NAT() throws {
        let vip = try #require(WireAddress("2001:db8:ff::1")).ipAddress
        let client = try #require(WireAddress("2001:db8:1::2")).ipAddress
        let server = try #require(WireAddress("2001:db8:2::2")).ipAddress
        let director = try Self.director(.masquerading, vip: vip, server: server)
        let interfaces = [
            NetworkInterface(
                name: "veth10", index: 2, mac: F.outsideMAC, mtu: 1500,
                addresses: [Prefix(address: try #require(WireAddress("2001:db8:1::1")).ipAddress, length: 64)]),
            NetworkInterface(
                name: "veth12", index: 3, mac: F.insideMAC, mtu: 1500,
                addresses: [Prefix(address: try #require(WireAddress("2001:db8:2::1")).ipAddress, length: 64)]),
        ]
        let routes = RouteTable.build(interfaces: interfaces, ipv4Routes: "", ipv6Routes: "")
        var forwarder = PacketForwarder(
            interfaces: interfaces, routes: routes, plan: ForwardingPlan(director.configuration))
        var neighbours = NeighbourCache()
        neighbours.learn(server, mac: F.serverMAC, now: MonotonicInstant(nanoseconds: 0))
        neighbours.learn(client, mac: F.clientMAC, now: MonotonicInstant(nanoseconds: 0))
        let syn = PacketBuilder.ethernet(source: F.clientMAC, destination: F.outsideMAC)
            .ipv6(source: "2001:db8:1::2", destination: "2001:db8:ff::1")
            .tcp(sourcePort: 40000, destinationPort: 8080, flags: [.syn]).build()
        let (first, _) = F.run(syn, ingress: 0, forwarder: &forwarder, director: director, neighbours: &neighbours)
        #expect(first == .transmit(interface: 1))
        let quote = PacketBuilder.ip.ipv6(source: "2001:db8:ff::1", destination: "2001:db8:1::2")
            .tcp(sourcePort: 8080, destinationPort: 40000, flags: [.syn, .ack]).build()
        let input = PacketBuilder.ethernet(source: F.clientMAC, destination: F.outsideMAC)
            .ipv6(source: "2001:db8:1::2", destination: "2001:db8:ff::1")
            .icmp(type: 2, restOfHeader: 1400).payload(quote).build()
        let (action, out) = F.run(
            input, ingress: 0, forwarder: &forwarder, director: director, neighbours: &neighbours)
        #expect(action == .transmit(interface: 1))
        try Self.inspect(out) { _, packet, icmp, quoted in
            #expect(packet.source.ipAddress == client)
            #expect(packet.destination.ipAddress == server)
            #expect(packet.network.hopLimit == 63)
            #expect(icmp.type == 2 && icmp.reportedMTU == 1400)
            #expect(quoted.network.source.ipAddress == server)
            #expect(quoted.sourcePort == 80)
        }
    }

    /// The director's IP-in-IP copy of the client's SYN, as a router would quote it.
    static func tunnelError(dontFragment: Bool, type: UInt8 = 3, code: UInt8 = 4, mtu: UInt32 = 1400) -> [UInt8] {
        let inner = PacketBuilder.ip.ipv4(
            source: "10.0.0.2", destination: "207.175.44.110", ttl: 63, dontFragment: dontFragment
        )
        .tcp(sourcePort: 40000, destinationPort: 8080, flags: [.syn]).build()
        let outer = PacketBuilder.ip.ipv4(source: "172.16.0.1", destination: "172.16.0.2", ttl: 63)
            .rawProtocol(4).payload(inner).build()
        return Self.error(
            from: "172.16.0.2", to: "172.16.0.1", type: type, code: code, rest: mtu, quoting: outer,
            sourceMAC: F.serverMAC, destinationMAC: F.insideMAC)
    }

    @Test("tunnel: fragmentation needed becomes fragmentation needed to the client from the VIP, MTU − 20")
    func tunnelFragmentationNeeded() throws {
        let director = try Self.director(.tunnelling)
        var forwarder = F.forwarder(plan: ForwardingPlan(director.configuration))
        Self.connect(&forwarder, director)
        let (action, out) = Self.run(Self.tunnelError(dontFragment: true), ingress: 1, &forwarder, director)
        #expect(action == .reply(interface: 0))
        #expect(Array(out[0..<6]) == [0x02, 0, 0, 0, 0, 0x02])
        try Self.inspect(out) { _, packet, icmp, quoted in
            #expect(packet.source.ipAddress == F.vip)
            #expect(packet.destination.ipAddress == F.client)
            #expect(icmp.type == 3 && icmp.code == 4)
            #expect(icmp.reportedMTU == 1380)
            #expect(quoted.network.source.ipAddress == F.client)
            #expect(quoted.network.destination.ipAddress == F.vip)
            #expect(quoted.destinationPort == 8080)
        }
        #expect(forwarder.counters.icmpRelayed == 1)
        #expect(director.services.values.first?.stats.outPackets == 1)
        // Without DF the client does no path MTU discovery: nothing is sent.
        #expect(Self.run(Self.tunnelError(dontFragment: false), ingress: 1, &forwarder, director).0 == .ignore)
        // Other errors keep their type and code.
        let (exceeded, message) = Self.run(
            Self.tunnelError(dontFragment: false, type: 11, code: 0, mtu: 0), ingress: 1, &forwarder, director)
        #expect(exceeded == .reply(interface: 0))
        try Self.inspect(message) { _, _, icmp, _ in
            #expect(icmp.type == 11 && icmp.code == 0)
        }
        // A reported MTU too small to subtract from is passed on as it is.
        let (small, tiny) = Self.run(
            Self.tunnelError(dontFragment: true, mtu: 80), ingress: 1, &forwarder, director)
        #expect(small == .reply(interface: 0))
        try Self.inspect(tiny) { _, _, icmp, _ in
            #expect(icmp.reportedMTU == 80)
        }
    }

    @Test("ICMP errors quoting random bytes never trap and are all accounted for")
    func fuzz() throws {
        let director = try Self.director(.masquerading)
        var forwarder = F.forwarder(plan: ForwardingPlan(director.configuration))
        Self.connect(&forwarder, director)
        var generator = SplitMix64(seed: 7)
        let seeds = [
            Self.error(from: "10.0.0.2", to: "207.175.44.110", quoting: Self.replyToClient),
            Self.tunnelError(dontFragment: true),
        ]
        for round in 0..<3_000 {
            var bytes: [UInt8]
            switch round % 3 {
            case 0:
                let quote = (0..<Int(generator.next() % 80)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                bytes = Self.error(
                    from: "10.0.0.2", to: "207.175.44.110", type: round % 2 == 0 ? 3 : 11, quoting: quote)
            case 1:
                bytes = seeds[round % 2]
                for _ in 0..<3 {
                    let index = 14 + 28 + Int(generator.next() % UInt64(bytes.count - 42))
                    bytes[index] = UInt8(truncatingIfNeeded: generator.next())
                }
                // A valid ICMP checksum, so the damaged quote reaches the relay.
                bytes[36] = 0
                bytes[37] = 0
                let checksum = InternetChecksum.checksum(bytes[34...])
                bytes[36] = UInt8(checksum >> 8)
                bytes[37] = UInt8(truncatingIfNeeded: checksum)
            default:
                bytes = seeds[round % 2]
                bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count + 1))))
            }
            _ = Self.run(bytes, ingress: Int(generator.next() % 2), &forwarder, director)
        }
        let c = forwarder.counters
        #expect(c.received == 3_001)
        #expect(c[.icmpUnrelated] > 0)
        #expect(c.forwardedInbound + c.forwardedOutbound + c.icmpRelayed + c.ignored + c.dropped == c.received)
    }
}
