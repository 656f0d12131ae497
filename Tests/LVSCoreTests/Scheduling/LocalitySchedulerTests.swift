import Testing

@testable import LVSCore

private typealias F = SchedulingFixture

private let addressX: UInt32 = 0x0A0A_0A0A
private let addressY: UInt32 = 0x0A0A_0A0B
private let addressZ: UInt32 = 0x0A0A_0A0C

/// lblc (reference §3.10) and its table's garbage collection.
@Suite struct LocalityBasedLeastConnectionSchedulerTests {
    @Test func sticksToTheFirstChoiceWhileNotOverloaded() {
        let a = F.server(1), b = F.server(2)
        let lblc = LocalityBasedLeastConnectionScheduler()
        lblc.destinationsChanged([a, b])
        #expect(F.label(lblc.pick(F.input(destination: addressX))) == "A")  // wlc, all idle → first
        a.activeConnections = 1
        a.totalConnections = 1
        // X sticks to A although B is less loaded; a new address Y gets wlc's choice B.
        #expect(F.label(lblc.pick(F.input(destination: addressX))) == "A")
        #expect(F.label(lblc.pick(F.input(destination: addressY))) == "B")
        #expect(lblc.entryCount == 2)
        #expect(F.label(lblc.remembered(for: IPAddress(ipv4: addressX))) == "A")
    }

    @Test func lblcOverloadNeedsAnotherServerBelowHalfItsWeight() {
        let a = F.server(1), b = F.server(2)
        let lblc = LocalityBasedLeastConnectionScheduler()
        lblc.destinationsChanged([a, b])
        #expect(F.label(lblc.pick(F.input(destination: addressX))) == "A")
        a.activeConnections = 2
        a.totalConnections = 2
        b.activeConnections = 1
        b.totalConnections = 1
        // A: 2 > 1, but nobody has 2 × active < weight → not lblc-overloaded: stays.
        #expect(F.label(lblc.pick(F.input(destination: addressX))) == "A")
        b.activeConnections = 0
        // B: 2 × 0 < 1 → A is lblc-overloaded; wlc picks B and the entry moves to B.
        #expect(F.label(lblc.pick(F.input(destination: addressX))) == "B")
        #expect(F.label(lblc.remembered(for: IPAddress(ipv4: addressX))) == "B")
        #expect(lblc.entryCount == 1)
    }

    @Test func weightZeroOverloadFlagOrDeletionReschedules() {
        let a = F.server(1), b = F.server(2)
        let lblc = LocalityBasedLeastConnectionScheduler()
        lblc.destinationsChanged([a, b])
        #expect(F.label(lblc.pick(F.input(destination: addressX))) == "A")
        a.isOverloaded = true
        #expect(F.label(lblc.pick(F.input(destination: addressX))) == "B")
        b.config.weight = 0
        a.isOverloaded = false
        #expect(F.label(lblc.pick(F.input(destination: addressX))) == "A")
        b.config.weight = 1
        a.isAvailable = false
        lblc.destinationsChanged([b])
        #expect(F.label(lblc.pick(F.input(destination: addressX))) == "B")
        b.isOverloaded = true
        #expect(lblc.pick(F.input(destination: addressX)) == nil)
        #expect(lblc.pick(F.input(destination: addressZ)) == nil)
        #expect(lblc.entryCount == 1)  // a failed pick creates no entry
    }

    @Test func fullExpiryEveryThirtiethTick() {
        let lblc = LocalityBasedLeastConnectionScheduler(expirationSeconds: 100)
        lblc.destinationsChanged([F.server(1)])
        _ = lblc.pick(F.input(destination: addressX, now: 0))
        _ = lblc.pick(F.input(destination: addressY, now: 0))
        _ = lblc.pick(F.input(destination: addressZ, now: 0))
        _ = lblc.pick(F.input(destination: addressX, now: 901))  // X last used at 901
        _ = lblc.pick(F.input(destination: addressZ, now: 900))  // Z idle exactly 100 s at 1000
        for _ in 1...29 { lblc.maintenance(now: .seconds(1000)) }
        #expect(lblc.entryCount == 3)  // ticks 1…29 only count
        lblc.maintenance(now: .seconds(1000))  // tick 30: Y and Z (idle ≥ 100 s) go
        #expect(lblc.entryCount == 1)
        #expect(lblc.remembered(for: IPAddress(ipv4: addressX)) != nil)
        for _ in 1...29 { lblc.maintenance(now: .seconds(10_000)) }
        #expect(lblc.entryCount == 1)  // counter restarted at 1
        lblc.maintenance(now: .seconds(10_000))
        #expect(lblc.entryCount == 0)
    }

    @Test func hugeExpirationNeverWrapsAround() {
        let lblc = LocalityBasedLeastConnectionScheduler(expirationSeconds: .max)
        lblc.destinationsChanged([F.server(1)])
        _ = lblc.pick(F.input(destination: addressX, now: 5))
        for _ in 1...30 { lblc.maintenance(now: .seconds(1_000_000)) }
        #expect(lblc.entryCount == 1)
        lblc.expirationSeconds = 0  // everything is idle long enough
        for _ in 1...30 { lblc.maintenance(now: .seconds(1_000_000)) }
        #expect(lblc.entryCount == 0)
    }

    @Test func tableStopsGrowingAtItsHardLimit() {
        let lblc = LocalityBasedLeastConnectionScheduler()
        lblc.destinationsChanged([F.server(1)])
        var picked = 0
        for index in 0..<25_000 where lblc.pick(F.input(destination: 0x0B00_0000 + UInt32(index))) != nil {
            picked += 1
        }
        #expect(picked == 25_000)
        #expect(lblc.entryCount == 24_576)
    }

    @Test func overSoftLimitTrimsIdleEntriesFromTheRover() {
        let lblc = LocalityBasedLeastConnectionScheduler()
        lblc.destinationsChanged([F.server(1)])
        for index in 0..<20_000 { _ = lblc.pick(F.input(destination: 0x0B00_0000 + UInt32(index))) }
        #expect(lblc.entryCount == 20_000)
        lblc.maintenance(now: .seconds(359))  // nothing idle for 6 minutes yet
        #expect(lblc.entryCount == 20_000)
        // Goal (20000 − 16384) × 4/3 = 4821: buckets 1…247 hold 4826 entries (independent count).
        lblc.maintenance(now: .seconds(360))
        #expect(lblc.entryCount == 15_174)
        lblc.maintenance(now: .seconds(400))  // below the soft limit again: only counts
        #expect(lblc.entryCount == 15_174)
    }
}

/// lblcr (reference §3.11).
@Suite struct LocalityBasedLeastConnectionWithReplicationSchedulerTests {
    private func labels(_ servers: [RealServer]) -> String { servers.map { F.label($0) }.joined() }

    @Test func setGrowsWhenItsBestMemberIsOverloadedAndShrinksAfterExpiration() {
        let a = F.server(1), b = F.server(2)
        let lblcr = LocalityBasedLeastConnectionWithReplicationScheduler(expirationSeconds: 100)
        lblcr.destinationsChanged([a, b])
        let x = IPAddress(ipv4: addressX)
        #expect(F.label(lblcr.pick(F.input(destination: addressX, now: 0))) == "A")
        #expect(labels(lblcr.replicas(for: x)) == "A")
        a.activeConnections = 2
        a.totalConnections = 2
        // A lblc-overloaded (2 > 1 and B 2 × 0 < 1): wlc adds B at the front, lastmod = 10.
        #expect(F.label(lblcr.pick(F.input(destination: addressX, now: 10))) == "B")
        #expect(labels(lblcr.replicas(for: x)) == "BA")
        #expect(F.label(lblcr.pick(F.input(destination: addressX, now: 20))) == "B")
        #expect(F.label(lblcr.pick(F.input(destination: addressX, now: 110))) == "B")
        #expect(labels(lblcr.replicas(for: x)) == "BA")  // 110 is not after 10 + 100
        #expect(F.label(lblcr.pick(F.input(destination: addressX, now: 111))) == "B")
        #expect(labels(lblcr.replicas(for: x)) == "B")  // set_max A (514 per weight) removed
        b.isOverloaded = true
        a.activeConnections = 0
        a.totalConnections = 0
        // No member can take it: wlc over the service → A, added (lastmod = 112).
        #expect(F.label(lblcr.pick(F.input(destination: addressX, now: 112))) == "A")
        #expect(labels(lblcr.replicas(for: x)) == "AB")
        #expect(lblcr.entryCount == 1)
    }

    @Test func removedMaximumMayStillBeReturnedAsMinimum() {
        let a = F.server(1, weight: 1), b = F.server(2, weight: 4)
        let lblcr = LocalityBasedLeastConnectionWithReplicationScheduler(expirationSeconds: 100)
        lblcr.destinationsChanged([a, b])
        let x = IPAddress(ipv4: addressX)
        #expect(F.label(lblcr.pick(F.input(destination: addressX, now: 0))) == "A")
        a.activeConnections = 2
        a.totalConnections = 2
        #expect(F.label(lblcr.pick(F.input(destination: addressX, now: 10))) == "B")
        #expect(labels(lblcr.replicas(for: x)) == "BA")
        a.activeConnections = 0
        a.totalConnections = 0
        a.isOverloaded = true
        b.activeConnections = 2
        b.totalConnections = 2
        // set_min = B (A flagged); set_max = B (514 / 4 vs A 0 / 1) is erased, yet B (2 ≤ 4, not
        // lblc-overloaded) is returned (reference §3.11 step 1 order).
        #expect(F.label(lblcr.pick(F.input(destination: addressX, now: 200))) == "B")
        #expect(labels(lblcr.replicas(for: x)) == "A")
    }

    @Test func noEligibleServerFailsWithoutCreatingAnEntry() {
        let lblcr = LocalityBasedLeastConnectionWithReplicationScheduler()
        lblcr.destinationsChanged([F.server(1, weight: 0), F.server(2, overloaded: true)])
        #expect(lblcr.pick(F.input(destination: addressX)) == nil)
        #expect(lblcr.entryCount == 0)
    }

    @Test func entriesExpireOnTheThirtiethTick() {
        let lblcr = LocalityBasedLeastConnectionWithReplicationScheduler(expirationSeconds: 60)
        lblcr.destinationsChanged([F.server(1)])
        _ = lblcr.pick(F.input(destination: addressX, now: 0))
        _ = lblcr.pick(F.input(destination: addressY, now: 50))
        for _ in 1...29 { lblcr.maintenance(now: .seconds(100)) }
        #expect(lblcr.entryCount == 2)
        lblcr.maintenance(now: .seconds(100))
        #expect(lblcr.entryCount == 1)
        #expect(lblcr.replicas(for: IPAddress(ipv4: addressY)).count == 1)
    }
}
