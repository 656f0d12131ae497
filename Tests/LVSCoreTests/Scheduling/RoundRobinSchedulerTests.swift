import Testing

@testable import LVSCore

private typealias F = SchedulingFixture

@Suite struct RoundRobinSchedulerTests {
    @Test func startsWithNewestAndCyclesInListOrder() {
        // -a A, -a B, -a C → list order C, B, A (reference §3.0).
        let rr = RoundRobinScheduler()
        rr.destinationsChanged([F.server(3), F.server(2), F.server(1)])
        #expect(F.labels(rr, count: 7) == "CBACBAC")
    }

    @Test func weightsOtherThanZeroAreIgnoredAndIneligibleAreSkipped() {
        let rr = RoundRobinScheduler()
        let b = F.server(2, weight: 0)
        let d = F.server(4, weight: 100, overloaded: true)
        rr.destinationsChanged([d, F.server(3, weight: 5), b, F.server(1, weight: 1)])
        #expect(F.labels(rr, count: 6) == "CACACA")
        d.isOverloaded = false
        #expect(F.labels(rr, count: 3) == "DCA")
    }

    @Test func failsWhenNoneEligibleAndWithEmptyList() {
        let rr = RoundRobinScheduler()
        #expect(rr.pick(F.input()) == nil)
        rr.destinationsChanged([F.server(1, weight: 0), F.server(2, overloaded: true)])
        #expect(rr.pick(F.input()) == nil)
    }

    @Test func deletingTheCursorContinuesWithItsSuccessor() {
        let a = F.server(1), b = F.server(2), c = F.server(3), d = F.server(4)
        let rr = RoundRobinScheduler()
        rr.destinationsChanged([d, c, b, a])
        #expect(F.labels(rr, count: 2) == "DC")
        // Cursor on C; deleting C moves it to D, so B (what followed C) comes next.
        c.isAvailable = false
        rr.destinationsChanged([d, b, a])
        #expect(F.labels(rr, count: 4) == "BADB")
    }

    @Test func deletingTheCursorAndItsPredecessorWalksFurtherBack() {
        let a = F.server(1), b = F.server(2), c = F.server(3), d = F.server(4)
        let rr = RoundRobinScheduler()
        rr.destinationsChanged([d, c, b, a])
        #expect(F.labels(rr, count: 3) == "DCB")
        rr.destinationsChanged([d, a])  // C and B gone: cursor → D
        #expect(F.labels(rr, count: 3) == "ADA")
    }

    @Test func deletingTheFirstElementUnderTheCursorReturnsToHead() {
        let a = F.server(1), b = F.server(2), c = F.server(3)
        let rr = RoundRobinScheduler()
        rr.destinationsChanged([c, b, a])
        #expect(F.labels(rr, count: 1) == "C")
        rr.destinationsChanged([b, a])
        #expect(F.labels(rr, count: 3) == "BAB")
    }

    @Test func addingAtTheHeadKeepsTheCursor() {
        let a = F.server(1), b = F.server(2), c = F.server(3)
        let rr = RoundRobinScheduler()
        rr.destinationsChanged([c, b, a])
        #expect(F.labels(rr, count: 2) == "CB")
        rr.destinationsChanged([F.server(4), c, b, a])
        #expect(F.labels(rr, count: 5) == "ADCBA")
    }
}

@Suite struct WeightedRoundRobinSchedulerTests {
    @Test func referenceSequenceForWeights432() {
        // Reference §3.2: A(4), B(3), C(2) → A A B A B C A B C, repeating.
        let wrr = WeightedRoundRobinScheduler()
        wrr.destinationsChanged([F.server(1, weight: 4), F.server(2, weight: 3), F.server(3, weight: 2)])
        #expect(F.labels(wrr, count: 18) == "AABABCABCAABABCABC")
    }

    @Test func gcdStepsTheCurrentWeight() {
        // A(6), B(4): di = 2, mw = 5; levels 5, 3, 1 → A | A B | A B.
        let wrr = WeightedRoundRobinScheduler()
        wrr.destinationsChanged([F.server(1, weight: 6), F.server(2, weight: 4)])
        #expect(F.labels(wrr, count: 10) == "AABABAABAB")
    }

    @Test func exactCountsPerCycle() {
        let wrr = WeightedRoundRobinScheduler()
        wrr.destinationsChanged([F.server(1, weight: 5), F.server(2, weight: 3), F.server(3, weight: 1)])
        var counts: [String: Int] = [:]
        for _ in 0..<(9 * 100) { counts[F.label(wrr.pick(F.input())), default: 0] += 1 }
        #expect(counts == ["A": 500, "B": 300, "C": 100])
    }

    @Test func weightZeroAndOverloadedAreSkipped() {
        let b = F.server(2, weight: 3, overloaded: true)
        let wrr = WeightedRoundRobinScheduler()
        wrr.destinationsChanged([F.server(1, weight: 2), b, F.server(3, weight: 0)])
        #expect(F.labels(wrr, count: 4) == "AAAA")
        b.isOverloaded = false
        // cw is 1 after the fourth pick and the cursor is on A, so B comes next.
        #expect(F.labels(wrr, count: 1) == "B")
    }

    @Test func failsWhenAllWeightsZeroOrAllOverloaded() {
        let wrr = WeightedRoundRobinScheduler()
        wrr.destinationsChanged([F.server(1, weight: 0), F.server(2, weight: 0)])
        #expect(wrr.pick(F.input()) == nil)
        let a = F.server(1, weight: 2), b = F.server(2, weight: 1)
        wrr.destinationsChanged([a, b])
        #expect(F.labels(wrr, count: 2) == "AA")
        a.isOverloaded = true
        b.isOverloaded = true
        #expect(wrr.pick(F.input()) == nil)
        #expect(wrr.pick(F.input()) == nil)
        a.isOverloaded = false
        #expect(wrr.pick(F.input()) != nil)
    }

    @Test func changeResetsCursorAndKeepsCurrentWeight() {
        let a = F.server(1, weight: 4), b = F.server(2, weight: 3), c = F.server(3, weight: 2)
        let wrr = WeightedRoundRobinScheduler()
        wrr.destinationsChanged([a, b, c])
        #expect(F.labels(wrr, count: 2) == "AA")  // cw = 3 now
        wrr.destinationsChanged([a, b, c])  // cl = head, cw stays 3
        #expect(F.labels(wrr, count: 8) == "ABABCABC")
    }

    @Test func changeRoundsCurrentWeightUpToTheNewGcdGrid() {
        let a = F.server(1, weight: 4), b = F.server(2, weight: 3), c = F.server(3, weight: 2)
        let wrr = WeightedRoundRobinScheduler()
        wrr.destinationsChanged([a, b, c])
        #expect(F.labels(wrr, count: 4) == "AABA")  // cw = 2 now
        // B edited to 2: di = 2, mw = 3, cw = (2 / 2) × 2 + 1 = 3. Without the adjustment the
        // next picks would be A B C A ….
        b.config.weight = 2
        wrr.destinationsChanged([a, b, c])
        #expect(F.labels(wrr, count: 8) == "AABCAABC")
    }

    @Test func changeAboveNewMaximumResetsToMaximum() {
        let a = F.server(1, weight: 4), b = F.server(2, weight: 1)
        let wrr = WeightedRoundRobinScheduler()
        wrr.destinationsChanged([a, b])  // cw = 4
        a.config.weight = 2  // mw = 2 < cw → cw = 2
        wrr.destinationsChanged([a, b])
        #expect(F.labels(wrr, count: 6) == "AABAAB")
    }
}
