import Testing

@testable import LVSCore

/// The shrink policy of ConnectionTable+Shrink.swift (docs/design/0024-packet-bursts.md).
@Suite struct ConnectionTableShrinkTests {
    func entry(client: UInt32, port: UInt16) -> ConnectionEntry {
        var e = ConnectionEntry()
        e.clientLow = UInt64(client)
        e.clientPort = port
        e.virtualLow = 0x0A00_0001
        e.virtualPort = 80
        return e
    }

    func lookup(_ table: ConnectionTable, client: UInt32, port: UInt16) -> Int32? {
        table.lookupIn(
            .tcp, client: IPAddress(ipv4: client), clientPort: port, virtual: IPAddress(ipv4: 0x0A00_0001),
            virtualPort: 80)
    }

    @Test func burstStorageIsGivenBackAndSurvivorsStayFound() throws {
        var table = ConnectionTable(hashSeed: 9)
        var slots: [Int32] = []
        for n in 0..<100_000 {
            let allocated = table.allocate(entry(client: UInt32(n), port: UInt16(n % 60_000) + 1))
            let slot = try #require(allocated)
            table.hash(slot)
            slots.append(slot)
        }
        let stale = table.ref(slots[99_999])
        let grown = table.footprintBytes
        #expect(table.buckets.count >= 100_000)
        // All but the first ten expire.
        for slot in slots[10...] { table.free(slot) }
        #expect(table.count == 10)
        #expect(table.footprintBytes == grown)
        let shrank = table.shrinkIfSparse()
        #expect(shrank)
        #expect(table.entries.count == table.initialSize)
        #expect(table.buckets.count == table.initialSize)
        #expect(table.footprintBytes * 10 < grown)
        for n in 0..<10 { #expect(lookup(table, client: UInt32(n), port: UInt16(n) + 1) == slots[n]) }
        #expect(lookup(table, client: 500, port: 501) == nil)
        // Refill past the old tail: the stale reference never names a new entry.
        for n in 0..<100_000 {
            let allocated = table.allocate(entry(client: UInt32(n) + 1_000_000, port: 7))
            let slot = try #require(allocated)
            table.hash(slot)
        }
        #expect(table.count == 100_010)
        #expect(table.index(of: stale) == nil)
        #expect(lookup(table, client: 1_000_500, port: 7) != nil)
        let shrankFull = table.shrinkIfSparse()
        #expect(!shrankFull)
    }

    @Test func aLongLivedEntryNearTheEndKeepsTheSlabButFreeSlotsFillFromTheFront() throws {
        var table = ConnectionTable(hashSeed: 10)
        var slots: [Int32] = []
        for n in 0..<20_000 {
            let allocated = table.allocate(entry(client: UInt32(n), port: 1))
            let slot = try #require(allocated)
            table.hash(slot)
            slots.append(slot)
        }
        for slot in slots[..<19_999] { table.free(slot) }
        let entriesBefore = table.entries.count
        let shrank = table.shrinkIfSparse()  // the buckets shrink; the slab cannot
        #expect(shrank)
        #expect(table.entries.count == entriesBefore)
        let first = table.allocate(entry(client: 1, port: 2))
        let second = table.allocate(entry(client: 2, port: 2))
        #expect(first == 0)
        #expect(second == 1)
        #expect(lookup(table, client: 19_999, port: 1) == slots[19_999])
    }

    /// The SYN flood in miniature: spoofed SYNs fill the table, expire after the
    /// SYN_RECV timeout (60 s) and leave the listing empty; the next maintenance gives the
    /// storage back.
    @Test func synFloodEntriesExpireAndTheirStorageIsGivenBack() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        let idle = h.director.connectionTable.footprintBytes
        for n in 0..<30_000 { h.send(.syn, client: UInt32(n % 250) + 1, port: UInt16(1024 + n / 250)) }
        #expect(h.director.connectionCount == 30_000)
        #expect(h.director.connectionSnapshots(now: h.now).count == 30_000)
        let flooded = h.director.connectionTable.footprintBytes
        #expect(flooded > 4 * idle)
        h.advance(seconds: 61)
        #expect(h.director.connectionCount == 0)
        #expect(h.director.connectionSnapshots(now: h.now).isEmpty)
        h.advance(seconds: 61)
        #expect(h.director.connectionTable.footprintBytes <= idle)
    }
}
