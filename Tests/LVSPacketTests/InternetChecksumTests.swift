import LVSPacket
import Testing

@Suite struct InternetChecksumTests {
    /// RFC 1624 eqn. 3 for 16-, 32- and 128-bit field changes equals recomputing from scratch,
    /// on random data with the field at a random even offset.
    @Test func incrementalUpdatesEqualFullRecompute() {
        var random = TestRandom(seed: 1624)
        for round in 0..<3_000 {
            let width = [2, 4, 16][round % 3]
            var data = random.bytes(Int.random(in: 16...200, using: &random) & ~1)
            let offset = Int.random(in: 0...((data.count - width) / 2), using: &random) * 2
            let before = InternetChecksum.checksum(data)
            let old = Array(data[offset..<(offset + width)])
            let new = random.bytes(width)
            data.replaceSubrange(offset..<(offset + width), with: new)
            let full = InternetChecksum.checksum(data)
            func word(_ bytes: [UInt8], _ index: Int) -> UInt16 { UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]) }
            func quad(_ bytes: [UInt8], _ index: Int) -> UInt32 {
                UInt32(word(bytes, index)) << 16 | UInt32(word(bytes, index + 2))
            }
            func wide(_ bytes: [UInt8]) -> WireAddress {
                let high = UInt64(quad(bytes, 0)) << 32 | UInt64(quad(bytes, 4))
                let low = UInt64(quad(bytes, 8)) << 32 | UInt64(quad(bytes, 12))
                return WireAddress(ipv6High: high, low: low)
            }
            let incremental: UInt16
            switch width {
            case 2: incremental = InternetChecksum.update(before, old: word(old, 0), new: word(new, 0))
            case 4: incremental = InternetChecksum.update(before, old: quad(old, 0), new: quad(new, 0))
            default: incremental = InternetChecksum.update(before, old: wide(old), new: wide(new))
            }
            // One's complement has two zeros; random data never sums to zero here, so compare exactly.
            #expect(incremental == full, "width \(width) round \(round)")
            if incremental != full { return }
        }
    }

    @Test func pseudoHeaderSums() throws {
        // IPv4: 192.0.2.1 → 198.51.100.10, TCP, length 24 (the known-answer SYN's pseudo-header).
        let v4 = InternetChecksum.pseudoHeaderSum(
            source: try #require(WireAddress("192.0.2.1")), destination: try #require(WireAddress("198.51.100.10")),
            protocolNumber: 6, length: 24)
        #expect(v4 == 0xC000 + 0x0201 + 0xC633 + 0x640A + 6 + 24)
        // IPv6 uses a 32-bit length: lengths above 65535 carry into the upper word.
        let v6 = InternetChecksum.pseudoHeaderSum(
            source: WireAddress(ipv6High: 0, low: 1), destination: WireAddress(ipv6High: 0, low: 2), protocolNumber: 17,
            length: 0x1_0002)
        #expect(v6 == 1 + 2 + 17 + 1 + 2)
        #expect(InternetChecksum.fold(0x1_FFFF) == 1)
        #expect(InternetChecksum.fold(0xFFFF_FFFF_FFFF) == 0xFFFF)
    }
}
