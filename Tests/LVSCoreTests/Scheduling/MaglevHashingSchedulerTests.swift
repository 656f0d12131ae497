import Testing

@testable import LVSCore

private typealias F = SchedulingFixture

/// mh (reference §3.14). Expected tables and lookups come from an independent Python
/// implementation of SipHash-1-3 (checked against Rust libcore's vectors) and of the fill loop.
@Suite struct MaglevHashingSchedulerTests {
    /// List order C (10.0.0.3, weight 2), B (10.0.0.2, 1), A (10.0.0.1, 1), all port 80.
    private func threeServers(flags: SchedulerFlags = []) -> (MaglevHashingScheduler, [RealServer]) {
        let servers = [F.server(3, weight: 2), F.server(2, weight: 1), F.server(1, weight: 1)]
        let mh = MaglevHashingScheduler(flags: flags)
        mh.destinationsChanged(servers)
        return (mh, servers)
    }

    private func slotCounts(_ mh: MaglevHashingScheduler) -> [Int32: Int] {
        var counts: [Int32: Int] = [:]
        for slot in mh.slots { counts[slot, default: 0] += 1 }
        return counts
    }

    @Test func permutationParametersMatchKernelHashes() {
        let size = UInt32(MaglevHashingScheduler.tableSize)
        func offset(_ n: UInt32) -> UInt32 {
            MaglevHashingScheduler.hashKey(
                address: IPAddress(ipv4: 0x0A00_0000 | n), port: 80, key: MaglevHashingScheduler.key1, offset: 0) % size
        }
        func skip(_ n: UInt32) -> UInt32 {
            MaglevHashingScheduler.hashKey(
                address: IPAddress(ipv4: 0x0A00_0000 | n), port: 80, key: MaglevHashingScheduler.key2, offset: 0)
                % (size - 1) + 1
        }
        #expect([offset(3), offset(2), offset(1)] == [1631, 1231, 3167])
        #expect([skip(3), skip(2), skip(1)] == [3453, 3544, 700])
    }

    @Test func tableLayoutForWeights211() {
        let (mh, _) = threeServers()
        #expect(mh.slots.count == 4093)
        #expect(slotCounts(mh) == [0: 2047, 1: 1023, 2: 1023])
        #expect(Array(mh.slots.prefix(12)) == [2, 1, 0, 0, 0, 0, 1, 0, 0, 2, 2, 1])
    }

    @Test func lookupsByClientAddressAndPort() {
        let (mh, _) = threeServers()
        // Clients 192.168.1.x: x = 1 → slot 2456 (C), 7 → 3106 (B), 10 → 3323 (A).
        #expect(F.label(mh.pick(F.input(client: 0xC0A8_0101))) == "C")
        #expect(F.label(mh.pick(F.input(client: 0xC0A8_0107))) == "B")
        #expect(F.label(mh.pick(F.input(client: 0xC0A8_010A))) == "A")
        #expect(F.label(mh.pick(F.input(client: 0xC0A8_0103, clientPort: 1234))) == "C")  // port ignored
        let (withPort, _) = threeServers(flags: .port)
        // With mh-port, client 3 port 1234 → slot 3516 (B); client 1 port 1234 → slot 61 (C).
        #expect(F.label(withPort.pick(F.input(client: 0xC0A8_0103, clientPort: 1234))) == "B")
        #expect(F.label(withPort.pick(F.input(client: 0xC0A8_0101, clientPort: 1234))) == "C")
        #expect(F.label(withPort.pick(F.input(client: 0xC0A8_0103, clientPort: 1234, protocolNumber: .ip))) == "C")
    }

    @Test func quiescedServerKeepsItsSlotsAndFallbackRehashes() {
        let (plain, servers) = threeServers()
        let (fallback, _) = threeServers(flags: .fallback)
        let c = servers[0]
        c.config.weight = 0  // lastNonZeroWeight stays 2
        plain.destinationsChanged(servers)
        fallback.destinationsChanged(servers)
        #expect(slotCounts(plain) == [0: 2047, 1: 1023, 2: 1023])
        #expect(plain.pick(F.input(client: 0xC0A8_0101)) == nil)
        // Client 1: slot 2456 (C) → rehash offsets 2456, 2457, 2458 → slot 310 (B) on the third.
        // Client 2: slot 811 (C) → second probe slot 1873 (A). Client 5: first probe 1394 (B).
        #expect(F.label(fallback.pick(F.input(client: 0xC0A8_0101))) == "B")
        #expect(F.label(fallback.pick(F.input(client: 0xC0A8_0102))) == "A")
        #expect(F.label(fallback.pick(F.input(client: 0xC0A8_0105))) == "B")
        // Servers other than C are unaffected.
        #expect(F.label(fallback.pick(F.input(client: 0xC0A8_0107))) == "B")
    }

    @Test func rshiftScalesLargeWeightRatios() {
        // 100 : 1 → fls(100) = 7 > 6, rshift 1 → turns 50 : 1.
        let mh = MaglevHashingScheduler()
        mh.destinationsChanged([F.server(2, weight: 100), F.server(1, weight: 1)])
        #expect(slotCounts(mh) == [0: 4013, 1: 80])
        // 1000 : 1 → rshift 4 → turns 62 : 1.
        mh.destinationsChanged([F.server(2, weight: 1000), F.server(1, weight: 1)])
        #expect(slotCounts(mh) == [0: 4029, 1: 64])
    }

    @Test func fairnessSlotsProportionalToWeight() {
        let mh = MaglevHashingScheduler()
        mh.destinationsChanged((1...5).reversed().map { F.server(UInt32($0)) })
        #expect(slotCounts(mh).values.sorted() == [818, 818, 819, 819, 819])
        mh.destinationsChanged([F.server(4, weight: 4), F.server(3, weight: 3), F.server(2, weight: 2), F.server(1)])
        let counts = slotCounts(mh)
        #expect(counts == [0: 1639, 1: 1227, 2: 818, 3: 409])
        for (index, weight) in [(Int32(0), 4.0), (1, 3.0), (2, 2.0), (3, 1.0)] {
            let share = Double(counts[index] ?? 0) / 4093.0
            #expect(abs(share - weight / 10.0) < 0.01)
        }
    }

    @Test func distributionOverManyClients() {
        let mh = MaglevHashingScheduler()
        mh.destinationsChanged([F.server(3, weight: 2), F.server(2, weight: 1), F.server(1, weight: 1)])
        var counts: [String: Int] = [:]
        for client in 0..<100_000 {
            counts[F.label(mh.pick(F.input(client: 0xAC10_0000 &+ UInt32(client)))), default: 0] += 1
        }
        #expect(abs((counts["C"] ?? 0) - 50_000) < 1_500)
        #expect(abs((counts["B"] ?? 0) - 25_000) < 1_500)
        #expect(abs((counts["A"] ?? 0) - 25_000) < 1_500)
    }

    @Test func removingOneOfTenServersMovesAboutATenth() {
        let ten = (1...10).reversed().map { F.server(UInt32($0)) }
        let before = MaglevHashingScheduler()
        before.destinationsChanged(ten)
        let after = MaglevHashingScheduler()
        after.destinationsChanged(ten.filter { $0.key.address.ipv4Value != 0x0A00_0005 })
        var moved = 0
        var others = 0
        var othersMoved = 0
        for client in 0..<100_000 {
            let input = F.input(client: 0xAC10_0000 &+ UInt32(client))
            let old = before.pick(input)
            let new = after.pick(input)
            if old !== new { moved += 1 }
            if F.label(old) != "E" {
                others += 1
                if old !== new { othersMoved += 1 }
            }
        }
        // Independent computation: 11057 moved; 1030 of the 89973 not on E.
        #expect(moved == 11_057)
        #expect(others == 89_973)
        #expect(othersMoved == 1_030)
        #expect(Double(othersMoved) / Double(others) < 0.02)
    }

    @Test func emptyOrAllZeroListsLeaveTheTableEmpty() {
        let mh = MaglevHashingScheduler(flags: .fallback)
        mh.destinationsChanged([])
        #expect(mh.slots.allSatisfy { $0 == -1 })
        #expect(mh.pick(F.input()) == nil)
        let zero = F.server(1, weight: 0)
        zero.lastNonZeroWeight = 0
        mh.destinationsChanged([zero])
        #expect(mh.slots.allSatisfy { $0 == -1 })
        #expect(mh.pick(F.input()) == nil)
    }
}
