import LVSPacket
import Testing

@Suite struct TunnelTests {
    static let director4 = WireAddress(ipv4: 0xC633_6402)  // 198.51.100.2
    static let realServer4 = WireAddress(ipv4: 0x0A00_0005)
    static let director6 = WireAddress("2001:db8:100::2") ?? WireAddress(ipv6High: 0, low: 0)
    static let realServer6 = WireAddress("2001:db8:2::5") ?? WireAddress(ipv6High: 0, low: 0)

    /// Encapsulates the bare IP packet `inner`; returns the bytes and how far the frame start moved.
    func encapsulate(
        _ inner: [UInt8], outer: Tunnel.Endpoints, id: inout UInt16, pmtu: Bool = true
    ) throws(PacketError) -> (bytes: [UInt8], moved: Int) {
        try PacketBuffer.withCopy(of: inner, headroom: 64) { (buffer) throws(PacketError) in
            let packet = try ParsedPacket.parse(buffer, at: 0, end: buffer.count)
            let before = buffer.start
            try Tunnel.encapsulate(
                &buffer, inner: packet.network, endpoints: outer, identification: &id, pathMTUDiscovery: pmtu)
            return (buffer.bytes, before - buffer.start)
        }
    }

    @Test func ipv4InIPv4CopiesTTLDSCPDFAndMapsCE() throws {
        // DSCP 46 (EF) with ECN CE.
        let inner = PacketBuilder.ip.ipv4(source: client4, destination: vip4, ttl: 17, tos: 0xBB, dontFragment: true)
            .tcp(sourcePort: 40000, destinationPort: 80).payload([1, 2, 3]).build()
        var id: UInt16 = 0xFFFF
        let result = try encapsulate(
            inner, outer: .init(source: Self.director4, destination: Self.realServer4), id: &id)
        #expect(result.moved == 20)  // written into the headroom; the inner packet did not move
        #expect(id == 0)  // counter advanced (wrapping)
        let expected = PacketBuilder.ip.ipv4(
            source: Self.director4, destination: Self.realServer4, ttl: 17, tos: 0xBA, identification: 0xFFFF,
            dontFragment: true
        ).rawProtocol(IPProtocolNumbers.ipip).payload(inner).build()
        #expect(hex(result.bytes) == hex(expected))
    }

    @Test func ecnRule() {
        #expect(Tunnel.outerTrafficClass(inner: 0xB8) == 0xB8)  // not-ECT
        #expect(Tunnel.outerTrafficClass(inner: 0xB9) == 0xB9)  // ECT(1)
        #expect(Tunnel.outerTrafficClass(inner: 0xBA) == 0xBA)  // ECT(0)
        #expect(Tunnel.outerTrafficClass(inner: 0xBB) == 0xBA)  // CE → ECT(0)
        #expect(Tunnel.outerTrafficClass(inner: 0x03) == 0x02)
    }

    @Test func dfOnlyWithPathMTUDiscovery() throws {
        let inner = PacketBuilder.ip.ipv4(source: client4, destination: vip4, dontFragment: true)
            .udp(sourcePort: 1, destinationPort: 2).build()
        var id: UInt16 = 7
        let off = try encapsulate(
            inner, outer: .init(source: Self.director4, destination: Self.realServer4), id: &id, pmtu: false)
        #expect(off.bytes[6] & 0x40 == 0)
        let noDF = PacketBuilder.ip.ipv4(source: client4, destination: vip4).udp(sourcePort: 1, destinationPort: 2)
            .build()
        let copied = try encapsulate(noDF, outer: .init(source: Self.director4, destination: Self.realServer4), id: &id)
        #expect(copied.bytes[6] & 0x40 == 0)
        #expect(copied.bytes[4] == 0 && copied.bytes[5] == 8)
    }

    @Test func ipv6InIPv4UsesProtocol41() throws {
        let inner = PacketBuilder.ip.ipv6(source: client6, destination: vip6, hopLimit: 33, trafficClass: 0x2B)
            .udp(sourcePort: 1, destinationPort: 2).build()
        var id: UInt16 = 1
        let result = try encapsulate(
            inner, outer: .init(source: Self.director4, destination: Self.realServer4), id: &id)
        let expected = PacketBuilder.ip.ipv4(
            source: Self.director4, destination: Self.realServer4, ttl: 33, tos: 0x2A, identification: 1,
            dontFragment: true
        ).rawProtocol(IPProtocolNumbers.ipv6).payload(inner).build()
        #expect(result.bytes == expected)
    }

    @Test func ipv6AndIPv4InIPv6() throws {
        var id: UInt16 = 0
        let inner6 = PacketBuilder.ip.ipv6(source: client6, destination: vip6, hopLimit: 5, trafficClass: 0xFF)
            .tcp(sourcePort: 1, destinationPort: 2).build()
        let result6 = try encapsulate(
            inner6, outer: .init(source: Self.director6, destination: Self.realServer6), id: &id)
        #expect(result6.moved == 40)
        let expected6 = PacketBuilder.ip.ipv6(
            source: Self.director6, destination: Self.realServer6, hopLimit: 5, trafficClass: 0xFE
        )
        .rawProtocol(IPProtocolNumbers.ipv6).payload(inner6).build()
        #expect(result6.bytes == expected6)
        let inner4 = PacketBuilder.ip.ipv4(source: client4, destination: vip4, ttl: 9, tos: 0x10)
            .tcp(sourcePort: 1, destinationPort: 2).build()
        let result4 = try encapsulate(
            inner4, outer: .init(source: Self.director6, destination: Self.realServer6), id: &id)
        let expected4 = PacketBuilder.ip.ipv6(
            source: Self.director6, destination: Self.realServer6, hopLimit: 9, trafficClass: 0x10
        )
        .rawProtocol(IPProtocolNumbers.ipip).payload(inner4).build()
        #expect(result4.bytes == expected4)
        #expect(id == 0)  // IPv6 outer headers carry no ID
    }

    @Test func decapsulationRoundTrips() throws {
        var random = TestRandom(seed: 41)
        var id: UInt16 = 0
        for round in 0..<200 {
            let inner =
                round % 2 == 0
                ? PacketBuilder.ip.ipv4(source: random.ipv4(), destination: random.ipv4()).udp(
                    sourcePort: 1, destinationPort: 2
                )
                .payload(random.bytes(round)).build()
                : PacketBuilder.ip.ipv6(source: random.ipv6(), destination: random.ipv6()).tcp(
                    sourcePort: 3, destinationPort: 4
                )
                .payload(random.bytes(round)).build()
            let outer: Tunnel.Endpoints =
                round % 4 < 2
                ? .init(source: Self.director4, destination: Self.realServer4)
                : .init(source: Self.director6, destination: Self.realServer6)
            let encapsulated = try encapsulate(inner, outer: outer, id: &id).bytes
            let decapsulated = try PacketBuffer.withCopy(of: encapsulated + [0, 0, 0]) { (buffer) throws(PacketError) in
                let result = try Tunnel.decapsulate(&buffer)
                #expect(result.outer.source == outer.source)
                #expect(result.inner.l3Length == inner.count)
                return buffer.bytes
            }
            #expect(decapsulated == inner)
        }
    }

    @Test func decapsulationRejects() throws {
        let plain = PacketBuilder.ip.ipv4(source: client4, destination: vip4).udp(sourcePort: 1, destinationPort: 2)
            .build()
        #expect(throws: PacketError.notATunnel) {
            try PacketBuffer.withCopy(of: plain) { (buffer) throws(PacketError) in _ = try Tunnel.decapsulate(&buffer) }
        }
        let mismatched = PacketBuilder.ip.ipv4(source: Self.director4, destination: Self.realServer4)
            .rawProtocol(IPProtocolNumbers.ipip)
            .payload(
                PacketBuilder.ip.ipv6(source: client6, destination: vip6).udp(sourcePort: 1, destinationPort: 2).build()
            )
            .build()
        #expect(throws: PacketError.badIPVersion) {
            try PacketBuffer.withCopy(of: mismatched) { (buffer) throws(PacketError) in
                _ = try Tunnel.decapsulate(&buffer)
            }
        }
        let empty = PacketBuilder.ip.ipv4(source: Self.director4, destination: Self.realServer4).rawProtocol(4).build()
        #expect(throws: PacketError.truncatedIPv4Header) {
            try PacketBuffer.withCopy(of: empty) { (buffer) throws(PacketError) in _ = try Tunnel.decapsulate(&buffer) }
        }
        var id: UInt16 = 0
        #expect(throws: PacketError.noHeadroom) {
            try PacketBuffer.withCopy(of: plain, headroom: 10) { (buffer) throws(PacketError) in
                let packet = try ParsedPacket.parse(buffer, at: 0, end: buffer.count)
                try Tunnel.encapsulate(
                    &buffer, inner: packet.network,
                    endpoints: .init(source: Self.director4, destination: Self.realServer4),
                    identification: &id)
            }
        }
    }
}
