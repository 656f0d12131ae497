import LVSPacket
import Testing

@Suite struct NATRewriteTests {
    enum Kind: CaseIterable { case tcp, udp, udpZero, icmpEcho }

    /// One random flow, built as the builder would (full checksums).
    struct Flow {
        var ipv6: Bool
        var kind: Kind
        var source: WireAddress
        var destination: WireAddress
        var sourcePort: UInt16
        var destinationPort: UInt16
        var ttl: UInt8
        var payload: [UInt8]
        var sequence: UInt32

        func frame() -> [UInt8] {
            var builder = PacketBuilder.ethernet()
            builder =
                ipv6
                ? builder.ipv6(source: source, destination: destination, hopLimit: ttl)
                : builder.ipv4(
                    source: source, destination: destination, ttl: ttl,
                    identification: UInt16(truncatingIfNeeded: sequence))
            switch kind {
            case .tcp:
                builder = builder.tcp(
                    sourcePort: sourcePort, destinationPort: destinationPort, flags: [.ack, .psh], sequence: sequence)
            case .udp: builder = builder.udp(sourcePort: sourcePort, destinationPort: destinationPort)
            case .udpZero:
                builder = builder.udp(sourcePort: sourcePort, destinationPort: destinationPort, checksum: .zero)
            case .icmpEcho: builder = builder.echoRequest(identifier: sourcePort, sequence: destinationPort)
            }
            return builder.payload(payload).build()
        }
    }

    static func randomFlow(_ random: inout TestRandom) -> Flow {
        let ipv6 = Bool.random(using: &random)
        var kind = Kind.allCases.randomElement(using: &random) ?? .tcp
        if ipv6 && kind == .udpZero { kind = .udp }
        return Flow(
            ipv6: ipv6, kind: kind, source: ipv6 ? random.ipv6() : random.ipv4(),
            destination: ipv6 ? random.ipv6() : random.ipv4(),
            sourcePort: UInt16.random(in: 0...UInt16.max, using: &random),
            destinationPort: UInt16.random(in: 0...UInt16.max, using: &random),
            ttl: UInt8.random(in: 2...255, using: &random),
            payload: random.bytes(Int.random(in: 0...129, using: &random)),
            sequence: UInt32.random(in: 0...UInt32.max, using: &random))
    }

    /// 10 000 random packets: rewriting in place with RFC 1624 updates gives exactly the bytes of
    /// the packet built from scratch with full RFC 1071 checksums.
    @Test func incrementalEqualsFullRecomputeOnRandomPackets() throws {
        var random = TestRandom(seed: 0x1624)
        var checked = [Kind: Int]()
        for _ in 0..<10_000 {
            let flow = Self.randomFlow(&random)
            let dnat = Bool.random(using: &random)
            let newAddress = flow.ipv6 ? random.ipv6() : random.ipv4()
            let newPort = UInt16.random(in: 0...UInt16.max, using: &random)
            var expected = flow
            if dnat {
                expected.destination = newAddress
                if flow.kind != .icmpEcho { expected.destinationPort = newPort }
            } else {
                expected.source = newAddress
                if flow.kind != .icmpEcho { expected.sourcePort = newPort }
            }
            let rewritten = try withParsed(flow.frame()) { (buffer, frame) throws(PacketError) in
                guard var packet = frame.packet else { throw .unsupportedProtocol }
                try NATRewrite.rewrite(
                    dnat ? .destination : .source, in: buffer, packet: &packet, address: newAddress, port: newPort)
                // The parsed description follows the rewrite.
                #expect((dnat ? packet.destination : packet.source) == newAddress)
                return buffer.bytes
            }
            let reference = expected.frame()
            #expect(rewritten == reference, "\(flow.kind) ipv6=\(flow.ipv6) dnat=\(dnat)")
            if rewritten != reference { return }
            checked[flow.kind, default: 0] += 1
        }
        #expect(checked.values.reduce(0, +) == 10_000)
        #expect(Kind.allCases.allSatisfy { (checked[$0] ?? 0) > 1000 })
    }

    @Test func udpZeroChecksumStaysZeroAndComputedZeroBecomesFFFF() throws {
        // IPv4 UDP without checksum: rewrite leaves 0.
        let zero = PacketBuilder.ethernet().ipv4(source: client4, destination: vip4)
            .udp(sourcePort: 1000, destinationPort: 53, checksum: .zero).payload([1, 2, 3, 4]).build()
        let after = try withParsed(zero) { (buffer, frame) throws(PacketError) in
            guard var packet = frame.packet else { throw .unsupportedProtocol }
            try NATRewrite.rewriteDestination(
                in: buffer, packet: &packet, address: WireAddress(ipv4: 0x0A00_0005), port: 5353)
            return buffer.bytes
        }
        #expect(after[40] == 0 && after[41] == 0)
        // Find a payload whose rewritten checksum computes to 0 and check it is sent as 0xFFFF.
        var found = false
        for word in 0...UInt16.max {
            let frame = PacketBuilder.ethernet().ipv4(source: client4, destination: vip4)
                .udp(sourcePort: 1000, destinationPort: 53).payload([UInt8(word >> 8), UInt8(word & 0xFF)]).build()
            let rewritten = try withParsed(frame) { (buffer, parsed) throws(PacketError) in
                guard var packet = parsed.packet else { throw .unsupportedProtocol }
                try NATRewrite.rewriteDestination(
                    in: buffer, packet: &packet, address: WireAddress(ipv4: 0x0A00_0005), port: 53)
                return buffer.bytes
            }
            if rewritten[40] == 0xFF && rewritten[41] == 0xFF {
                found = true
                #expect(checksumsValid(rewritten))
                break
            }
        }
        #expect(found)
    }

    @Test func refusesFragmentsAndFamilyMismatch() throws {
        let fragment = PacketBuilder.ethernet().ipv4(source: client4, destination: vip4, moreFragments: true)
            .udp(sourcePort: 1, destinationPort: 2).payload([0, 0, 0, 0, 0, 0, 0, 0]).build()
        #expect(throws: PacketError.fragmented) {
            try withParsed(fragment) { (buffer, frame) throws(PacketError) in
                guard var packet = frame.packet else { throw .unsupportedProtocol }
                try NATRewrite.rewriteDestination(in: buffer, packet: &packet, address: WireAddress(ipv4: 1), port: 1)
            }
        }
        #expect(throws: PacketError.addressFamilyMismatch) {
            try withParsed(fragment) { (buffer, frame) throws(PacketError) in
                guard var packet = frame.packet else { throw .unsupportedProtocol }
                try NATRewrite.rewriteDestination(
                    in: buffer, packet: &packet, address: WireAddress(ipv6High: 1, low: 1), port: 1)
            }
        }
    }

    @Test func ttlDecrement() throws {
        for ttl in [UInt8(2), 64, 255] {
            let frame = PacketBuilder.ethernet().ipv4(source: client4, destination: vip4, ttl: ttl)
                .tcp(sourcePort: 1, destinationPort: 2).build()
            let after = try withParsed(frame) { (buffer, parsed) throws(PacketError) in
                guard var packet = parsed.packet else { throw .unsupportedProtocol }
                try NATRewrite.decrementHopLimit(in: buffer, network: &packet.network)
                #expect(packet.network.hopLimit == ttl - 1)
                return buffer.bytes
            }
            let expected = PacketBuilder.ethernet().ipv4(source: client4, destination: vip4, ttl: ttl - 1)
                .tcp(sourcePort: 1, destinationPort: 2).build()
            #expect(after == expected)
        }
        for ttl in [UInt8(0), 1] {
            let frame = PacketBuilder.ethernet().ipv6(source: client6, destination: vip6, hopLimit: ttl)
                .tcp(sourcePort: 1, destinationPort: 2).build()
            #expect(throws: PacketError.ttlExpired) {
                try withParsed(frame) { (buffer, parsed) throws(PacketError) in
                    guard var packet = parsed.packet else { throw .unsupportedProtocol }
                    try NATRewrite.decrementHopLimit(in: buffer, network: &packet.network)
                }
            }
        }
    }

    @Test func icmpErrorRelayRewritesQuotedPacket() throws {
        // RS-side error about an RS→client reply (NAT outbound, reference §5.6): outer source → VIP,
        // quoted source → VIP:vport.
        let inner = PacketBuilder.ip.ipv4(source: rs4, destination: client4).tcp(
            sourcePort: 8080, destinationPort: 40000
        )
        .payload([UInt8](repeating: 5, count: 30)).build()
        let frame = PacketBuilder.ethernet().ipv4(source: rs4, destination: client4).icmp(type: 3, code: 3)
            .payload(Array(inner.prefix(48))).build()
        let vip = try #require(WireAddress(vip4))
        let after = try withParsed(frame) { (buffer, parsed) throws(PacketError) in
            guard var packet = parsed.packet else { throw .unsupportedProtocol }
            try NATRewrite.rewriteAddressOnly(.source, in: buffer, network: &packet.network, address: vip)
            try NATRewrite.rewriteQuoted(.source, in: buffer, packet: &packet, address: vip, port: 80)
            return buffer.bytes
        }
        let relayedInner = try PacketBuffer.withCopy(of: inner) { (buffer) throws(PacketError) in
            // Same rewrite applied to the whole inner packet, for its bytes (its own checksums aside).
            try buffer.setU32(vip.ipv4Value, at: 12)
            try buffer.setU16(80, at: 20)
            return buffer.bytes
        }
        let packet = try #require(try parseResult(after).get().packet)
        #expect(packet.source == vip)
        #expect(packet.quoted?.network.source == vip)
        #expect(packet.quoted?.sourcePort == 80)
        #expect(checksumsValid(after))
        // Quoted IPv4 header checksum stays valid.
        let quotedHeader = Array(after[(14 + 28)..<(14 + 48)])
        #expect(InternetChecksum.fold(InternetChecksum.sum(quotedHeader)) == 0xFFFF)
        #expect(Array(after[(14 + 28 + 20)..<(14 + 28 + 22)]) == Array(relayedInner[20..<22]))
    }

    @Test func macRewrite() throws {
        let frame = PacketBuilder.ethernet().ipv4(source: client4, destination: vip4).tcp(
            sourcePort: 1, destinationPort: 80
        ).build()
        let rs = MACAddress(0x02, 0x11, 0x22, 0x33, 0x44, 0x55)
        let ours = MACAddress(0x02, 0x99, 0, 0, 0, 1)
        let after = try withParsed(frame) { (buffer, _) throws(PacketError) in
            try EthernetHeader.setDestination(rs, in: buffer)
            try EthernetHeader.setSource(ours, in: buffer)
            return buffer.bytes
        }
        #expect(Array(after[0..<12]) == [0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x02, 0x99, 0, 0, 0, 1])
        #expect(Array(after[12...]) == Array(frame[12...]))
    }
}
