import LVSCore
import LVSPacket
import Testing

@testable import LVSPacketEngine

/// Firewall-mark services without sockets: the nfnetlink_log messages the engine reads, the
/// plan and nftables rules that send marked packets there, and the forwarder's handling of a
/// logged packet (its mark, a partial checksum, an aggregate, a corrupted checksum).
@Suite("firewall-mark services: log messages, plan, rules, forwarding")
struct FirewallMarkTests {
    static let vip = PacketForwarderTests.vip
    static let server = PacketForwarderTests.server

    // MARK: nfnetlink_log messages

    /// One netlink attribute in host order with its padding.
    static func attribute(_ type: UInt16, _ value: [UInt8]) -> [UInt8] {
        let length = 4 + value.count
        var bytes = withUnsafeBytes(of: UInt16(length)) { Array($0) } + withUnsafeBytes(of: type) { Array($0) }
        bytes += value
        bytes += [UInt8](repeating: 0, count: ((length + 3) & ~3) - length)
        return bytes
    }

    /// An NFULNL_MSG_PACKET message as the kernel writes it.
    static func packetMessage(mark: UInt32, interface: UInt32, mac: [UInt8]?, payload: [UInt8]) -> [UInt8] {
        var body: [UInt8] = [2, 0, 0x4C, 0x56]  // AF_INET, version 0, group 0x4C56
        body += attribute(1, [0x08, 0x00, 3, 0])  // hw_protocol 0x0800, hook PRE_ROUTING... (value 0/3 ignored)
        body += attribute(2, withUnsafeBytes(of: mark.bigEndian) { Array($0) })
        body += attribute(4, withUnsafeBytes(of: interface.bigEndian) { Array($0) })
        if let mac { body += attribute(8, [0, 6, 0, 0] + mac + [0, 0]) }
        body += attribute(0x8000 | 9, payload)  // NLA_F_NESTED-style high bits are masked off
        var header = withUnsafeBytes(of: UInt32(16 + body.count)) { Array($0) }
        header += withUnsafeBytes(of: UInt16(0x0400)) { Array($0) }
        header += [0, 0] + [UInt8](repeating: 0, count: 8)
        return header + body
    }

    @Test("a logged packet: mark, input interface, EtherType, sender MAC and the IP packet are read")
    func parsePacket() {
        let ip = Array(PacketForwarderTests.syn().dropFirst(14))
        let mac: [UInt8] = [2, 0, 0, 0, 0, 2]
        let datagram =
            Self.packetMessage(mark: 7, interface: 2, mac: mac, payload: ip)
            + Self.packetMessage(mark: 9, interface: 3, mac: nil, payload: [1, 2, 3])
        let parsed = datagram.withUnsafeBytes { NFLogMessage.parse($0) }
        #expect(parsed.packets.count == 2 && parsed.malformed == 0)
        let first = parsed.packets[0]
        #expect(first.mark == 7 && first.inputInterface == 2 && first.hardwareProtocol == 0x0800)
        #expect(first.sourceMAC == MACAddress(2, 0, 0, 0, 0, 2))
        #expect(Array(datagram[first.payload]) == ip)
        #expect(parsed.packets[1].mark == 9 && parsed.packets[1].sourceMAC == nil)
    }

    @Test("truncated, overlong and payload-less messages are counted as malformed, never trap")
    func malformed() {
        let good = Self.packetMessage(mark: 1, interface: 2, mac: nil, payload: [0x45, 0, 0, 20])
        for cut in 1..<good.count {
            let parsed = Array(good.prefix(cut)).withUnsafeBytes { NFLogMessage.parse($0) }
            #expect(parsed.packets.isEmpty)
        }
        var overlong = good
        overlong[0] = 0xFF
        #expect(overlong.withUnsafeBytes { NFLogMessage.parse($0) }.malformed == 1)
        var generator = SplitMix64(seed: 0x4C56)
        for _ in 0..<2000 {
            var bytes = good
            for _ in 0..<3 {
                bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
            _ = bytes.withUnsafeBytes { NFLogMessage.parse($0) }
        }
        let noPayload = Self.packetMessage(mark: 1, interface: 2, mac: nil, payload: []).prefix(16 + 4 + 8 + 8 + 8)
        var fixed = Array(noPayload)
        fixed.replaceSubrange(0..<4, with: withUnsafeBytes(of: UInt32(fixed.count)) { Array($0) })
        #expect(fixed.withUnsafeBytes { NFLogMessage.parse($0) }.malformed == 1)
    }

    @Test("an acknowledgement and an error are told apart; config requests carry the group and the copy mode")
    func configuration() {
        var ack = withUnsafeBytes(of: UInt32(36)) { Array($0) } + [2, 0, 0, 0] + [UInt8](repeating: 0, count: 8)
        ack += withUnsafeBytes(of: Int32(-16)) { Array($0) } + [UInt8](repeating: 0, count: 16)
        #expect(ack.withUnsafeBytes { NFLogMessage.parse($0) }.errors == [-16])
        let bind = NFLogMessage.configRequest(group: 0x4C56, sequence: 1, command: .bind)
        // Header: length, type NFNL_SUBSYS_ULOG<<8|CONFIG, flags REQUEST|ACK.
        #expect(bind.count == 16 + 4 + 8)
        #expect(bind[4] == 0x01 && bind[5] == 0x04 && bind[6] == 0x05)
        #expect(Array(bind[16..<20]) == [0, 0, 0x4C, 0x56])
        #expect(Array(bind[20..<25]) == [5, 0, 1, 0, 1])
        let mode = NFLogMessage.configRequest(group: 1, sequence: 2, command: nil)
        // NFULA_CFG_MODE: length 10, type 2, copy_range 0xFFFF big-endian, NFULNL_COPY_PACKET.
        #expect(Array(mode[20..<30]) == [10, 0, 2, 0, 0, 0, 0xFF, 0xFF, 2, 0])
    }

    // MARK: Plan and rules

    static func model() throws -> ConfigurationModel {
        var model = ConfigurationModel(knownSchedulers: ["rr"])
        let four = VirtualServiceID(firewallMark: 1, family: .inet)
        let six = VirtualServiceID(firewallMark: 2, family: .inet6)
        let proxied = VirtualServiceID(firewallMark: 3, family: .inet)
        try model.apply(.addService(VirtualServiceConfig(id: four, scheduler: "rr")))
        try model.apply(.addRealServer(four, RealServerConfig(address: server, port: 0, forwarding: .masquerading)))
        try model.apply(.addService(VirtualServiceConfig(id: six, scheduler: "rr")))
        let server6 = IPAddress(ipv6High: 0xFD00_0172_0000_0000, low: 2)
        try model.apply(.addRealServer(six, RealServerConfig(address: server6, port: 0, forwarding: .directRouting)))
        try model.apply(.addService(VirtualServiceConfig(id: proxied, scheduler: "rr")))
        return model
    }

    @Test("the plan holds the marks with packet-engine real servers; a NAT server's TCP and UDP replies are owned")
    func plan() throws {
        let plan = ForwardingPlan(try Self.model())
        #expect(plan.markedServices == [.init(mark: 1, family: .inet), .init(mark: 2, family: .inet6)])
        #expect(plan.services.isEmpty)
        #expect(plan.natSources.map(\.protocolNumber) == [.tcp, .udp])
        #expect(plan.natSources.allSatisfy { $0.address == Self.server && $0.port == 0 })
        #expect(plan.realServers.count == 2)
    }

    @Test("nftables: per family, marked TCP/UDP to a local address is logged to the group and dropped after mangle")
    func rules() throws {
        let vip6 = IPAddress(ipv6High: 0x2001_0DB8_0044_0000, low: 0x110)
        let plan = ForwardingPlan(try Self.model(), standbyAddresses: [vip6])
        let ruleset = NFTablesRuleset(table: "lvsd", interfaces: [("veth10", 2)], plan: plan, logGroup: 77)
        #expect(
            ruleset.markedRules == [
                "meta nfproto ipv4 meta mark { 1 } meta l4proto { tcp, udp } fib daddr type local log group 77 drop",
                "meta nfproto ipv6 meta mark { 2 } meta l4proto { tcp, udp } fib daddr type local "
                    + "ip6 daddr != { 2001:db8:44::110 } log group 77 drop",
            ])
        let script = ruleset.script
        #expect(script.contains("  chain marked {\n    type filter hook prerouting priority -140; policy accept;\n"))
        #expect(!script.contains("local_replies"))
        let none = NFTablesRuleset(table: "lvsd", interfaces: [("veth10", 2)], plan: ForwardingPlan())
        #expect(!none.script.contains("chain marked"))
    }

    // MARK: Forwarding a logged packet

    static func director() throws -> Director {
        let director = Director(seed: 1)
        let id = VirtualServiceID(firewallMark: 1, family: .inet)
        try director.apply(
            batch: [
                .addService(VirtualServiceConfig(id: id, scheduler: "rr")),
                .addRealServer(id, RealServerConfig(address: server, port: 0, forwarding: .masquerading)),
            ], now: MonotonicInstant(nanoseconds: 0))
        return director
    }

    /// Forwards `bytes` as a logged packet with `mark`; the action and the frame sent.
    static func run(_ bytes: [UInt8], mark: UInt32, mtu: Int = 1500) throws -> (ForwardAction, [UInt8], PacketForwarder)
    {
        var forwarder = PacketForwarderTests.forwarder(plan: ForwardingPlan(try model()), mtu: mtu)
        var neighbours = PacketForwarderTests.knownNeighbours()
        let director = try director()
        let scratchMemory = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
        defer { scratchMemory.deallocate() }
        var scratch = PacketBuffer(storage: scratchMemory, start: 64, count: 0)
        let (action, frame) = PacketBuffer.withCopy(of: bytes, headroom: 64) { frame in
            let action = forwarder.forwardMarked(
                &frame, ingress: 0, mark: mark, decider: director, neighbours: &neighbours,
                now: MonotonicInstant(nanoseconds: 1_000), scratch: &scratch)
            return (action, frame.bytes)
        }
        return (action, frame, forwarder)
    }

    static func segment(port: UInt16 = 8081, payload: Int = 0) -> [UInt8] {
        PacketBuilder.ethernet(source: PacketForwarderTests.clientMAC, destination: PacketForwarderTests.outsideMAC)
            .ipv4(source: "10.0.0.2", destination: "207.175.44.110")
            .tcp(sourcePort: 40000, destinationPort: port, flags: [.syn])
            .payload([UInt8](repeating: 0x5A, count: payload)).build()
    }

    @Test("a marked SYN to any port is scheduled by its mark and masqueraded to the real server, port kept")
    func markedSYN() throws {
        let (action, frame, forwarder) = try Self.run(Self.segment(), mark: 1)
        #expect(action == .transmit(interface: 1))
        let target = PacketBuffer.withCopy(of: frame, headroom: 0) { buffer -> (IPAddress, UInt16)? in
            guard let parsed = try? parseFrame(buffer), case .ip(let packet) = parsed.payload else { return nil }
            return (packet.destination.ipAddress, packet.destinationPort)
        }
        #expect(target?.0 == Self.server && target?.1 == 8081)
        #expect(forwarder.counters.markedReceived == 1 && forwarder.counters.dropped == 0)
        // Another mark is no service: nothing is scheduled.
        let (other, _, _) = try Self.run(Self.segment(), mark: 5)
        #expect(other == .drop(.noConnection))
    }

    /// A segment whose checksum field holds only the pseudo-header sum, as a sender with
    /// checksum offload (or GRO) leaves it.
    static func partialSegment(payload: Int) -> [UInt8] {
        var bytes = segment(payload: payload)
        let l4 = 14 + 20
        let pseudo = InternetChecksum.fold(
            InternetChecksum.pseudoHeaderSum(
                source: client4.wireAddress, destination: vip.wireAddress, protocolNumber: 6, length: bytes.count - l4))
        bytes[l4 + 16] = UInt8(pseudo >> 8)
        bytes[l4 + 17] = UInt8(pseudo & 0xFF)
        return bytes
    }

    @Test("a partial checksum (pseudo-header sum only) is completed; a corrupted one is dropped and counted")
    func checksums() throws {
        let l4 = 14 + 20
        let (action, frame, _) = try Self.run(Self.partialSegment(payload: 100), mark: 1)
        #expect(action == .transmit(interface: 1))
        let valid = PacketBuffer.withCopy(of: frame, headroom: 0) { buffer -> Bool in
            guard let parsed = try? parseFrame(buffer), case .ip(let packet) = parsed.payload else { return false }
            return TransportChecksum.isValid(in: buffer, packet: packet)
        }
        #expect(valid)
        var corrupted = Self.segment(payload: 100)
        corrupted[l4 + 16] ^= 0x5A
        let (dropped, _, forwarder) = try Self.run(corrupted, mark: 1)
        #expect(dropped == .drop(.badChecksum) && forwarder.counters[.badChecksum] == 1)
    }

    @Test("a packet longer than the ingress MTU (a GRO aggregate) is sent as MTU-sized segments")
    func aggregate() throws {
        let (action, _, forwarder) = try Self.run(Self.partialSegment(payload: 4000), mark: 1)
        // 1500 − 20 − 20 = 1460 bytes a segment: 4000 bytes in 3.
        #expect(action == .transmitSegments(interface: 1, count: 3))
        #expect(forwarder.counters.aggregatesReceived == 1 && forwarder.counters.segmentsWritten == 3)
    }

    static let client4 = IPAddress(ipv4: 0x0A00_0002)
}
