import LVSPacket
import Testing

@Suite struct ParsingTests {
    /// A TCP SYN with an MSS option, its checksums computed by hand (RFC 1071: 16-bit one's-complement
    /// sum of pseudo-header and segment, folded, complemented): IP header 0xa2bf, TCP 0x0f56.
    static let synFrame =
        "020000000002 020000000001 0800"
        + "4500002c abcd 4000 4006 a2bf c0000201 c633640a"
        + "9c40 0050 00000001 00000000 6002 ffff 0f56 0000 020405b4"

    @Test func knownAnswerTCPSyn() throws {
        let frame = try #require(bytes(hex: Self.synFrame))
        let built = PacketBuilder.ethernet()
            .ipv4(source: "192.0.2.1", destination: "198.51.100.10", identification: 0xABCD, dontFragment: true)
            .tcp(sourcePort: 40000, destinationPort: 80, flags: .syn, sequence: 1, options: [2, 4, 0x05, 0xB4])
            .build()
        #expect(hex(built) == hex(frame))
        let parsed = try #require(try? parseResult(frame).get())
        let packet = try #require(parsed.packet)
        #expect(parsed.ethernet.etherType == EtherType.ipv4)
        #expect(parsed.l3Offset == 14)
        #expect(packet.l4Offset == 34)
        #expect(packet.protocolNumber == 6)
        #expect(packet.source == WireAddress("192.0.2.1"))
        #expect(packet.destination == WireAddress("198.51.100.10"))
        #expect(packet.sourcePort == 40000 && packet.destinationPort == 80)
        #expect(packet.tcpFlags == .syn)
        #expect(packet.l3Length == 44)
        #expect(packet.payloadOffset == 58)
        #expect(packet.payloadLength == 0)
        guard case .tcp(let tcp) = packet.transport else { Issue.record("not tcp"); return }
        #expect(tcp.headerLength == 24)
        #expect(tcp.checksum == 0x0F56)
        guard case .ipv4(let ip) = packet.network else { Issue.record("not ipv4"); return }
        #expect(ip.checksum == 0xA2BF)
        #expect(ip.dontFragment && !ip.moreFragments && ip.identification == 0xABCD && ip.ttl == 64)
        #expect(checksumsValid(frame))
    }

    @Test func knownAnswerRFC1071() throws {
        // RFC 1071 §3 example: the words 0001 f203 f4f5 f6f7 sum to ddf2; the checksum is its complement.
        #expect(InternetChecksum.checksum([0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7]) == 0x220D)
        // The widely published IPv4 header example (UDP, 192.168.0.1 → 192.168.0.199): b861.
        let header = try #require(bytes(hex: "4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7"))
        #expect(InternetChecksum.checksum(header) == 0xB861)
        // An odd byte count pads with a zero byte.
        #expect(InternetChecksum.checksum([0x01]) == ~UInt16(0x0100))
    }

    @Test func vlanTaggedFrame() throws {
        let frame = PacketBuilder.ethernet(vlanTag: 0x2064).ipv4(source: client4, destination: vip4)
            .udp(sourcePort: 5353, destinationPort: 53).payload([1, 2, 3]).build()
        let parsed = try parseResult(frame).get()
        #expect(parsed.ethernet.vlanTag == 0x2064)
        #expect(parsed.ethernet.vlanID == 0x064)
        #expect(parsed.l3Offset == 18)
        #expect(parsed.packet?.l4Offset == 38)
        #expect(parsed.packet?.destinationPort == 53)
        #expect(parsed.packet?.payloadLength == 3)
        #expect(checksumsValid(frame))
    }

    @Test func ethernetRoundTrip() throws {
        let header = EthernetHeader(
            destination: MACAddress(1, 2, 3, 4, 5, 6), source: MACAddress(7, 8, 9, 10, 11, 12), vlanTag: 7,
            etherType: EtherType.ipv6)
        let parsed = try PacketBuffer.withCopy(of: [UInt8](repeating: 0, count: 18)) {
            (buffer) throws(PacketError) in
            try header.write(to: buffer)
            return try EthernetHeader.parse(buffer)
        }
        #expect(parsed == header)
    }

    @Test func ipv4OptionsAndPadding() throws {
        let frame = PacketBuilder.ethernet().ipv4(source: client4, destination: vip4, options: [1, 1, 1, 0])
            .udp(sourcePort: 1, destinationPort: 2).padToMinimumFrame().build()
        #expect(frame.count == 60)
        let packet = try #require(try parseResult(frame).get().packet)
        guard case .ipv4(let ip) = packet.network else { Issue.record("not ipv4"); return }
        #expect(ip.headerLength == 24)
        #expect(packet.l4Offset == 38)
        #expect(packet.l3Length == 32)
        #expect(checksumsValid(frame))
    }

    @Test func ipv4HeaderRoundTrip() throws {
        var header = IPv4Header(
            offset: 0, tos: 0xB8, totalLength: 20, identification: 7, dontFragment: false, moreFragments: true,
            fragmentOffset: 1480, ttl: 3, protocolNumber: 17, source: 0x0102_0304, destination: 0x0506_0708)
        let parsed = try PacketBuffer.withCopy(of: [UInt8](repeating: 0, count: 20)) {
            (buffer) throws(PacketError) in
            try header.write(to: buffer)
            return try IPv4Header.parse(buffer, at: 0, end: 20)
        }
        #expect(parsed == header)
        #expect(parsed.isFragment && parsed.isNonFirstFragment)
    }

    @Test func ipv4Validation() throws {
        var frame = PacketBuilder.ethernet().ipv4(source: client4, destination: vip4)
            .tcp(sourcePort: 1, destinationPort: 2).build()
        var bad = frame
        bad[14] = 0x44  // IHL 4
        #expect(parseResult(bad).failure == .badIPv4HeaderLength)
        bad = frame
        bad[14] = 0x4F  // IHL 15 > packet
        #expect(parseResult(bad).failure == .badIPv4HeaderLength)
        bad = frame
        bad[17] = 0xFF  // total length > frame
        #expect(parseResult(bad).failure == .badIPv4TotalLength)
        bad = frame
        bad[16] = 0; bad[17] = 10  // total length < header
        #expect(parseResult(bad).failure == .badIPv4TotalLength)
        bad = frame
        bad[24] ^= 0xFF  // header checksum
        #expect(parseResult(bad).failure == .badIPv4HeaderChecksum)
        bad = frame
        bad[14] = 0x65
        #expect(parseResult(bad).failure == .badIPVersion)
        frame.removeLast(2)
        #expect(parseResult(frame).failure == .badIPv4TotalLength)
        #expect(parseResult(Array(frame.prefix(20))).failure == .truncatedIPv4Header)
        #expect(parseResult(Array(frame.prefix(13))).failure == .truncatedEthernet)
    }

    @Test func ipv4Fragments() throws {
        let first = PacketBuilder.ethernet().ipv4(source: client4, destination: vip4, moreFragments: true)
            .udp(sourcePort: 9, destinationPort: 53).payload([UInt8](repeating: 7, count: 16)).build()
        let packet = try #require(try parseResult(first).get().packet)
        #expect(packet.network.isFragment && !packet.network.isNonFirstFragment)
        #expect(packet.destinationPort == 53)
        let later = PacketBuilder.ethernet().ipv4(source: client4, destination: vip4, fragmentOffset: 1480)
            .rawProtocol(17).payload([1, 2, 3, 4]).build()
        let laterPacket = try #require(try parseResult(later).get().packet)
        #expect(laterPacket.transport == .fragment)
        #expect(laterPacket.l4Offset == nil)
        #expect(laterPacket.protocolNumber == 17)
        #expect(laterPacket.sourcePort == 0)
    }

    @Test func transportValidation() throws {
        let tcp = PacketBuilder.ethernet().ipv4(source: client4, destination: vip4).tcp(
            sourcePort: 1, destinationPort: 2
        )
        .build()
        var bad = tcp
        bad[46] = 0x40  // data offset 4
        #expect(parseResult(bad).failure == .badTCPDataOffset)
        bad[46] = 0xF0  // data offset 15 > segment
        #expect(parseResult(bad).failure == .badTCPDataOffset)
        let udp = PacketBuilder.ethernet().ipv4(source: client4, destination: vip4).udp(
            sourcePort: 1, destinationPort: 2
        )
        .payload([1, 2]).build()
        bad = udp
        bad[39] = 4  // UDP length 4
        #expect(parseResult(bad).failure == .badUDPLength)
        bad[39] = 200
        #expect(parseResult(bad).failure == .badUDPLength)
        let short = PacketBuilder.ethernet().ipv4(source: client4, destination: vip4).rawProtocol(6)
            .payload([1, 2, 3]).build()
        #expect(parseResult(short).failure == .truncatedTCPHeader)
        let shortUDP = PacketBuilder.ethernet().ipv4(source: client4, destination: vip4).rawProtocol(17)
            .payload([1, 2, 3]).build()
        #expect(parseResult(shortUDP).failure == .truncatedUDPHeader)
        let shortICMP = PacketBuilder.ethernet().ipv4(source: client4, destination: vip4).rawProtocol(1)
            .payload([3, 4]).build()
        #expect(parseResult(shortICMP).failure == .truncatedICMPHeader)
    }

    @Test func unsupportedEtherType() {
        let frame: [UInt8] = [UInt8](repeating: 0xAA, count: 12) + [0x88, 0xCC] + [UInt8](repeating: 0, count: 46)
        #expect(parseResult(frame).failure == .unsupportedEtherType)
        let qinq: [UInt8] =
            [UInt8](repeating: 0xAA, count: 12) + [0x81, 0x00, 0, 1, 0x81, 0x00] + [UInt8](repeating: 0, count: 40)
        #expect(parseResult(qinq).failure == .unsupportedEtherType)
    }

    @Test func tcpUDPICMPHeaderRoundTrips() throws {
        let tcp = TCPHeader(
            offset: 0, sourcePort: 1, destinationPort: 2, sequenceNumber: 3, acknowledgmentNumber: 4, headerLength: 20,
            flags: [.syn, .ack, .ece], window: 5, checksum: 6, urgentPointer: 7)
        let udp = UDPHeader(offset: 20, sourcePort: 8, destinationPort: 9, length: 8, checksum: 10)
        let icmp = ICMPHeader(offset: 28, isIPv6: false, type: 3, code: 4, checksum: 11, restOfHeader: 1400)
        let parsed = try PacketBuffer.withCopy(of: [UInt8](repeating: 0, count: 36)) {
            (buffer) throws(PacketError) in
            try tcp.write(to: buffer)
            try udp.write(to: buffer)
            try icmp.write(to: buffer)
            return (
                try TCPHeader.parse(buffer, at: 0, end: 20),
                try UDPHeader.parse(buffer, at: 20, end: 28, checkLength: true),
                try ICMPHeader.parse(buffer, at: 28, end: 36, ipv6: false)
            )
        }
        #expect(parsed.0 == tcp)
        #expect(parsed.1 == udp)
        #expect(parsed.2 == icmp)
        #expect(parsed.2.reportedMTU == 1400)
    }
}

extension Result {
    var failure: Failure? {
        switch self {
        case .success: nil
        case .failure(let error): error
        }
    }
}
