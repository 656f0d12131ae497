import Testing

@testable import LVSCore

private typealias F = SchedulingFixture

/// lc, wlc, sed, nq, fo and ovf (reference §3.3–§3.8): choices worked out by hand.
@Suite struct LeastConnectionFamilyTests {
    @Test func lcTakesSmallestOverheadIgnoringWeight() {
        // Overheads: C 1·256+1 = 257, B 0·256+300 = 300, A 1·256+2 = 258.
        let lc = LeastConnectionScheduler()
        let c = F.server(3, weight: 1, active: 1, total: 1)
        let b = F.server(2, weight: 100, active: 0, total: 300)
        let a = F.server(1, weight: 1, active: 1, total: 2)
        lc.destinationsChanged([c, b, a])
        #expect(F.label(lc.pick(F.input())) == "C")
        a.totalConnections = 1  // A 257 ties C: the earlier (C) wins
        #expect(F.label(lc.pick(F.input())) == "C")
        c.isOverloaded = true
        #expect(F.label(lc.pick(F.input())) == "A")
        a.config.weight = 0
        #expect(F.label(lc.pick(F.input())) == "B")
    }

    @Test func wlcComparesOverheadPerWeight() {
        // A 257/1, B 514/2 = 257, C 517/3 ≈ 172.3.
        let a = F.server(1, weight: 1, active: 1, total: 1)
        let b = F.server(2, weight: 2, active: 2, total: 2)
        let c = F.server(3, weight: 3, active: 2, total: 5)
        let wlc = WeightedLeastConnectionScheduler()
        wlc.destinationsChanged([a, b, c])
        #expect(F.label(wlc.pick(F.input())) == "C")
        c.isOverloaded = true  // A and B tie at 257 per weight unit: earlier A
        #expect(F.label(wlc.pick(F.input())) == "A")
        a.isOverloaded = true
        #expect(F.label(wlc.pick(F.input())) == "B")
        b.config.weight = 0
        #expect(wlc.pick(F.input()) == nil)
    }

    @Test func wlcWithNoConnectionsTakesFirstEligible() {
        let wlc = WeightedLeastConnectionScheduler()
        wlc.destinationsChanged([F.server(3, weight: 0), F.server(2, weight: 1), F.server(1, weight: 9)])
        #expect(F.labels(wlc, count: 3) == "BBB")
    }

    @Test func wlcStaysExactForLargeCounts() {
        // 64-bit cross-multiplication: overheads near 2^39, weights 65535.
        let a = F.server(1, weight: 65_535, active: 2_000_000_000, total: 2_000_000_000)
        let b = F.server(2, weight: 65_534, active: 2_000_000_000, total: 2_000_000_000)
        let wlc = WeightedLeastConnectionScheduler()
        wlc.destinationsChanged([b, a])
        #expect(F.label(wlc.pick(F.input())) == "A")
    }

    @Test func sedUsesActivePlusOneOverWeight() {
        // A (0+1)/1 = 1, B (2+1)/3 = 1: tie → A. Inactive connections do not count.
        let a = F.server(1, weight: 1, active: 0, total: 1000)
        let b = F.server(2, weight: 3, active: 2, total: 2)
        let sed = ShortestExpectedDelayScheduler()
        sed.destinationsChanged([a, b])
        #expect(F.label(sed.pick(F.input())) == "A")
        b.activeConnections = 1  // B 2/3 < 1
        #expect(F.label(sed.pick(F.input())) == "B")
    }

    @Test func nqTakesFirstIdleThenSed() {
        let a = F.server(1, weight: 5, active: 3)
        let b = F.server(2, weight: 1, active: 0)
        let c = F.server(3, weight: 10, active: 0)
        let nq = NeverQueueScheduler()
        nq.destinationsChanged([a, b, c])
        #expect(F.label(nq.pick(F.input())) == "B")  // first idle, despite C's weight
        b.isOverloaded = true
        #expect(F.label(nq.pick(F.input())) == "C")
        b.isOverloaded = false
        b.activeConnections = 1
        c.activeConnections = 9
        // A 4/5 = 0.8, B 2/1, C 10/10 = 1 → A.
        #expect(F.label(nq.pick(F.input())) == "A")
        c.activeConnections = 7  // C 8/10 ties A: earlier A
        #expect(F.label(nq.pick(F.input())) == "A")
        c.activeConnections = 6
        #expect(F.label(nq.pick(F.input())) == "C")
    }

    @Test func foTakesHighestWeightIgnoringCounts() {
        let a = F.server(1, weight: 2)
        let b = F.server(2, weight: 5, active: 1000, total: 5000)
        let c = F.server(3, weight: 5)
        let fo = WeightedFailoverScheduler()
        fo.destinationsChanged([a, b, c])
        #expect(F.label(fo.pick(F.input())) == "B")
        b.isOverloaded = true
        #expect(F.label(fo.pick(F.input())) == "C")
        c.config.weight = 0
        #expect(F.label(fo.pick(F.input())) == "A")
    }

    @Test func ovfOverflowsWhenActiveExceedsWeight() {
        let a = F.server(1, weight: 2)
        let b = F.server(2, weight: 5, active: 5)
        let c = F.server(3, weight: 3)
        let ovf = WeightedOverflowScheduler()
        ovf.destinationsChanged([a, b, c])
        #expect(F.label(ovf.pick(F.input())) == "B")  // 5 ≤ 5
        b.activeConnections = 6
        #expect(F.label(ovf.pick(F.input())) == "C")
        c.activeConnections = 4
        #expect(F.label(ovf.pick(F.input())) == "A")
        a.activeConnections = 3
        #expect(ovf.pick(F.input()) == nil)
        a.activeConnections = 0
        a.totalConnections = 500  // inactive connections do not count
        #expect(F.label(ovf.pick(F.input())) == "A")
    }

    @Test func ovfTiesGoToEarlier() {
        let ovf = WeightedOverflowScheduler()
        ovf.destinationsChanged([F.server(2, weight: 4), F.server(1, weight: 4)])
        #expect(F.label(ovf.pick(F.input())) == "B")
    }
}
