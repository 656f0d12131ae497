import Testing

@testable import LVSCore

/// The once-a-second evaluation of the three strategies (reference §4.12).
@Suite struct DefenceModeTests {
    private func harness(memory: FakeMemory, mode: DefenceMode) throws -> ConnectionHarness {
        let h = ConnectionHarness()
        h.director.memoryReader = memory
        try h.setDefences {
            $0.dropEntry = mode
            $0.dropPacket = mode
            $0.secureTCP = mode
            $0.memoryThresholdPages = 1024
        }
        return h
    }

    private func modes(_ h: ConnectionHarness) -> [DefenceMode] {
        let s = h.director.defenceStatus
        return [s.dropEntry, s.dropPacket, s.secureTCP]
    }

    @Test func automaticModeFollowsMemory() throws {
        let memory = FakeMemory(pages: 50_000)
        let h = try harness(memory: memory, mode: .automaticOff)
        h.advance(seconds: 1)
        #expect(modes(h) == [.automaticOff, .automaticOff, .automaticOff])
        #expect(h.director.defenceStatus.dropRate == 0)
        // Memory short: 1 → 2 at the next evaluation, with rate amemthresh / (amemthresh − availmem).
        memory.pages = 768
        h.advance(seconds: 1)
        #expect(modes(h) == [.automaticOn, .automaticOn, .automaticOn])
        #expect(h.director.defenceStatus.dropRate == 4)
        #expect(h.director.defenceStatus.availablePages == 768)
        memory.pages = 1000
        h.advance(seconds: 1)
        #expect(h.director.defenceStatus.dropRate == 42)
        // Recovered: 2 → 1.
        memory.pages = 1024
        h.advance(seconds: 1)
        #expect(modes(h) == [.automaticOff, .automaticOff, .automaticOff])
        #expect(h.director.defenceStatus.dropRate == 0)
    }

    @Test func evaluatesOncePerSecond() throws {
        let memory = FakeMemory(pages: 50_000)
        let h = try harness(memory: memory, mode: .automaticOff)
        h.advance(seconds: 1)
        memory.pages = 10
        h.advance(nanoseconds: 500_000_000)
        #expect(modes(h) == [.automaticOff, .automaticOff, .automaticOff])
        h.advance(nanoseconds: 500_000_000)
        #expect(modes(h) == [.automaticOn, .automaticOn, .automaticOn])
    }

    @Test func modeThreeIsAlwaysOnAndModeZeroNever() throws {
        let memory = FakeMemory(pages: 50_000)
        let always = try harness(memory: memory, mode: .always)
        always.advance(seconds: 1)
        #expect(modes(always) == [.always, .always, .always])
        #expect(always.director.defenceStatus.dropRate == 10)
        // Neither mode reads memory: nothing is automatic.
        #expect(memory.reads == 0)

        let low = FakeMemory(pages: 0)
        let off = try harness(memory: low, mode: .off)
        off.tick(seconds: 5)
        #expect(modes(off) == [.off, .off, .off])
        #expect(off.director.defenceStatus.dropRate == 0)
        #expect(low.reads == 0)
    }

    @Test func configuredTwoMeansAutomatic() throws {
        let memory = FakeMemory(pages: 50_000)
        let h = try harness(memory: memory, mode: .automaticOn)
        // Memory is fine: the evaluation done with the settings turns it to 1.
        #expect(modes(h) == [.automaticOff, .automaticOff, .automaticOff])
        #expect(memory.reads == 1)
    }

    @Test func unreadableMemoryIsNeverShort() throws {
        let memory = FakeMemory(pages: nil)
        let h = try harness(memory: memory, mode: .automaticOff)
        h.tick(seconds: 3)
        #expect(modes(h) == [.automaticOff, .automaticOff, .automaticOff])
        #expect(memory.reads == 4)
    }

    @Test func rateLimitTextParses() {
        #expect(NewConnectionRateLimit(parsing: "100") == NewConnectionRateLimit(rate: 100, burst: 100))
        #expect(NewConnectionRateLimit(parsing: "100:20") == NewConnectionRateLimit(rate: 100, burst: 20))
        #expect(NewConnectionRateLimit(parsing: "0") == nil)
        #expect(NewConnectionRateLimit(parsing: "10:0") == nil)
        #expect(NewConnectionRateLimit(parsing: "10:5:1") == nil)
        #expect(NewConnectionRateLimit(parsing: "x") == nil)
        #expect(NewConnectionRateLimit(parsing: "") == nil)
    }
}
