import LVSPacket
import Testing

@Suite struct IPv6AndICMPParsingTests {
    @Test func plainIPv6TCP() throws {
        let frame = PacketBuilder.ethernet().ipv6(
            source: client6, destination: vip6, hopLimit: 9, trafficClass: 0xB9, flowLabel: 0x12345
        )
        .tcp(sourcePort: 50000, destinationPort: 443, flags: [.syn]).payload([1, 2, 3]).build()
        let packet = try #require(try parseResult(frame).get().packet)
        guard case .ipv6(let ip) = packet.network else { Issue.record("not ipv6"); return }
        #expect(ip.trafficClass == 0xB9 && ip.flowLabel == 0x12345 && ip.hopLimit == 9)
        #expect(ip.payloadLength == 23)
        #expect(ip.extensionHeaderCount == 0)
        #expect(packet.l4Offset == 54)
        #expect(packet.source == WireAddress(client6))
        #expect(packet.destinationPort == 443)
        #expect(packet.tcpFlags == .syn)
        #expect(checksumsValid(frame))
    }

    @Test func extensionChainIsWalked() throws {
        let frame = PacketBuilder.ethernet().ipv6(
            source: client6, destination: vip6,
            extensions: [
                .hopByHop(length: 1), .routing(length: 2), .destinationOptions(length: 0), .authentication(length: 4),
            ]
        ).udp(sourcePort: 7, destinationPort: 53).payload([9]).build()
        let packet = try #require(try parseResult(frame).get().packet)
        guard case .ipv6(let ip) = packet.network else { Issue.record("not ipv6"); return }
        // 16 (hop-by-hop) + 24 (routing) + 8 (destination options) + 24 (AH: (4+2)×4)
        #expect(ip.extensionHeaderCount == 4)
        #expect(ip.nextHeader == IPProtocolNumbers.hopByHop)
        #expect(ip.upperLayerProtocol == IPProtocolNumbers.udp)
        #expect(ip.upperLayerOffset == 14 + 40 + 16 + 24 + 8 + 24)
        #expect(packet.destinationPort == 53)
        #expect(checksumsValid(frame))
    }

    @Test func fragmentHeaders() throws {
        let first = PacketBuilder.ethernet().ipv6(
            source: client6, destination: vip6,
            extensions: [.fragment(offset: 0, moreFragments: true, identification: 77)]
        ).udp(sourcePort: 7, destinationPort: 53).payload([UInt8](repeating: 1, count: 16)).build()
        let packet = try #require(try parseResult(first).get().packet)
        guard case .ipv6(let ip) = packet.network else { Issue.record("not ipv6"); return }
        #expect(ip.fragment?.identification == 77)
        #expect(ip.fragment?.moreFragments == true)
        #expect(packet.destinationPort == 53)
        let later = PacketBuilder.ethernet().ipv6(
            source: client6, destination: vip6,
            extensions: [.fragment(offset: 1232, moreFragments: false, identification: 77)]
        ).rawProtocol(17).payload([1, 2, 3, 4, 5, 6, 7, 8]).build()
        let laterPacket = try #require(try parseResult(later).get().packet)
        #expect(laterPacket.transport == .fragment)
        #expect(laterPacket.protocolNumber == 17)
        #expect(laterPacket.network.isNonFirstFragment)
    }

    @Test func hostileChains() throws {
        let nine = [PacketBuilder.IPv6Extension](repeating: .destinationOptions(length: 0), count: 9)
        let long = PacketBuilder.ethernet().ipv6(source: client6, destination: vip6, extensions: nine)
            .udp(sourcePort: 1, destinationPort: 2).build()
        #expect(parseResult(long).failure == .tooManyExtensionHeaders)
        // A routing header claiming more bytes than the packet holds.
        var frame = PacketBuilder.ethernet().ipv6(source: client6, destination: vip6, extensions: [.routing(length: 0)])
            .udp(sourcePort: 1, destinationPort: 2).build()
        frame[54 + 1] = 200
        #expect(parseResult(frame).failure == .truncatedExtensionHeader)
        // Hop-by-hop after another extension header (RFC 8200 §4.1).
        let misplaced = PacketBuilder.ethernet().ipv6(
            source: client6, destination: vip6, extensions: [.destinationOptions(length: 0), .hopByHop(length: 0)]
        ).udp(sourcePort: 1, destinationPort: 2).build()
        #expect(parseResult(misplaced).failure == .truncatedExtensionHeader)
        // Payload length beyond the frame, and zero (jumbogram).
        var big = PacketBuilder.ethernet().ipv6(source: client6, destination: vip6).udp(
            sourcePort: 1, destinationPort: 2
        ).build()
        big[18] = 0x10
        #expect(parseResult(big).failure == .badIPv6PayloadLength)
        big[18] = 0; big[19] = 0
        #expect(parseResult(big).failure == .badIPv6PayloadLength)
        #expect(parseResult(Array(big.prefix(50))).failure == .truncatedIPv6Header)
    }

    @Test func ipv6HeaderRoundTrip() throws {
        let header = IPv6Header(
            offset: 0, trafficClass: 0x2A, flowLabel: 0xFFFFF, payloadLength: 0,
            nextHeader: IPProtocolNumbers.noNextHeader,
            hopLimit: 1, source: try #require(WireAddress(client6)), destination: try #require(WireAddress(vip6)))
        let parsed = try PacketBuffer.withCopy(of: [UInt8](repeating: 0, count: 40)) { (buffer) throws(PacketError) in
            try header.write(to: buffer)
            return try IPv6Header.parse(buffer, at: 0, end: 40)
        }
        #expect(parsed == header)
    }

    @Test func icmpv4ErrorQuotesInnerPacket() throws {
        // A fragmentation-needed from a router about a client→VIP packet, as relayed by the RS side.
        let inner = PacketBuilder.ip.ipv4(source: rs4, destination: client4).tcp(sourcePort: 80, destinationPort: 40000)
            .payload([UInt8](repeating: 0, count: 100)).build()
        let frame = PacketBuilder.ethernet().ipv4(source: "203.0.113.1", destination: rs4)
            .icmp(type: 3, code: 4, restOfHeader: 1400).payload(Array(inner.prefix(28))).build()
        let packet = try #require(try parseResult(frame).get().packet)
        guard case .icmp(let icmp) = packet.transport else { Issue.record("not icmp"); return }
        #expect(icmp.isError && icmp.reportedMTU == 1400)
        let quoted = try #require(packet.quoted)
        #expect(quoted.network.source == WireAddress(rs4))
        #expect(quoted.network.destination == WireAddress(client4))
        #expect(quoted.protocolNumber == 6)
        #expect(quoted.hasPorts && quoted.sourcePort == 80 && quoted.destinationPort == 40000)
        #expect(quoted.transportOffset == 14 + 20 + 8 + 20)
        #expect(checksumsValid(frame))
        // A quote cut inside its IP header is malformed; an echo has no quote.
        let cut = PacketBuilder.ethernet().ipv4(source: "203.0.113.1", destination: rs4)
            .icmp(type: 11, code: 0).payload(Array(inner.prefix(12))).build()
        #expect(parseResult(cut).failure == .malformedQuotedPacket)
        let echo = PacketBuilder.ethernet().ipv4(source: client4, destination: vip4).echoRequest(
            identifier: 9, sequence: 1
        )
        .payload([1, 2]).build()
        let echoPacket = try #require(try parseResult(echo).get().packet)
        #expect(echoPacket.quoted == nil)
        guard case .icmp(let echoHeader) = echoPacket.transport else { Issue.record("not icmp"); return }
        #expect(echoHeader.isEcho && echoHeader.echoIdentifier == 9 && echoHeader.echoSequence == 1)
        #expect(checksumsValid(echo))
    }

    @Test func icmpv6PacketTooBigQuotesInnerPacket() throws {
        let inner = PacketBuilder.ip.ipv6(source: rs6, destination: client6).udp(sourcePort: 53, destinationPort: 5353)
            .payload([UInt8](repeating: 0, count: 40)).build()
        let frame = PacketBuilder.ethernet().ipv6(source: "2001:db8:ff::1", destination: rs6)
            .icmp(type: ICMPTypes.v6PacketTooBig, restOfHeader: 1280).payload(inner).build()
        let packet = try #require(try parseResult(frame).get().packet)
        guard case .icmp(let icmp) = packet.transport else { Issue.record("not icmp"); return }
        #expect(icmp.isIPv6 && icmp.isError && icmp.reportedMTU == 1280)
        #expect(packet.quoted?.sourcePort == 53 && packet.quoted?.destinationPort == 5353)
        #expect(packet.quoted?.network.destination == WireAddress(client6))
        #expect(checksumsValid(frame))
    }

    @Test func arpRequestParsesAndIsAnswered() throws {
        let ourMAC = MACAddress(0x02, 0xAA, 0, 0, 0, 1)
        let requester = MACAddress(0x02, 0xBB, 0, 0, 0, 2)
        var frame = [UInt8](repeating: 0, count: 42)
        let reply = try PacketBuffer.withCopy(of: frame) { (buffer) throws(PacketError) in
            try EthernetHeader(destination: .broadcast, source: requester, etherType: EtherType.arp).write(to: buffer)
            try ARPPacket(
                offset: 14, operation: ARPPacket.request, senderMAC: requester, senderIP: 0x0A00_0009, targetMAC: .zero,
                targetIP: 0x0A00_0001
            ).write(to: buffer, at: 14)
            let parsed = try parseFrame(buffer)
            guard let arp = parsed.arp else { throw .unsupportedARP }
            try ARPPacket.answerInPlace(buffer, ethernet: parsed.ethernet, request: arp, with: ourMAC)
            return buffer.bytes
        }
        frame = reply
        let parsed = try parseResult(frame).get()
        #expect(parsed.ethernet.destination == requester && parsed.ethernet.source == ourMAC)
        let arp = try #require(parsed.arp)
        #expect(arp.operation == ARPPacket.reply)
        #expect(arp.senderMAC == ourMAC && arp.senderIP == 0x0A00_0001)
        #expect(arp.targetMAC == requester && arp.targetIP == 0x0A00_0009)
        var bad = frame
        bad[14 + 4] = 8  // hardware size 8
        #expect(parseResult(bad).failure == .unsupportedARP)
        #expect(parseResult(Array(frame.prefix(30))).failure == .truncatedARP)
    }
}
