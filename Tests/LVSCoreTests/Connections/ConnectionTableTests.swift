import Testing

@testable import LVSCore

@Suite struct ConnectionTableTests {
    static let second: UInt64 = 1_000_000_000

    func entry(client: UInt32, port: UInt16, vport: UInt16 = 80, proto: IPProtocolNumber = .tcp) -> ConnectionEntry {
        var e = ConnectionEntry()
        e.clientLow = UInt64(client)
        e.clientPort = port
        e.virtualLow = 0x0A00_0001
        e.virtualPort = vport
        e.protocolNumber = proto
        return e
    }

    @Test func memoryPerEntry() {
        // 112-byte entries (104 before the 9 bytes of sync bookkeeping, reference §7.2; the budget
        // is 128) plus at most 8 bytes of bucket heads each (load factor ½ … 1).
        #expect(MemoryLayout<ConnectionEntry>.stride == 112)
        var table = ConnectionTable(hashSeed: 1, initialCapacity: 1 << 20)
        #expect(table.footprintBytes / (1 << 20) <= 120)
        _ = table.allocate(entry(client: 1, port: 1))
        #expect(table.count == 1)
    }

    @Test func timersSpanThirtyOneDaysAndBeyond() throws {
        var table = ConnectionTable(hashSeed: 3)
        let start = 5_000 * Self.second
        let month = UInt64(2_678_400) * Self.second
        let far = UInt64(90 * 86_400) * Self.second  // beyond the level-1 span: parked and re-placed
        let aSlot = table.allocate(entry(client: 1, port: 1))
        let a = try #require(aSlot)
        let bSlot = table.allocate(entry(client: 2, port: 1))
        let b = try #require(bSlot)
        let cSlot = table.allocate(entry(client: 3, port: 1))
        let c = try #require(cSlot)
        table.arm(a, expiry: start + month, now: start)
        table.arm(b, expiry: start + far, now: start)
        table.arm(c, expiry: start + 4096 * Self.second + Self.second / 2, now: start)
        #expect(table.popExpired(now: start + 4096 * Self.second + Self.second / 2 - 1) == nil)
        #expect(table.popExpired(now: start + 4096 * Self.second + Self.second / 2) == c)
        #expect(table.popExpired(now: start + month - 1) == nil)
        #expect(table.popExpired(now: start + month) == a)
        #expect(table.popExpired(now: start + far - 1) == nil)
        #expect(table.popExpired(now: start + far) == b)
        #expect(table.armedCount == 0)
    }

    @Test func hundredThousandConnectionsThroughTheDirector() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        try h.addServer(2)
        let n = 100_000
        var servers: [IPAddress?] = []
        servers.reserveCapacity(n)
        for i in 0..<n {
            servers.append(h.send(.syn, client: UInt32(i >> 12), port: UInt16(1024 + (i & 4095))).serverAddress)
        }
        #expect(h.director.connectionCount == n)
        #expect(h.realServer(1)!.totalConnections + h.realServer(2)!.totalConnections == Int32(n))
        h.advance(seconds: 30)
        for i in 0..<n {
            let v = h.send(.ack, client: UInt32(i >> 12), port: UInt16(1024 + (i & 4095)))
            if v.serverAddress != servers[i] {
                Issue.record("connection \(i) moved")
                break
            }
        }
        #expect(h.realServer(1)!.activeConnections == Int32(n / 2))
        #expect(h.director.globalStats.inPackets == UInt64(2 * n))
        h.advance(seconds: 899)
        #expect(h.director.connectionCount == n)
        h.advance(seconds: 1)
        #expect(h.director.connectionCount == 0)
        #expect(h.counts(1) == [0, 0, 0])
        #expect(h.counts(2) == [0, 0, 0])
        #expect(h.snapshots.isEmpty)
    }

    struct Key: Hashable {
        var client: UInt32
        var port: UInt16
        var vport: UInt16
        var proto: IPProtocolNumber
    }

    @Test func randomisedAgainstDictionaryModel() throws {
        var rng = SplitMix64(seed: 42)
        var table = ConnectionTable(hashSeed: rng.next(), initialCapacity: 16)
        var model: [Key: (index: Int32, expiry: UInt64)] = [:]
        var now = 100 * Self.second
        let protocols: [IPProtocolNumber] = [.tcp, .udp]
        for step in 0..<60_000 {
            let key = Key(
                client: UInt32(rng.next() % 64), port: UInt16(rng.next() % 32), vport: UInt16(80 + rng.next() % 2),
                proto: protocols[Int(rng.next() % 2)])
            let vip = IPAddress(ipv4: 0x0A00_0001)
            let found = table.lookupIn(
                key.proto, client: IPAddress(ipv4: key.client), clientPort: key.port, virtual: vip,
                virtualPort: key.vport)
            #expect(found == model[key]?.index, "step \(step)")
            switch rng.next() % 10 {
            case 0...4:
                let expiry = now + (1 + rng.next() % 5_000) * Self.second + rng.next() % Self.second
                if let index = found {
                    table.arm(index, expiry: expiry, now: now)
                    model[key] = (index, expiry)
                } else {
                    let fresh = entry(client: key.client, port: key.port, vport: key.vport, proto: key.proto)
                    let indexSlot = table.allocate(fresh)
                    let index = try #require(indexSlot)
                    table.hash(index)
                    table.arm(index, expiry: expiry, now: now)
                    model[key] = (index, expiry)
                }
            case 5:
                if let index = found {
                    table.free(index)
                    model[key] = nil
                }
            default:
                now += rng.next() % (30 * Self.second)
                while let index = table.popExpired(now: now) {
                    let e = table.entries[Int(index)]
                    let k = Key(
                        client: UInt32(e.clientLow), port: e.clientPort, vport: e.virtualPort, proto: e.protocolNumber)
                    let m = try #require(model[k])
                    #expect(m.index == index && m.expiry <= now)
                    model[k] = nil
                    table.free(index)
                }
                // Nothing due may remain.
                #expect(!model.values.contains { $0.expiry <= now })
            }
            #expect(table.count == model.count)
        }
        #expect(table.armedCount == model.count)
    }
}

/// The side table of persistence-engine data (ConnectionTable+PersistenceData.swift).
@Suite struct ConnectionTablePersistenceDataTests {
    func template(client: UInt32, vport: UInt16 = 5060) -> ConnectionEntry {
        var e = ConnectionEntry()
        e.clientLow = UInt64(client)
        e.virtualLow = 0x0A00_0001
        e.virtualPort = vport
        e.protocolNumber = .udp
        e.flags = .template
        return e
    }

    func lookup(_ table: ConnectionTable, client: UInt32, _ callID: String, vport: UInt16 = 5060) -> Int32? {
        table.lookupTemplate(
            .udp, network: IPAddress(ipv4: client), virtualHigh: 0, virtualLow: 0x0A00_0001, virtualPort: vport,
            persistenceData: Array(callID.utf8))
    }

    @Test func templatesAreFoundByDataThroughGrowthAndFreedWithTheirEntry() throws {
        var table = ConnectionTable(hashSeed: 9, initialCapacity: 16)
        var slots: [Int32] = []
        // Many calls of one client: all in different chains of the same client, past several
        // doublings of the bucket array.
        for k in 0..<300 {
            let allocated = table.allocate(template(client: 1))
            let slot = try #require(allocated)
            table.setPersistenceData(Array("call-\(k)".utf8), of: slot)
            table.hash(slot)
            slots.append(slot)
        }
        #expect(table.buckets.count >= 256)
        for k in 0..<300 { #expect(lookup(table, client: 1, "call-\(k)") == slots[k]) }
        #expect(lookup(table, client: 2, "call-1") == nil)
        #expect(lookup(table, client: 1, "call-1", vport: 5061) == nil)
        #expect(lookup(table, client: 1, "call-300") == nil)
        // The address lookup never finds a template with data.
        #expect(
            table.lookupTemplate(
                .udp, network: IPAddress(ipv4: 1), virtualHigh: 0, virtualLow: 0x0A00_0001, virtualPort: 5060) == nil)
        // Freeing drops the data; the slot's next entry has none.
        table.free(slots[7])
        #expect(lookup(table, client: 1, "call-7") == nil)
        #expect(table.persistenceData.count == 299)
        let allocatedAgain = table.allocate(template(client: 1))
        let reused = try #require(allocatedAgain)
        #expect(reused == slots[7])
        #expect(table.persistenceData(of: reused) == nil)
        // Attaching data to a hashed entry moves it to the data's chain.
        table.hash(reused)
        table.setPersistenceData(Array("late".utf8), of: reused)
        #expect(lookup(table, client: 1, "late") == reused)
        table.free(reused)
        #expect(lookup(table, client: 1, "late") == nil)
        for k in 0..<300 where k != 7 { table.free(slots[k]) }
        #expect(table.persistenceData.isEmpty)
        #expect(table.count == 0)
    }
}
