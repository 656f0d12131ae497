import Testing

@testable import LVSCore

private typealias F = SchedulingFixture

@Suite struct PowerOfTwoChoicesSchedulerTests {
    /// SplitMix64(seed: 0) yields 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f,
    /// 0xf88bb8a8724c81ec. With weights A 1, B 2, C 3 (total 6, draws in 0...6) those map to
    /// ⌊x · 7 / 2^64⌋ = 6, 3, 0, 6. Tickets: A {0, 1}, B {2, 3}, C {4, 5, 6}.
    @Test func handComputedPicksForSeedZero() {
        let twos = PowerOfTwoChoicesScheduler(seed: 0)
        twos.destinationsChanged([F.server(1, weight: 1), F.server(2, weight: 2), F.server(3, weight: 3)])
        // Pick 1: C vs B, equal (zero) load → first choice C. Pick 2: A vs C → A.
        #expect(F.labels(twos, count: 2) == "CA")
    }

    @Test func handComputedPicksPreferLessLoaded() {
        let twos = PowerOfTwoChoicesScheduler(seed: 0)
        let c = F.server(3, weight: 3, active: 1, total: 1)  // overhead 257
        twos.destinationsChanged([F.server(1, weight: 1), F.server(2, weight: 2), c])
        // Pick 1: C (w 3, o 257) vs B (w 2, o 0): 2 × 257 > 3 × 0 → B. Pick 2: A (o 0) vs C → A.
        #expect(F.labels(twos, count: 2) == "BA")
    }

    @Test func matchesIndependentRecomputation() {
        let servers = [
            F.server(1, weight: 3), F.server(2, weight: 0), F.server(3, weight: 7), F.server(4, weight: 1),
            F.server(5, weight: 4, overloaded: true), F.server(6, weight: 2),
        ]
        let twos = PowerOfTwoChoicesScheduler(seed: 0xDEAD_BEEF)
        twos.destinationsChanged(servers)
        var oracle = SplitMix64(seed: 0xDEAD_BEEF)
        for round in 0..<3000 {
            let expected = Self.oracleChoice(servers, &oracle)
            let actual = twos.pick(F.input())
            #expect(actual === expected, "round \(round)")
            // Load changes so the overhead comparison matters.
            if let actual {
                actual.activeConnections += 1
                actual.totalConnections += 1
            }
            if round % 7 == 0, let busiest = servers.max(by: { $0.activeConnections < $1.activeConnections }) {
                busiest.activeConnections -= 1
            }
        }
    }

    /// Re-derives a pick: draws via 128-bit arithmetic and a cumulative-ticket search.
    private static func oracleChoice(_ servers: [RealServer], _ generator: inout SplitMix64) -> RealServer? {
        let eligible = servers.filter { $0.weight > 0 && !$0.isOverloaded }
        let total = eligible.reduce(0) { $0 + Int($1.weight) }
        guard total > 0 else { return nil }
        let draw1 = Int((UInt128(generator.next()) * UInt128(total + 1)) >> 64)
        let draw2 = Int((UInt128(generator.next()) * UInt128(total + 1)) >> 64)
        func owner(_ ticket: Int) -> RealServer {
            var cumulative = 0
            for server in eligible {
                cumulative += Int(server.weight)
                if ticket <= cumulative { return server }
            }
            return eligible[eligible.count - 1]
        }
        let first = owner(draw1)
        let second = owner(draw2)
        let lhs = Int64(second.weight) * first.overhead
        let rhs = Int64(first.weight) * second.overhead
        return lhs > rhs ? second : first
    }

    @Test func distributionFollowsWeightsWithFirstExtraTicket() {
        // With loads never updated both choices compare equal and the first draw wins:
        // A gets 2/7 (the extra ticket), B 2/7, C 3/7.
        let twos = PowerOfTwoChoicesScheduler(seed: 42)
        twos.destinationsChanged([F.server(1, weight: 1), F.server(2, weight: 2), F.server(3, weight: 3)])
        var counts: [String: Int] = [:]
        for _ in 0..<70_000 { counts[F.label(twos.pick(F.input())), default: 0] += 1 }
        #expect(abs((counts["A"] ?? 0) - 20_000) < 600)
        #expect(abs((counts["B"] ?? 0) - 20_000) < 600)
        #expect(abs((counts["C"] ?? 0) - 30_000) < 600)
    }

    @Test func failsWithoutEligibleAndSingleEligibleAlwaysWins() {
        let twos = PowerOfTwoChoicesScheduler(seed: 1)
        #expect(twos.pick(F.input()) == nil)
        twos.destinationsChanged([F.server(1, weight: 0), F.server(2, weight: 5, overloaded: true)])
        #expect(twos.pick(F.input()) == nil)
        twos.destinationsChanged([F.server(1, weight: 0), F.server(3, weight: 5, active: 9)])
        #expect(F.labels(twos, count: 5) == "CCCCC")
    }
}
