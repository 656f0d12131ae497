import Testing

@testable import LVSCore

/// drop_entry, drop_packet and secure_tcp at work (reference §4.12).
@Suite struct DefenceStrategyTests {
    @Test func dropEntryDeletesEmbryonicAndIdleShortEntriesOnly() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        h.send(.syn, client: 1)  // SYN_RECV: always dropped
        h.establish(client: 2)  // ESTABLISHED, 2 inbound packets: dropped once idle 60 s
        h.establish(client: 3)
        for _ in 0..<8 { h.send(.ack, client: 3) }  // 10 inbound packets: never dropped
        try h.setDefences { $0.dropEntry = .always }
        h.tick(seconds: 40)  // more than one full sweep (every entry seen within 32 s)
        #expect(h.entry(client: 1) == nil)
        #expect(h.entry(client: 2)?.stateName == "ESTABLISHED")
        #expect(h.entry(client: 3)?.stateName == "ESTABLISHED")
        #expect(h.counters.deletedByDropEntry == 1)
        h.tick(seconds: 40)  // idle 80 s now
        #expect(h.entry(client: 2) == nil)
        #expect(h.entry(client: 3)?.stateName == "ESTABLISHED")
        #expect(h.counters.deletedByDropEntry == 2)
        #expect(h.counts(1) == [1, 0, 0])
    }

    @Test func dropEntryKeepsAssuredTemplatesAndTakesUnassuredOnes() throws {
        let h = ConnectionHarness()
        try h.addService(persistence: 600)
        try h.addServer(1)
        h.establish(client: 1)  // its template is ASSURED
        h.send(.rst, client: 1)  // CLOSE: the connection expires, the template stays
        h.send(.syn, client: 2)  // SYN_RECV under a template that is not ASSURED
        h.advance(seconds: 20)
        #expect(h.templates.count == 2)
        #expect(h.entry(client: 1) == nil)
        #expect(h.entry(client: 2)?.stateName == "SYN_RECV")
        try h.setDefences { $0.dropEntry = .always }
        h.tick(seconds: 10)  // SYN_RECV lives 60 s: only drop_entry can have taken it
        #expect(h.entry(client: 2) == nil)
        #expect(h.templates.map(\.clientAddress) == [ConnectionHarness.client(1)])
        #expect(h.templates.first?.stateName == "ASSURED")
        #expect(h.counters.deletedByDropEntry == 2)
    }

    @Test func dropEntryNeverRunsWhenOff() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        h.send(.syn, client: 1)
        try h.setDefences { $0.dropEntry = .automaticOff }
        h.tick(seconds: 40)
        #expect(h.entry(client: 1)?.stateName == "SYN_RECV")
        #expect(h.counters.deletedByDropEntry == 0)
    }

    @Test func dropPacketDropsExactlyOneInRate() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        try h.setDefences {
            $0.dropPacket = .always
            $0.dropRate = 5
        }
        var dropped: [Int] = []
        for n in 1...50 {
            let verdict = h.send(.syn, client: UInt32(n))
            if verdict == .drop(.dropPacketDefence) {
                dropped.append(n)
            } else {
                #expect(verdict.isForward)
            }
            // Packets of existing connections are never taken.
            if verdict.isForward { #expect(h.send(.ack, client: UInt32(n)).isForward) }
        }
        #expect(dropped == [5, 10, 15, 20, 25, 30, 35, 40, 45, 50])
        #expect(h.counters.droppedByDropPacket == 10)
        // A packet that finds no service is not counted against the rate.
        #expect(h.send(.syn, client: 99, to: 81) == .notOurs)
        #expect(h.counters.droppedByDropPacket == 10)
    }

    @Test func automaticDropPacketUsesTheMemoryShortage() throws {
        let h = ConnectionHarness()
        let memory = FakeMemory(pages: 768)
        h.director.memoryReader = memory
        try h.addService()
        try h.addServer(1)
        try h.setDefences { $0.dropPacket = .automaticOff }
        #expect(h.director.defenceStatus.dropRate == 4)
        var drops = 0
        for n in 1...40 where h.send(.syn, client: UInt32(n)) == .drop(.dropPacketDefence) { drops += 1 }
        #expect(drops == 10)
        memory.pages = 4096
        h.advance(seconds: 1)
        for n in 41...80 { #expect(h.send(.syn, client: UInt32(n)).isForward) }
        #expect(h.counters.droppedByDropPacket == 10)
    }

    @Test func secureTCPSwitchesTheStateTable() throws {
        let h = ConnectionHarness()
        let memory = FakeMemory(pages: 100)
        h.director.memoryReader = memory
        try h.addService()
        try h.addServer(1)
        try h.setDefences { $0.secureTCP = .automaticOff }
        #expect(h.director.defenceStatus.secureTCP == .automaticOn)
        // Secure table: a client ACK before the server's SYN-ACK leaves SYN_RECV.
        h.send(.syn, client: 1)
        h.send(.ack, client: 1)
        #expect(h.entry(client: 1)?.stateName == "SYN_RECV")
        memory.pages = 100_000
        h.advance(seconds: 1)
        #expect(h.director.defenceStatus.secureTCP == .automaticOff)
        // Normal table: the same ACK establishes.
        h.send(.syn, client: 2)
        h.send(.ack, client: 2)
        #expect(h.entry(client: 2)?.stateName == "ESTABLISHED")
    }
}
