import LVSCore
import Testing

@testable import LVSSync

/// Random valid messages round-trip; random, truncated and mutated datagrams never trap and
/// never yield more records than the header counts. Seeded, so every run sees the same cases.
@Suite struct SyncFuzzTests {
    /// A connection a backup accepts, in the canonical form decoding gives back: sequence data
    /// present exactly for the flags' directions, HASHED clear, v0 without v1-only fields.
    static func randomConnection(version: SyncProtocolVersion, using rng: inout SplitMix64) -> SyncedConnection {
        let ipv6 = version == .v1 && Bool.random(using: &rng)
        func address() -> IPAddress {
            ipv6
                ? IPAddress(ipv6High: rng.next(), low: rng.next())
                : IPAddress(ipv4: UInt32.random(in: 0...UInt32.max, using: &rng))
        }
        let template = Int.random(in: 0..<5, using: &rng) == 0
        let protocolNumber: IPProtocolNumber =
            template
            ? [.ip, .tcp, .udp, .sctp].randomElement(using: &rng)! : [.tcp, .udp, .sctp].randomElement(using: &rng)!
        var flags = SyncedConnectionFlags(
            rawValue: UInt32.random(in: 0...4, using: &rng)
                | ([0x0080, 0x0100, 0x0200, 0x0400, 0x0020] as [UInt32]).filter { _ in Bool.random(using: &rng) }
                .reduce(0, |))
        if template { flags.insert(.template) } else if Bool.random(using: &rng) { flags.insert(.noClientPort) }
        let state: UInt16
        switch (template, protocolNumber) {
        case (true, _): state = UInt16.random(in: 0...1, using: &rng)
        case (false, .tcp): state = UInt16.random(in: 0...10, using: &rng)
        case (false, .sctp): state = UInt16.random(in: 0...13, using: &rng)
        case (false, .udp), (false, .ip): state = 0
        }
        func adjustment() -> SequenceAdjustment {
            SequenceAdjustment(
                initialSequence: UInt32.random(in: 0...UInt32.max, using: &rng),
                delta: UInt32.random(in: 0...UInt32.max, using: &rng),
                previousDelta: UInt32.random(in: 0...UInt32.max, using: &rng))
        }
        let withPersistence = version == .v1 && Int.random(in: 0..<4, using: &rng) == 0
        return SyncedConnection(
            protocolNumber: protocolNumber, flags: flags, state: state, clientAddress: address(),
            clientPort: UInt16.random(in: 0...UInt16.max, using: &rng), virtualAddress: address(),
            virtualPort: UInt16.random(in: 0...UInt16.max, using: &rng), destinationAddress: address(),
            destinationPort: UInt16.random(in: 0...UInt16.max, using: &rng),
            firewallMark: version == .v1 ? UInt32.random(in: 0...UInt32.max, using: &rng) : 0,
            timeout: version == .v1 ? UInt32.random(in: 0...UInt32.max, using: &rng) : 0,
            inSequence: flags.contains(.inSequence) ? adjustment() : nil,
            outSequence: flags.contains(.outSequence) ? adjustment() : nil,
            persistenceData: withPersistence
                ? (0..<Int.random(in: 1...255, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) } : [],
            persistenceEngine: withPersistence
                ? String(repeating: "p", count: Int.random(in: 1...15, using: &rng)) : nil)
    }

    static func randomMessage(using rng: inout SplitMix64) -> SyncMessage {
        let version: SyncProtocolVersion = Int.random(in: 0..<4, using: &rng) == 0 ? .v0 : .v1
        let count = Int.random(in: 0...12, using: &rng)
        return SyncMessage(
            version: version, syncID: UInt8.random(in: 0...255, using: &rng),
            connections: (0..<count).map { _ in randomConnection(version: version, using: &rng) })
    }

    @Test func randomMessagesRoundTrip() throws {
        var rng = SplitMix64(seed: 0x5EED_0001)
        for _ in 0..<3000 {
            let message = Self.randomMessage(using: &rng)
            let bytes = try message.encoded()
            let decoding = SyncMessage.decode(bytes, backupSyncID: message.syncID)
            // An empty v1 message is all zeros but the version byte, still v1; an empty v0 one is v0.
            #expect(decoding.version == message.version)
            #expect(decoding.connections == message.connections)
            #expect(decoding.dropReasons.isEmpty)
        }
    }

    /// Truncations, byte flips and extensions of valid messages, with the size field sometimes
    /// repaired so decoding reaches the records.
    @Test func mutatedMessagesNeverTrap() throws {
        var rng = SplitMix64(seed: 0x5EED_0002)
        for _ in 0..<15000 {
            var bytes = try Self.randomMessage(using: &rng).encoded()
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)))
            case 1:
                for _ in 0..<Int.random(in: 1...8, using: &rng) where !bytes.isEmpty {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            case 2:
                bytes += (0..<Int.random(in: 1...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            default:
                bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)))
                if bytes.count > 8 { bytes[Int.random(in: 8..<bytes.count, using: &rng)] ^= 0xFF }
            }
            if bytes.count >= 4 && Bool.random(using: &rng) {
                bytes[2] = UInt8(truncatingIfNeeded: bytes.count >> 8)
                bytes[3] = UInt8(truncatingIfNeeded: bytes.count)
            }
            Self.checkInvariants(bytes)
        }
    }

    /// Arbitrary bytes with a consistent size field, half of them with a v1 header.
    @Test func randomDatagramsNeverTrap() {
        var rng = SplitMix64(seed: 0x5EED_0003)
        for _ in 0..<15000 {
            let length = Int.random(in: 0...700, using: &rng)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if length >= 8 && Bool.random(using: &rng) {
                bytes[0] = 0
                bytes[5] = 1
                bytes[6] = 0
                bytes[7] = 0
            }
            if length >= 4 {
                bytes[2] = UInt8(truncatingIfNeeded: length >> 8)
                bytes[3] = UInt8(truncatingIfNeeded: length)
            }
            Self.checkInvariants(bytes)
        }
    }

    static func checkInvariants(_ bytes: [UInt8]) {
        let decoding = SyncMessage.decode(bytes)
        guard let version = decoding.version else {
            #expect(decoding.connections.isEmpty && decoding.skippedRecords.isEmpty)
            #expect(decoding.messageDrop?.scope == .message)
            return
        }
        let counted = Int(version == .v1 ? bytes[4] : bytes[0])
        #expect(decoding.connections.count + decoding.skippedRecords.count <= counted)
        #expect(decoding.messageDrop?.scope != .message)
        if decoding.messageDrop == nil {
            #expect(decoding.connections.count + decoding.skippedRecords.count == counted)
        }
    }
}
