import Testing

@testable import LVSCore

private typealias F = SchedulingFixture

/// dh and sh (reference §3.12, §3.13). Bucket numbers: hash_32(v, 8) for
/// 10.0.0.1 → 39, 10.0.0.2 → 137, 10.0.0.3 → 235; for clients 192.168.1.x (x = 1, 2, 7) → 136, 234,
/// 211, and with source port 1234 added → 225, 67, 44.
@Suite struct DestinationHashingSchedulerTests {
    @Test func bucketIHoldsTheIModNthServer() {
        let dh = DestinationHashingScheduler()
        #expect(dh.buckets.allSatisfy { $0 == -1 })
        dh.destinationsChanged([F.server(3), F.server(2), F.server(1)])
        #expect(dh.buckets.count == 256)
        #expect(Array(dh.buckets.prefix(7)) == [0, 1, 2, 0, 1, 2, 0])
        #expect(dh.buckets[255] == 0)  // 255 mod 3
    }

    @Test func picksByDestinationAddress() {
        let dh = DestinationHashingScheduler()
        let c = F.server(3), b = F.server(2), a = F.server(1)
        dh.destinationsChanged([c, b, a])
        // 39 mod 3 = 0 → C; 137 mod 3 = 2 → A; 235 mod 3 = 1 → B. The client does not matter.
        #expect(F.label(dh.pick(F.input(client: 1, destination: 0x0A00_0001))) == "C")
        #expect(F.label(dh.pick(F.input(client: 2, destination: 0x0A00_0001))) == "C")
        #expect(F.label(dh.pick(F.input(destination: 0x0A00_0002))) == "A")
        #expect(F.label(dh.pick(F.input(destination: 0x0A00_0003))) == "B")
    }

    @Test func ineligibleOwnerFailsWithoutFallback() {
        let dh = DestinationHashingScheduler()
        let c = F.server(3, weight: 0), b = F.server(2, overloaded: true), a = F.server(1)
        dh.destinationsChanged([c, b, a])
        #expect(dh.pick(F.input(destination: 0x0A00_0001)) == nil)
        #expect(dh.pick(F.input(destination: 0x0A00_0003)) == nil)
        #expect(F.label(dh.pick(F.input(destination: 0x0A00_0002))) == "A")
        dh.destinationsChanged([])
        #expect(dh.pick(F.input(destination: 0x0A00_0002)) == nil)
    }
}

@Suite struct SourceHashingSchedulerTests {
    @Test func tableGivesEachServerMaxWeightOneConsecutiveBuckets() {
        let sh = SourceHashingScheduler()
        sh.destinationsChanged([F.server(1, weight: 2), F.server(2, weight: 0), F.server(3, weight: 1)])
        // A A B C, repeating: weight 0 still takes one bucket.
        let expected = (0..<256).map { [Int32(0), 0, 1, 2][$0 % 4] }
        #expect(sh.buckets == expected)
    }

    @Test func heavyFirstServerStarvesTheRest() {
        let sh = SourceHashingScheduler()
        sh.destinationsChanged([F.server(1, weight: 300), F.server(2, weight: 1)])
        #expect(sh.buckets.allSatisfy { $0 == 0 })
        sh.destinationsChanged([F.server(1, weight: 200), F.server(2, weight: 100)])
        #expect(sh.buckets.filter { $0 == 0 }.count == 200)
        #expect(sh.buckets.filter { $0 == 1 }.count == 56)
    }

    private func scheduler(flags: SchedulerFlags, c: RealServer = F.server(3, weight: 1)) -> SourceHashingScheduler {
        let sh = SourceHashingScheduler(flags: flags)
        sh.destinationsChanged([F.server(1, weight: 2), F.server(2, weight: 0), c])
        return sh
    }

    @Test func picksByClientAddress() {
        let sh = scheduler(flags: [])
        #expect(F.label(sh.pick(F.input(client: 0xC0A8_0101))) == "A")  // 136 mod 4 = 0
        #expect(F.label(sh.pick(F.input(client: 0xC0A8_0107))) == "C")  // 211 mod 4 = 3
        #expect(sh.pick(F.input(client: 0xC0A8_0102)) == nil)  // 234 mod 4 = 2: B, weight 0
        // The port is ignored without sh-port.
        #expect(sh.pick(F.input(client: 0xC0A8_0102, clientPort: 1234)) == nil)
    }

    @Test func shPortAddsTheSourcePort() {
        let sh = scheduler(flags: .port)
        #expect(F.label(sh.pick(F.input(client: 0xC0A8_0102, clientPort: 1234))) == "C")  // 67 mod 4 = 3
        #expect(F.label(sh.pick(F.input(client: 0xC0A8_0107, clientPort: 1234))) == "A")  // 44 mod 4 = 0
        #expect(F.label(sh.pick(F.input(client: 0xC0A8_0101, clientPort: 1234))) == "A")  // 225 mod 4 = 1
        // Only TCP, UDP and SCTP have ports: protocol 0 hashes port 0 → bucket 234 → B → fail.
        #expect(sh.pick(F.input(client: 0xC0A8_0102, clientPort: 1234, protocolNumber: .ip)) == nil)
        #expect(F.label(sh.pick(F.input(client: 0xC0A8_0102, clientPort: 1234, protocolNumber: .udp))) == "C")
    }

    @Test func shFallbackProbesFromTwiceTheHash() {
        let c = F.server(3, weight: 1)
        let sh = scheduler(flags: .fallback, c: c)
        // Client 2: bucket 234 (B, weight 0); probe k = 0 → (468 + 0) mod 256 = 212 → A.
        #expect(F.label(sh.pick(F.input(client: 0xC0A8_0102))) == "A")
        // Client 7: bucket 211 (C) overloaded; probes 166 (B), 167 (C), 168 (A) → A.
        c.isOverloaded = true
        #expect(F.label(sh.pick(F.input(client: 0xC0A8_0107))) == "A")
        let withoutFallback = scheduler(flags: [], c: c)
        #expect(withoutFallback.pick(F.input(client: 0xC0A8_0107)) == nil)
    }

    @Test func fallbackFailsWhenNothingIsEligible() {
        let sh = SourceHashingScheduler(flags: .fallback)
        sh.destinationsChanged([F.server(1, weight: 0), F.server(2, overloaded: true)])
        #expect(sh.pick(F.input()) == nil)
        sh.destinationsChanged([])
        #expect(sh.pick(F.input()) == nil)
    }

    @Test func distributionOverManyClientsFollowsBuckets() {
        // Weights 3, 1 → 192 and 64 buckets; 100k clients should split about 3 : 1.
        let sh = SourceHashingScheduler()
        sh.destinationsChanged([F.server(1, weight: 3), F.server(2, weight: 1)])
        var counts: [String: Int] = [:]
        for client in 0..<100_000 {
            counts[F.label(sh.pick(F.input(client: 0xAC10_0000 &+ UInt32(client) &* 2_654_435_761))), default: 0] += 1
        }
        #expect(abs((counts["A"] ?? 0) - 75_000) < 2_500)
        #expect(abs((counts["B"] ?? 0) - 25_000) < 2_500)
    }
}
