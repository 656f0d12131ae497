import Testing

@testable import LVSCore

private typealias F = SchedulingFixture

@Suite struct SchedulerRegistryTests {
    @Test func namesAreTheFourteenSchedulersAndNone() {
        #expect(
            Set(SchedulerRegistry.names) == [
                "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos", "none",
            ])
        #expect(SchedulerRegistry.names.count == 15)
    }

    @Test(arguments: SchedulerRegistry.names)
    func makeReturnsSchedulerWithThatName(name: String) throws {
        let scheduler = try #require(SchedulerRegistry.make(name: name, flags: [], seed: 1))
        #expect(scheduler.name == name)
    }

    @Test(arguments: ["", "RR", "xyz", "wlc ", "sh-port"])
    func unknownNamesGiveNil(name: String) {
        #expect(SchedulerRegistry.make(name: name, flags: [], seed: 1) == nil)
    }

    @Test func flagsReachShAndMh() throws {
        let made = SchedulerRegistry.make(name: "sh", flags: [.fallback, .port], seed: 0)
        let sh = try #require(made as? SourceHashingScheduler)
        #expect(sh.fallback && sh.hashesPort)
        let mh = try #require(SchedulerRegistry.make(name: "mh", flags: .port, seed: 0) as? MaglevHashingScheduler)
        #expect(!mh.fallback && mh.hashesPort)
    }

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var flags: SchedulerFlags
        var description: String { flags.isEmpty ? name : "\(name) \(flags.rawValue)" }
    }

    static let cases: [Case] =
        SchedulerRegistry.names.map { Case(name: $0, flags: []) } + [
            Case(name: "sh", flags: .fallback), Case(name: "sh", flags: [.fallback, .port]),
            Case(name: "mh", flags: .fallback), Case(name: "mh", flags: [.fallback, .port]),
        ]

    /// Schedulers that may legitimately fail although some real server is eligible (their hashed
    /// owner is not, and they have no fallback), ovf (every server may be above its weight in
    /// active connections), plus `none`.
    static func mayFail(_ c: Case) -> Bool {
        c.name == "none" || c.name == "ovf" || (["dh", "sh", "mh"].contains(c.name) && !c.flags.contains(.fallback))
    }

    /// Weight-0 and overloaded real servers are never picked by any scheduler (reference §3.0),
    /// including after they become so while lblc/lblcr tables still point at them.
    @Test(arguments: cases)
    func neverPicksWeightZeroOrOverloaded(testCase: Case) throws {
        let scheduler = try #require(SchedulerRegistry.make(name: testCase.name, flags: testCase.flags, seed: 9))
        let a = F.server(1, weight: 1)
        let b = F.server(2, weight: 0)
        let c = F.server(3, weight: 3, overloaded: true)
        let d = F.server(4, weight: 2)
        let e = F.server(5, weight: 5)
        let all = [e, d, c, b, a]
        scheduler.destinationsChanged(all)

        func run(allowed: Set<String>, mustSucceed: Bool) -> Int {
            var successes = 0
            for round in 0..<3000 {
                let index = UInt32(round)
                let input = F.input(
                    client: 0xC0A8_0000 &+ index &* 7919, clientPort: UInt16(truncatingIfNeeded: round &* 31),
                    destination: 0x0A0A_0000 &+ index % 200, now: UInt64(round))
                let picked = scheduler.pick(input)
                if let picked {
                    successes += 1
                    #expect(allowed.contains(F.label(picked)), "round \(round) picked \(F.label(picked))")
                    // Simulate load so connection-count schedulers move around.
                    picked.activeConnections += 1
                    picked.totalConnections += 1
                } else if mustSucceed {
                    Issue.record("round \(round): no pick")
                }
                if round % 3 == 0 {
                    for server in all where server.activeConnections > 0 { server.activeConnections -= 1 }
                }
            }
            return successes
        }

        let strict = !Self.mayFail(testCase)
        let first = run(allowed: ["A", "D", "E"], mustSucceed: strict)
        if testCase.name != "none" { #expect(first > 0) } else { #expect(first == 0) }

        e.isOverloaded = true
        d.config.weight = 0
        scheduler.destinationsChanged(all)
        let second = run(allowed: ["A"], mustSucceed: strict)
        if testCase.name != "none" { #expect(second > 0) } else { #expect(second == 0) }

        a.isOverloaded = true
        scheduler.destinationsChanged(all)
        #expect(run(allowed: [], mustSucceed: false) == 0)
    }
}
