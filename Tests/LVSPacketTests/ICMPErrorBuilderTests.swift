import LVSPacket
import Testing

@Suite struct ICMPErrorBuilderTests {
    /// Builds an error about the bare IP packet `offending`; returns the message bytes.
    func build(_ kind: ICMPErrorBuilder.Kind, about offending: [UInt8], from source: WireAddress) throws(PacketError)
        -> [UInt8]
    {
        try PacketBuffer.withCopy(of: offending) { (input) throws(PacketError) in
            let packet = try ParsedPacket.parse(input, at: 0, end: input.count)
            return try PacketBuffer.withCopy(of: [], headroom: 18, tailroom: 1500) { (output) throws(PacketError) in
                try ICMPErrorBuilder.build(kind, offending: input, packet: packet, source: source, into: &output)
                return output.bytes
            }
        }
    }

    /// Hand-computed (RFC 1071 by hand, RFC 1191 layout): fragmentation needed, MTU 1400, about a
    /// 32-byte UDP packet with DF from 192.0.2.10:1000 to 198.51.100.1:53.
    @Test func knownAnswerFragmentationNeeded() throws {
        let offending = try #require(bytes(hex: "450000201234400040113c5ac000020ac633640103e80035000c71dcdeadbeef"))
        let built = PacketBuilder.ip.ipv4(
            source: client4, destination: vip4, identification: 0x1234, dontFragment: true
        )
        .udp(sourcePort: 1000, destinationPort: 53).payload([0xDE, 0xAD, 0xBE, 0xEF]).build()
        #expect(built == offending)
        let message = try build(.tooBig(mtu: 1400), about: offending, from: try #require(WireAddress(vip4)))
        #expect(hex(message) == "45c0003c0000000040018dc2c6336401c000020a0304e3e000000578" + hex(offending))
    }

    @Test func ipv4QuoteIsCappedAt576Bytes() throws {
        let big = PacketBuilder.ip.ipv4(source: client4, destination: vip4, dontFragment: true)
            .tcp(sourcePort: 40000, destinationPort: 80).payload([UInt8](repeating: 0x5A, count: 1460)).build()
        let message = try build(.tooBig(mtu: 1280), about: big, from: try #require(WireAddress(vip4)))
        #expect(message.count == 576)
        #expect(Array(message[28...]) == Array(big.prefix(548)))
        let parsed = try PacketBuffer.withCopy(of: message) { (buffer) throws(PacketError) in
            try ParsedPacket.parse(buffer, at: 0, end: buffer.count)
        }
        guard case .icmp(let icmp) = parsed.transport else { Issue.record("not icmp"); return }
        #expect(icmp.type == 3 && icmp.code == 4 && icmp.reportedMTU == 1280)
        #expect(parsed.destination == WireAddress(client4))
        #expect(parsed.quoted?.destinationPort == 80)
        #expect(checksumsValid(Array(repeating: 0, count: 12) + [0x08, 0x00] + message))
    }

    @Test func ipv6PacketTooBigIsCappedAt1280Bytes() throws {
        let big = PacketBuilder.ip.ipv6(source: client6, destination: vip6).udp(sourcePort: 1, destinationPort: 2)
            .payload([UInt8](repeating: 1, count: 1452)).build()
        let message = try build(.tooBig(mtu: 1400), about: big, from: try #require(WireAddress(vip6)))
        #expect(message.count == 1280)
        #expect(Array(message[48...]) == Array(big.prefix(1232)))
        #expect(message[40] == ICMPTypes.v6PacketTooBig && message[41] == 0)
        #expect(Array(message[44..<48]) == [0, 0, 0x05, 0x78])
        #expect(checksumsValid(Array(repeating: 0, count: 12) + [0x86, 0xDD] + message))
    }

    @Test func portUnreachableBothFamilies() throws {
        let v4 = PacketBuilder.ip.ipv4(source: client4, destination: vip4).tcp(sourcePort: 1, destinationPort: 81)
            .build()
        let message4 = try build(.portUnreachable, about: v4, from: try #require(WireAddress(vip4)))
        #expect(message4.count == 20 + 8 + 40)
        #expect(message4[20] == 3 && message4[21] == 3)
        #expect(checksumsValid(Array(repeating: 0, count: 12) + [0x08, 0x00] + message4))
        let v6 = PacketBuilder.ip.ipv6(source: client6, destination: vip6).udp(sourcePort: 1, destinationPort: 81)
            .build()
        let message6 = try build(.portUnreachable, about: v6, from: try #require(WireAddress(vip6)))
        #expect(message6.count == 40 + 8 + 48)
        #expect(message6[40] == 1 && message6[41] == 4)
        #expect(checksumsValid(Array(repeating: 0, count: 12) + [0x86, 0xDD] + message6))
        let time = try build(.timeExceeded, about: v6, from: try #require(WireAddress(vip6)))
        #expect(time[40] == 3 && time[41] == 0)
    }

    @Test func refusesWhereRFC1122Forbids() throws {
        let vip = try #require(WireAddress(vip4))
        let error = PacketBuilder.ip.ipv4(source: client4, destination: vip4).icmp(type: 3, code: 1)
            .payload(
                PacketBuilder.ip.ipv4(source: vip4, destination: client4).udp(sourcePort: 1, destinationPort: 2).build()
            )
            .build()
        #expect(throws: PacketError.icmpErrorNotPermitted) { try build(.portUnreachable, about: error, from: vip) }
        let fragment = PacketBuilder.ip.ipv4(source: client4, destination: vip4, fragmentOffset: 8).rawProtocol(17)
            .payload([1, 2, 3, 4]).build()
        #expect(throws: PacketError.icmpErrorNotPermitted) { try build(.portUnreachable, about: fragment, from: vip) }
        let multicast = PacketBuilder.ip.ipv4(source: "224.0.0.5", destination: vip4).udp(
            sourcePort: 1, destinationPort: 2
        ).build()
        #expect(throws: PacketError.icmpErrorNotPermitted) { try build(.portUnreachable, about: multicast, from: vip) }
        let v6 = PacketBuilder.ip.ipv6(source: "::", destination: vip6).udp(sourcePort: 1, destinationPort: 2).build()
        #expect(throws: PacketError.icmpErrorNotPermitted) {
            try build(.portUnreachable, about: v6, from: try #require(WireAddress(vip6)))
        }
        #expect(throws: PacketError.addressFamilyMismatch) { try build(.portUnreachable, about: v6, from: vip) }
    }

    @Test func needsTooBigFollowsDFAndFamily() throws {
        func packet(_ bytes: [UInt8]) throws -> ParsedPacket {
            try PacketBuffer.withCopy(of: bytes) { (buffer) throws(PacketError) in
                try ParsedPacket.parse(buffer, at: 0, end: buffer.count)
            }
        }
        let df = try packet(
            PacketBuilder.ip.ipv4(source: client4, destination: vip4, dontFragment: true).tcp(
                sourcePort: 1, destinationPort: 2
            ).build())
        let noDF = try packet(
            PacketBuilder.ip.ipv4(source: client4, destination: vip4).tcp(sourcePort: 1, destinationPort: 2).build())
        let v6 = try packet(
            PacketBuilder.ip.ipv6(source: client6, destination: vip6).tcp(sourcePort: 1, destinationPort: 2).build())
        #expect(ICMPErrorBuilder.needsTooBig(packet: df, length: 1500, mtu: 1480))
        #expect(!ICMPErrorBuilder.needsTooBig(packet: df, length: 1480, mtu: 1480))
        #expect(!ICMPErrorBuilder.needsTooBig(packet: noDF, length: 1500, mtu: 1480))
        #expect(ICMPErrorBuilder.needsTooBig(packet: v6, length: 1500, mtu: 1480))
    }
}
