import LVSPacket
import Testing

/// Hostile input for the parser and every rewrite helper (design §9): truncation at every
/// length, byte flips, hostile length fields and random frames. Nothing may trap, write outside
/// the frame, or fail with anything but a typed `PacketError`; a frame that parses must still
/// parse after each rewrite.
@Suite struct FuzzTests {
    static var seeds: [[UInt8]] {
        let inner4 = PacketBuilder.ip.ipv4(source: client4, destination: vip4).tcp(sourcePort: 1, destinationPort: 80)
            .payload([1, 2, 3, 4]).build()
        let inner6 = PacketBuilder.ip.ipv6(source: client6, destination: vip6, extensions: [.destinationOptions()])
            .udp(sourcePort: 1, destinationPort: 53).payload([5, 6, 7]).build()
        return [
            PacketBuilder.ethernet().ipv4(source: client4, destination: vip4, options: [1, 1, 1, 0])
                .tcp(sourcePort: 40000, destinationPort: 80, flags: .syn, options: [2, 4, 5, 0xB4]).payload([9, 9])
                .build(),
            PacketBuilder.ethernet(vlanTag: 7).ipv4(source: client4, destination: vip4).udp(
                sourcePort: 5, destinationPort: 53
            )
            .payload([1, 2, 3]).padToMinimumFrame().build(),
            PacketBuilder.ethernet().ipv4(source: client4, destination: vip4).udp(
                sourcePort: 5, destinationPort: 53, checksum: .zero
            )
            .payload([1, 2, 3]).build(),
            PacketBuilder.ethernet().ipv4(source: client4, destination: vip4).echoRequest(identifier: 1, sequence: 2)
                .payload([0]).build(),
            PacketBuilder.ethernet().ipv4(source: "203.0.113.1", destination: rs4).icmp(
                type: 3, code: 4, restOfHeader: 1400
            )
            .payload(inner4).build(),
            PacketBuilder.ethernet().ipv4(source: client4, destination: vip4, moreFragments: true).udp(
                sourcePort: 1, destinationPort: 2
            )
            .payload([UInt8](repeating: 3, count: 16)).build(),
            PacketBuilder.ethernet().ipv6(source: client6, destination: vip6).tcp(
                sourcePort: 3, destinationPort: 443, flags: [.ack]
            )
            .payload([UInt8](repeating: 4, count: 40)).build(),
            PacketBuilder.ethernet().ipv6(
                source: client6, destination: vip6,
                extensions: [
                    .hopByHop(), .routing(length: 2), .fragment(offset: 0, moreFragments: false, identification: 9),
                    .authentication(),
                ]
            ).udp(sourcePort: 1, destinationPort: 53).payload([1]).build(),
            PacketBuilder.ethernet().ipv6(source: "2001:db8:ff::1", destination: rs6).icmp(
                type: ICMPTypes.v6PacketTooBig, restOfHeader: 1280
            )
            .payload(inner6).build(),
            PacketBuilder.ethernet().ipv6(source: client6, destination: vip6).echoRequest(identifier: 3, sequence: 4)
                .build(),
            PacketBuilder.ethernet().ipv4(source: "198.51.100.2", destination: rs4).rawProtocol(4).payload(inner4)
                .build(),
            PacketBuilder.ethernet().ipv6(source: "2001:db8::2", destination: rs6).rawProtocol(41).payload(inner6)
                .build(),
            FixtureGenerator.arpFrame(
                destination: .broadcast, source: FixtureGenerator.routerMAC, operation: 1,
                senderMAC: FixtureGenerator.routerMAC,
                senderIP: client4, targetMAC: .zero, targetIP: vip4),
        ]
    }

    struct Tally {
        var parsed = 0
        var errors = [PacketError: Int]()
        var rewriteErrors = [PacketError: Int]()
        var rewritesDone = 0
    }

    static let sentinel: UInt8 = 0xA5

    /// Parses `frame` and, if it parses, runs every helper on a fresh copy; records errors.
    static func exercise(_ frame: [UInt8], _ tally: inout Tally) {
        let outcome: Result<ParsedFrame, PacketError> = PacketBuffer.withCopy(of: frame) { buffer in
            do throws(PacketError) { return .success(try parseFrame(buffer)) } catch { return .failure(error) }
        }
        switch outcome {
        case .failure(let error):
            tally.errors[error, default: 0] += 1
            return
        case .success:
            tally.parsed += 1
        }
        for operation in 0..<7 {
            let result: Result<Bool, PacketError> = PacketBuffer.withCopy(of: frame, headroom: 64, tailroom: 64) {
                buffer in
                // Fill the tailroom with a sentinel: no helper may write past the frame.
                let end = buffer.start + buffer.count
                for index in end..<buffer.storage.count { buffer.storage[index] = sentinel }
                do throws(PacketError) {
                    let reparse = try run(operation, &buffer)
                    let tailIntact = (end..<buffer.storage.count).allSatisfy {
                        $0 < buffer.start + buffer.count || buffer.storage[$0] == sentinel
                    }
                    return .success(reparse && tailIntact)
                } catch {
                    return .failure(error)
                }
            }
            switch result {
            case .success(let consistent):
                #expect(consistent, "operation \(operation) on \(hex(frame))")
                tally.rewritesDone += 1
            case .failure(let error):
                tally.rewriteErrors[error, default: 0] += 1
            }
        }
    }

    /// One helper on a parsed frame; returns whether its output still parses.
    static func run(_ operation: Int, _ buffer: inout PacketBuffer) throws(PacketError) -> Bool {
        let frame = try parseFrame(buffer)
        if let arp = frame.arp {
            try ARPPacket.answerInPlace(
                buffer, ethernet: frame.ethernet, request: arp, with: MACAddress(2, 0, 0, 0, 0, 9))
            return (try? parseFrame(buffer)) != nil
        }
        guard var packet = frame.packet else { return true }
        let family =
            packet.isIPv6 ? WireAddress(ipv6High: 0x2001_0DB8_0000_0000, low: 77) : WireAddress(ipv4: 0x0A00_0063)
        switch operation {
        case 0:
            try NATRewrite.rewriteDestination(in: buffer, packet: &packet, address: family, port: 8080)
        case 1:
            try NATRewrite.rewriteSource(in: buffer, packet: &packet, address: family, port: 80)
        case 2:
            try NATRewrite.decrementHopLimit(in: buffer, network: &packet.network)
            _ = TransportChecksum.isValid(in: buffer, packet: packet)
        case 3:
            guard packet.quoted?.network.isIPv6 == packet.isIPv6 else { throw .unsupportedProtocol }
            try NATRewrite.rewriteAddressOnly(.destination, in: buffer, network: &packet.network, address: family)
            try NATRewrite.rewriteQuoted(.source, in: buffer, packet: &packet, address: family, port: 80)
        case 4:
            var built = false
            try PacketBuffer.withCopy(of: [], headroom: 18, tailroom: 1300) { (output) throws(PacketError) in
                try ICMPErrorBuilder.build(
                    .tooBig(mtu: 1280), offending: buffer, packet: packet, source: family, into: &output)
                built = (try? ParsedPacket.parse(output, at: 0, end: output.count)) != nil
            }
            return built
        case 5:
            try buffer.removeFront(frame.l3Offset)
            try buffer.setCount(packet.l3Length)
            let inner = try ParsedPacket.parse(buffer, at: 0, end: buffer.count).network
            var id: UInt16 = 0
            try Tunnel.encapsulate(
                &buffer, inner: inner, endpoints: .init(source: family, destination: family), identification: &id)
            let decapsulated = try Tunnel.decapsulate(&buffer)
            return decapsulated.inner.l3Length == buffer.count
        default:
            try buffer.removeFront(frame.l3Offset)
            _ = try Tunnel.decapsulate(&buffer)
            return (try? ParsedPacket.parse(buffer, at: 0, end: buffer.count)) != nil
        }
        return (try? parseFrame(buffer)) != nil
    }

    @Test func seedsAreValid() {
        for seed in Self.seeds {
            #expect((try? parseResult(seed).get()) != nil, "\(hex(seed))")
        }
    }

    @Test func hundredThousandHostileFrames() {
        var random = TestRandom(seed: 0xF022)
        var tally = Tally()
        var frames = 0
        let seeds = Self.seeds
        // 1. Truncation at every length.
        for seed in seeds {
            for length in 0...seed.count {
                Self.exercise(Array(seed.prefix(length)), &tally)
                frames += 1
            }
        }
        // 2. Random mutations until 100 000 frames.
        let lengthBytes = [14, 16, 17, 18, 19, 24, 46, 52, 53, 54, 55, 56, 57, 58, 59, 62, 63, 64]
        let hostileValues: [UInt8] = [0, 1, 4, 5, 6, 0x0F, 0x3F, 0x40, 0x45, 0x4F, 0x60, 0x7F, 0x80, 0xF0, 0xFF]
        while frames < 100_000 {
            var frame = seeds.randomElement(using: &random) ?? []
            switch Int.random(in: 0..<4, using: &random) {
            case 0:
                for _ in 0..<Int.random(in: 1...4, using: &random) where !frame.isEmpty {
                    let index = Int.random(in: 0..<frame.count, using: &random)
                    frame[index] ^= UInt8.random(in: 1...255, using: &random)
                }
            case 1:
                for _ in 0..<Int.random(in: 1...3, using: &random) {
                    let index = lengthBytes.randomElement(using: &random) ?? 0
                    if index < frame.count { frame[index] = hostileValues.randomElement(using: &random) ?? 0 }
                }
            case 2:
                let index = Int.random(in: 0..<max(frame.count, 1), using: &random)
                if index < frame.count { frame[index] = hostileValues.randomElement(using: &random) ?? 0 }
                frame = Array(frame.prefix(Int.random(in: 0...frame.count, using: &random)))
            default:
                let etherTypes: [[UInt8]] = [[0x08, 0x00], [0x86, 0xDD], [0x08, 0x06], [0x81, 0x00]]
                frame =
                    random.bytes(12) + (etherTypes.randomElement(using: &random) ?? [])
                    + random.bytes(Int.random(in: 0...120, using: &random))
                if frame.count > 14, Bool.random(using: &random) { frame[14] = frame[12] == 0x86 ? 0x60 : 0x45 }
            }
            Self.exercise(frame, &tally)
            frames += 1
        }
        #expect(frames == 100_000)
        // Every outcome is accounted for: parsed, or a typed error counted by reason.
        #expect(tally.parsed + tally.errors.values.reduce(0, +) == frames)
        #expect(tally.parsed > 10_000)
        #expect(tally.rewritesDone > 10_000)
        #expect(tally.errors.count >= 12, "distinct parse errors: \(tally.errors.keys.map(\.reason).sorted())")
        let report = tally.errors.sorted { $0.value > $1.value }.map { "\($0.key.reason)=\($0.value)" }.joined(
            separator: ", ")
        print("fuzz: \(frames) frames, \(tally.parsed) parsed, \(tally.rewritesDone) rewrites; drops: \(report)")
        let rewriteReport = tally.rewriteErrors.sorted { $0.value > $1.value }.map { "\($0.key.reason)=\($0.value)" }
            .joined(separator: ", ")
        print("fuzz: rewrite refusals: \(rewriteReport)")
    }
}
