import Testing

@testable import LVSCore

/// Our entry cap and new-connection rate limits (docs/design/0030-ipvs-defences.md).
@Suite struct EntryLimitAndRateLimitTests {
    @Test func capEvictsEmbryonicEntriesFirstThenRefuses() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        try h.setDefences { $0.maxConnectionEntries = 3 }
        h.establish(client: 1)
        h.send(.syn, client: 2)
        h.establish(client: 3)
        #expect(h.director.connectionCount == 3)
        // At the cap: the SYN_RECV entry of client 2 makes room, not the established ones.
        #expect(h.send(.syn, client: 4).isForward)
        #expect(h.entry(client: 2) == nil)
        #expect(h.entry(client: 1) != nil && h.entry(client: 3) != nil && h.entry(client: 4) != nil)
        #expect(h.counters.evictedAtEntryLimit == 1)
        // Nothing evictable: refused and counted, the table unchanged.
        h.send(.ack, client: 4)
        #expect(h.send(.syn, client: 5) == .drop(.tableFull))
        #expect(h.entry(client: 5) == nil)
        #expect(h.director.connectionCount == 3)
        #expect(h.counters.refusedAtEntryLimit == 1)
        #expect(h.counters.droppedTableFull == 1)
        // Established entries idle for 60 s may go when no embryonic one is left.
        h.advance(seconds: 61)
        #expect(h.send(.syn, client: 6).isForward)
        #expect(h.director.connectionCount == 3)
        #expect(h.counters.evictedAtEntryLimit == 2)
    }

    @Test func spoofedSYNFloodAtTheCapLeavesRealClientsServed() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        try h.setDefences { $0.maxConnectionEntries = 1000 }
        h.establish(client: 1)
        func spoofedSYN(_ n: UInt32) -> InboundVerdict {
            h.director.inbound(
                InboundPacket(
                    protocolNumber: .tcp, clientAddress: IPAddress(ipv4: 0x0B00_0000 | n), clientPort: 1024,
                    destinationAddress: h.vipAddress, destinationPort: 80, tcpFlags: .syn, length: 60),
                now: h.now)
        }
        var admitted = 0
        for n in 0..<10_000 where spoofedSYN(UInt32(n)).isForward { admitted += 1 }
        // Every spoofed SYN got an entry by evicting an older spoofed one; the table never grew.
        #expect(admitted == 10_000)
        #expect(h.director.connectionCount == 1000)
        #expect(h.counters.evictedAtEntryLimit == 10_000 - 999)
        #expect(h.counters.refusedAtEntryLimit == 0)
        // The real client's connection is untouched, and a new real client gets through.
        #expect(h.entry(client: 1)?.stateName == "ESTABLISHED")
        #expect(h.send(.ack, client: 1).isForward)
        #expect(h.establish(client: 2).isForward)
        #expect(h.entry(client: 2)?.stateName == "ESTABLISHED")
        #expect(h.director.connectionCount == 1000)
    }

    @Test func capNeverTakesTheTemplateOfTheConnectionBeingMade() throws {
        let h = ConnectionHarness()
        try h.addService(persistence: 300)
        try h.addServer(1)
        try h.setDefences { $0.maxConnectionEntries = 3 }
        h.establish(client: 1)  // an ASSURED template controlling an ESTABLISHED entry
        // Client 2's new template fills the table; its connection finds nothing to evict (the
        // template being made is not a candidate) and is refused.
        #expect(h.send(.syn, client: 2) == .drop(.tableFull))
        #expect(h.entry(client: 1)?.stateName == "ESTABLISHED")
        #expect(h.director.connectionCount == 3)
        #expect(h.counters.refusedAtEntryLimit == 1)
        // Once the connection closed, an embryonic entry makes room for the next client.
        h.send(.rst, client: 1)
        h.advance(seconds: 11)
        #expect(h.send(.syn, client: 3).isForward)
        #expect(h.entry(client: 3)?.stateName == "SYN_RECV")
        #expect(h.send(.syn, client: 4).isForward)
        #expect(h.entry(client: 3) == nil)
        #expect(h.director.connectionCount <= 3)
    }

    @Test func serviceRateLimitAllowsTheBurstThenTheRate() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        let other = try h.addService(VirtualServiceID(protocol: .tcp, address: h.vipAddress, port: 443))
        try h.addServer(2, to: other)
        try h.setDefences { $0.serviceRateLimit = NewConnectionRateLimit(rate: 10, burst: 5) }
        let first = (1...8).map { h.send(.syn, client: UInt32($0)) }
        #expect(first.filter(\.isForward).count == 5)
        #expect(first.suffix(3).allSatisfy { $0 == .drop(.rateLimited) })
        #expect(h.counters.droppedServiceRateLimit == 3)
        // Another service has a bucket of its own.
        #expect(h.send(.syn, client: 9, to: 443).isForward)
        // A tenth of a second refills one connection.
        h.advance(nanoseconds: 100_000_000)
        #expect(h.send(.syn, client: 10).isForward)
        #expect(h.send(.syn, client: 11) == .drop(.rateLimited))
        // Packets of admitted connections are not limited.
        #expect(h.send(.ack, client: 1).isForward)
    }

    @Test func sourceRateLimitIsPerClient() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        try h.setDefences { $0.sourceRateLimit = NewConnectionRateLimit(rate: 1, burst: 3) }
        let verdicts = (0..<5).map { h.send(.syn, client: 1, port: 41_000 + UInt16($0)) }
        #expect(verdicts.map(\.isForward) == [true, true, true, false, false])
        #expect(h.counters.droppedSourceRateLimit == 2)
        #expect(h.send(.syn, client: 2).isForward)
        h.advance(seconds: 1)
        #expect(h.send(.syn, client: 1, port: 42_000).isForward)
        #expect(h.send(.syn, client: 1, port: 42_001) == .drop(.rateLimited))
    }

    @Test func sourceTableStaysBoundedAndKeepsBusySources() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        try h.setDefences {
            $0.sourceRateLimit = NewConnectionRateLimit(rate: 1, burst: 3)
            $0.sourceRateSlots = 64
        }
        let bytes = h.director.sourceRateTableBytes
        #expect(bytes >= 64 * 16 && bytes < 2 * 64 * 16)
        for port in 0..<4 { h.send(.syn, client: 1, port: 41_000 + UInt16(port)) }
        #expect(h.counters.droppedSourceRateLimit == 1)
        // A flood from 20,000 spoofed sources, each admitted once.
        var spoofed = 0
        for n in 0..<20_000 {
            let source = IPAddress(ipv4: 0x0B00_0000 | UInt32(n))
            let verdict = h.director.inbound(
                InboundPacket(
                    protocolNumber: .tcp, clientAddress: source, clientPort: 1024, destinationAddress: h.vipAddress,
                    destinationPort: 80, tcpFlags: .syn, length: 60),
                now: h.now)
            if verdict.isForward { spoofed += 1 }
        }
        #expect(spoofed == 20_000)
        #expect(h.director.sourceRateTableBytes == bytes)
        // The busy source kept its bucket: still over its limit.
        #expect(h.send(.syn, client: 1, port: 43_000) == .drop(.rateLimited))
    }
}
