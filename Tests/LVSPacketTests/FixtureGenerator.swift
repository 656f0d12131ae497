import Foundation
import LVSPacket

/// The fixtures as code: inputs and expected outputs both come from `PacketBuilder` (full
/// RFC 1071 checksums computed from scratch), never from the operation under test, so the
/// checked-in JSON is an independent oracle for the incremental paths. Regenerate with
/// `LVS_WRITE_PACKET_FIXTURES=Tests/LVSPacketTests/Fixtures swift test --filter FixtureTests`.
enum FixtureGenerator {
    static let routerMAC = PacketBuilder.defaultSourceMAC
    static let directorMAC = PacketBuilder.defaultDestinationMAC
    static let realServerMAC = MACAddress(0x02, 0, 0, 0, 0, 0x05)
    static let director4 = "198.51.100.2"
    static let director6 = "2001:db8:100::2"

    static func fixture(
        _ description: String, _ operation: String, _ arguments: [String: String] = [:], input: [UInt8],
        expected: [UInt8] = [], verdict: String = "forward"
    ) -> PacketFixture {
        PacketFixture(
            description: description, operation: operation, arguments: arguments, input: hex(input),
            expected: hex(expected),
            verdict: verdict)
    }

    static func tcp4(
        _ source: String, _ destination: String, _ sport: UInt16, _ dport: UInt16, ttl: UInt8 = 64,
        flags: TCPFlags = .syn
    )
        -> PacketBuilder
    {
        PacketBuilder.ethernet().ipv4(
            source: source, destination: destination, ttl: ttl, identification: 0x3F21, dontFragment: true
        )
        .tcp(sourcePort: sport, destinationPort: dport, flags: flags, sequence: 0x1000_0001, options: [2, 4, 5, 0xB4])
    }

    static var forwarding: [PacketFixture] {
        let payload = Array("GET / HTTP/1.0\r\n\r\n".utf8)
        let dnsQuery: [UInt8] = [0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        return [
            fixture(
                "NAT in: IPv4 TCP SYN to VIP:80 is sent to RS 10.0.0.5:8080, TTL 64 → 63", "dnat",
                ["address": rs4, "port": "8080"], input: tcp4(client4, vip4, 40000, 80).build(),
                expected: tcp4(client4, rs4, 40000, 8080, ttl: 63).build()),
            fixture(
                "NAT in: IPv4 UDP DNS query with checksum", "dnat", ["address": rs4, "port": "5353"],
                input: PacketBuilder.ethernet().ipv4(source: client4, destination: vip4).udp(
                    sourcePort: 33000, destinationPort: 53
                )
                .payload(dnsQuery).build(),
                expected: PacketBuilder.ethernet().ipv4(source: client4, destination: rs4, ttl: 63)
                    .udp(sourcePort: 33000, destinationPort: 5353).payload(dnsQuery).build()),
            fixture(
                "NAT in: IPv4 UDP checksum 0 stays 0 (RFC 768)", "dnat", ["address": rs4, "port": "53"],
                input: PacketBuilder.ethernet().ipv4(source: client4, destination: vip4)
                    .udp(sourcePort: 33000, destinationPort: 53, checksum: .zero).payload(dnsQuery).build(),
                expected: PacketBuilder.ethernet().ipv4(source: client4, destination: rs4, ttl: 63)
                    .udp(sourcePort: 33000, destinationPort: 53, checksum: .zero).payload(dnsQuery).build()),
            fixture(
                "NAT in: IPv6 TCP with data to [VIP]:443 is sent to [RS]:8443", "dnat",
                ["address": rs6, "port": "8443"],
                input: PacketBuilder.ethernet().ipv6(source: client6, destination: vip6)
                    .tcp(sourcePort: 50000, destinationPort: 443, flags: [.ack, .psh]).payload(payload).build(),
                expected: PacketBuilder.ethernet().ipv6(source: client6, destination: rs6, hopLimit: 63)
                    .tcp(sourcePort: 50000, destinationPort: 8443, flags: [.ack, .psh]).payload(payload).build()),
            fixture(
                "NAT out: IPv4 SYN-ACK from RS:8080 leaves as VIP:80", "snat", ["address": vip4, "port": "80"],
                input: tcp4(rs4, client4, 8080, 40000, flags: [.syn, .ack]).build(),
                expected: tcp4(vip4, client4, 80, 40000, ttl: 63, flags: [.syn, .ack]).build()),
            fixture(
                "NAT out: IPv6 UDP reply from [RS]:5353 leaves as [VIP]:53", "snat", ["address": vip6, "port": "53"],
                input: PacketBuilder.ethernet().ipv6(source: rs6, destination: client6).udp(
                    sourcePort: 5353, destinationPort: 33000
                )
                .payload(dnsQuery).build(),
                expected: PacketBuilder.ethernet().ipv6(source: vip6, destination: client6, hopLimit: 63)
                    .udp(sourcePort: 53, destinationPort: 33000).payload(dnsQuery).build()),
            fixture(
                "NAT in: VLAN-tagged, Ethernet-padded UDP keeps tag and padding", "dnat",
                ["address": rs4, "port": "7"],
                input: PacketBuilder.ethernet(vlanTag: 100).ipv4(source: client4, destination: vip4)
                    .udp(sourcePort: 9, destinationPort: 7).payload([1]).padToMinimumFrame().build(),
                expected: PacketBuilder.ethernet(vlanTag: 100).ipv4(source: client4, destination: rs4, ttl: 63)
                    .udp(sourcePort: 9, destinationPort: 7).payload([1]).padToMinimumFrame().build()),
            fixture(
                "DR: IPv4 TCP keeps VIP, destination MAC becomes the RS's, TTL decremented", "dr",
                ["mac": realServerMAC.description, "source-mac": directorMAC.description],
                input: tcp4(client4, vip4, 40000, 80).build(),
                expected: PacketBuilder.ethernet(source: directorMAC, destination: realServerMAC)
                    .ipv4(source: client4, destination: vip4, ttl: 63, identification: 0x3F21, dontFragment: true)
                    .tcp(
                        sourcePort: 40000, destinationPort: 80, flags: .syn, sequence: 0x1000_0001,
                        options: [2, 4, 5, 0xB4]
                    )
                    .build()),
            fixture(
                "DR: IPv6 UDP, hop limit decremented, MACs rewritten", "dr",
                ["mac": realServerMAC.description, "source-mac": directorMAC.description],
                input: PacketBuilder.ethernet().ipv6(source: client6, destination: vip6, hopLimit: 2)
                    .udp(sourcePort: 1, destinationPort: 53).payload(dnsQuery).build(),
                expected: PacketBuilder.ethernet(source: directorMAC, destination: realServerMAC)
                    .ipv6(source: client6, destination: vip6, hopLimit: 1).udp(sourcePort: 1, destinationPort: 53)
                    .payload(dnsQuery).build()),
        ] + tunnels
    }

    static var tunnels: [PacketFixture] {
        let inner4 = PacketBuilder.ip.ipv4(
            source: client4, destination: vip4, ttl: 64, tos: 0xBB, identification: 5, dontFragment: true
        )
        .tcp(sourcePort: 40000, destinationPort: 80, flags: .syn)
        let inner4After = PacketBuilder.ip.ipv4(
            source: client4, destination: vip4, ttl: 63, tos: 0xBB, identification: 5, dontFragment: true
        )
        .tcp(sourcePort: 40000, destinationPort: 80, flags: .syn).build()
        let inner6 = PacketBuilder.ip.ipv6(source: client6, destination: vip6, hopLimit: 10, trafficClass: 0x28)
            .udp(sourcePort: 1, destinationPort: 53).payload([1, 2, 3])
        let inner6After = PacketBuilder.ip.ipv6(source: client6, destination: vip6, hopLimit: 9, trafficClass: 0x28)
            .udp(sourcePort: 1, destinationPort: 53).payload([1, 2, 3]).build()
        let arguments4 = [
            "source": director4, "destination": rs4, "id": "4660", "mac": realServerMAC.description,
            "source-mac": directorMAC.description,
        ]
        let arguments6 = [
            "source": director6, "destination": rs6, "id": "0", "mac": realServerMAC.description,
            "source-mac": directorMAC.description,
        ]
        let outer4 = PacketBuilder.ethernet(source: directorMAC, destination: realServerMAC)
            .ipv4(source: director4, destination: rs4, ttl: 63, tos: 0xBA, identification: 4660, dontFragment: true)
            .rawProtocol(IPProtocolNumbers.ipip).payload(inner4After).build()
        return [
            fixture(
                "IPIP: IPv4 in IPv4, TTL copied after decrement, CE → ECT(0), DF copied, ID from counter", "ipip",
                arguments4,
                input: PacketBuilder.ethernet().ipv4(
                    source: client4, destination: vip4, ttl: 64, tos: 0xBB, identification: 5, dontFragment: true
                )
                .tcp(sourcePort: 40000, destinationPort: 80, flags: .syn).padToMinimumFrame().build(),
                expected: outer4),
            fixture(
                "IPIP: IPv6 in IPv6 (next header 41), traffic class copied", "ipip", arguments6,
                input: PacketBuilder.ethernet().ipv6(
                    source: client6, destination: vip6, hopLimit: 10, trafficClass: 0x28
                )
                .udp(sourcePort: 1, destinationPort: 53).payload([1, 2, 3]).build(),
                expected: PacketBuilder.ethernet(source: directorMAC, destination: realServerMAC)
                    .ipv6(source: director6, destination: rs6, hopLimit: 9, trafficClass: 0x28)
                    .rawProtocol(IPProtocolNumbers.ipv6).payload(inner6After).build()),
            fixture(
                "IPIP: IPv4 in IPv6 (next header 4) for an IPv6 real server", "ipip", arguments6,
                input: PacketBuilder.ethernet().ipv4(
                    source: client4, destination: vip4, ttl: 64, tos: 0xBB, identification: 5, dontFragment: true
                )
                .tcp(sourcePort: 40000, destinationPort: 80, flags: .syn).build(),
                expected: PacketBuilder.ethernet(source: directorMAC, destination: realServerMAC)
                    .ipv6(source: director6, destination: rs6, hopLimit: 63, trafficClass: 0xBA)
                    .rawProtocol(IPProtocolNumbers.ipip).payload(inner4After).build()),
            fixture(
                "Decapsulation on the real server side: outer IPv4 stripped, inner IPv4 kept", "decap",
                input: PacketBuilder.ethernet().ipv4(source: director4, destination: rs4).rawProtocol(
                    IPProtocolNumbers.ipip
                )
                .payload(inner4.build()).build(),
                expected: PacketBuilder.ethernet().ipv4(
                    source: client4, destination: vip4, ttl: 64, tos: 0xBB, identification: 5, dontFragment: true
                )
                .tcp(sourcePort: 40000, destinationPort: 80, flags: .syn).build()),
            fixture(
                "Decapsulation: outer IPv6 with inner IPv6", "decap",
                input: PacketBuilder.ethernet().ipv6(source: director6, destination: rs6).rawProtocol(
                    IPProtocolNumbers.ipv6
                )
                .payload(inner6.build()).build(),
                expected: PacketBuilder.ethernet().ipv6(
                    source: client6, destination: vip6, hopLimit: 10, trafficClass: 0x28
                )
                .udp(sourcePort: 1, destinationPort: 53).payload([1, 2, 3]).build()),
        ]
    }

    static var icmp: [PacketFixture] {
        let big4 = PacketBuilder.ethernet().ipv4(
            source: client4, destination: vip4, identification: 77, dontFragment: true
        )
        .tcp(sourcePort: 40000, destinationPort: 80, flags: [.ack]).payload([UInt8](repeating: 0x61, count: 1460))
        .build()
        let big4NoDF = PacketBuilder.ethernet().ipv4(source: client4, destination: vip4, identification: 77)
            .tcp(sourcePort: 40000, destinationPort: 80, flags: [.ack]).payload([UInt8](repeating: 0x61, count: 1460))
            .build()
        let big6 = PacketBuilder.ethernet().ipv6(source: client6, destination: vip6)
            .tcp(sourcePort: 40000, destinationPort: 80, flags: [.ack]).payload([UInt8](repeating: 0x62, count: 1440))
            .build()
        let expiring = tcp4(client4, vip4, 40000, 80, ttl: 1).build()
        let syn = tcp4(client4, vip4, 40000, 81).build()
        let reply = PacketBuilder.ethernet(source: directorMAC, destination: routerMAC)
        let arpRequest = arpFrame(
            destination: .broadcast, source: routerMAC, operation: 1, senderMAC: routerMAC, senderIP: client4,
            targetMAC: .zero,
            targetIP: vip4)
        let arpReply = arpFrame(
            destination: routerMAC, source: directorMAC, operation: 2, senderMAC: directorMAC, senderIP: vip4,
            targetMAC: routerMAC,
            targetIP: client4)
        return [
            fixture(
                "TTL expiry: a TTL 1 packet is not forwarded", "dnat", ["address": rs4, "port": "80"], input: expiring,
                verdict: "drop: ttl expired"),
            fixture(
                "Time exceeded answers the TTL 1 packet, quoting it whole", "time-exceeded", ["source": vip4],
                input: expiring,
                expected: reply.ipv4(source: vip4, destination: client4, tos: 0xC0).icmp(type: 11, code: 0)
                    .payload(Array(expiring.dropFirst(14))).build(),
                verdict: "reply"),
            fixture(
                "Fragmentation needed: 1500-byte DF packet over MTU 1400, quote capped at 576 bytes (RFC 1812)", "mtu",
                ["mtu": "1400", "source": vip4], input: big4,
                expected: reply.ipv4(source: vip4, destination: client4, tos: 0xC0).icmp(
                    type: 3, code: 4, restOfHeader: 1400
                )
                .payload(Array(big4.dropFirst(14).prefix(548))).build(),
                verdict: "reply"),
            fixture(
                "Without DF an over-size IPv4 packet is forwarded (fragmented later)", "mtu",
                ["mtu": "1400", "source": vip4],
                input: big4NoDF, expected: big4NoDF),
            fixture(
                "IPv6 packet too big: quote capped at 1280 bytes (RFC 4443)", "mtu", ["mtu": "1280", "source": vip6],
                input: big6,
                expected: reply.ipv6(source: vip6, destination: client6).icmp(type: 2, code: 0, restOfHeader: 1280)
                    .payload(Array(big6.dropFirst(14).prefix(1232))).build(),
                verdict: "reply"),
            fixture(
                "Port unreachable for a SYN to a service without real servers (reference §4.15)", "port-unreachable",
                ["source": vip4], input: syn,
                expected: reply.ipv4(source: vip4, destination: client4, tos: 0xC0).icmp(type: 3, code: 3)
                    .payload(Array(syn.dropFirst(14))).build(),
                verdict: "reply"),
            fixture(
                "ARP request for the VIP is answered with the director's MAC", "arp", ["mac": directorMAC.description],
                input: arpRequest, expected: arpReply, verdict: "reply"),
            fixture(
                "No ICMP error about an ICMP error (RFC 1122)", "port-unreachable", ["source": vip4],
                input: PacketBuilder.ethernet().ipv4(source: client4, destination: vip4).icmp(type: 3, code: 1)
                    .payload(Array(syn.dropFirst(14).prefix(28))).build(),
                verdict: "drop: icmp error not permitted"),
        ]
    }

    static func arpFrame(
        destination: MACAddress, source: MACAddress, operation: UInt16, senderMAC: MACAddress, senderIP: String,
        targetMAC: MACAddress, targetIP: String
    ) -> [UInt8] {
        func quad(_ text: String) -> [UInt8] {
            let value = WireAddress(text)?.ipv4Value ?? 0
            return [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
        }
        func six(_ mac: MACAddress) -> [UInt8] { (0..<6).map { UInt8((mac.value >> UInt64(40 - 8 * $0)) & 0xFF) } }
        let header = six(destination) + six(source) + [0x08, 0x06]
        let body =
            [0, 1, 0x08, 0x00, 6, 4, 0, UInt8(operation)] + six(senderMAC) + quad(senderIP) + six(targetMAC)
            + quad(targetIP)
        return header + body
    }

    static var malformed: [PacketFixture] {
        let good = tcp4(client4, vip4, 40000, 80).build()
        var badChecksum = good
        badChecksum[24] ^= 0x55
        var longTotal = good
        longTotal[16] = 0x05
        var badOffset = good
        badOffset[46] = 0x30
        var badUDP = PacketBuilder.ethernet().ipv4(source: client4, destination: vip4).udp(
            sourcePort: 1, destinationPort: 53
        ).payload([1, 2]).build()
        badUDP[38] = 0x01
        var longIPv6 = PacketBuilder.ethernet().ipv6(source: client6, destination: vip6).udp(
            sourcePort: 1, destinationPort: 53
        ).build()
        longIPv6[18] = 0x04
        let lldp = [UInt8](repeating: 0x01, count: 12) + [0x88, 0xCC] + [UInt8](repeating: 0, count: 46)
        let chain = PacketBuilder.ethernet().ipv6(
            source: client6, destination: vip6, extensions: Array(repeating: .destinationOptions(length: 0), count: 9)
        ).udp(sourcePort: 1, destinationPort: 53).build()
        let cutQuote = PacketBuilder.ethernet().ipv4(source: "203.0.113.9", destination: vip4).icmp(
            type: 3, code: 4, restOfHeader: 1400
        )
        .payload(Array(good.dropFirst(14).prefix(12))).build()
        let fragment = PacketBuilder.ethernet().ipv4(source: client4, destination: vip4, moreFragments: true)
            .udp(sourcePort: 1, destinationPort: 53).payload([UInt8](repeating: 0, count: 24)).build()
        let nat = ["address": rs4, "port": "8080"]
        return [
            fixture(
                "Truncated Ethernet header (10 bytes)", "parse", input: Array(good.prefix(10)),
                verdict: "drop: truncated ethernet header"),
            fixture(
                "Truncated IPv4 header", "dnat", nat, input: Array(good.prefix(30)),
                verdict: "drop: truncated ipv4 header"),
            fixture(
                "Bad IPv4 header checksum", "dnat", nat, input: badChecksum, verdict: "drop: bad ipv4 header checksum"),
            fixture(
                "IPv4 total length beyond the frame", "dnat", nat, input: longTotal,
                verdict: "drop: bad ipv4 total length"),
            fixture("TCP data offset 3 (< 5)", "dnat", nat, input: badOffset, verdict: "drop: bad tcp data offset"),
            fixture("UDP length beyond the datagram", "dnat", nat, input: badUDP, verdict: "drop: bad udp length"),
            fixture(
                "IPv6 payload length beyond the frame", "parse", input: longIPv6,
                verdict: "drop: bad ipv6 payload length"),
            fixture(
                "IPv6 chain of 9 extension headers", "parse", input: chain,
                verdict: "drop: too many ipv6 extension headers"),
            fixture("Unsupported EtherType (LLDP)", "parse", input: lldp, verdict: "drop: unsupported ethertype"),
            fixture(
                "ICMP error quoting 12 bytes of an IP header", "parse", input: cutQuote,
                verdict: "drop: malformed quoted packet"),
            fixture(
                "NAT of a first fragment is refused (reassemble first)", "dnat", nat, input: fragment,
                verdict: "drop: fragmented"),
        ]
    }

    static var all: [String: [PacketFixture]] {
        ["forwarding.json": forwarding, "icmp.json": icmp, "malformed.json": malformed]
    }

    static func write(to directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        for (name, fixtures) in all {
            let data = try encoder.encode(fixtures)
            try data.write(to: URL(fileURLWithPath: directory).appendingPathComponent(name))
        }
    }
}
