import LVSCore
import Testing

@testable import LVSReactor

/// The wheel on a manual clock: 10 ms ticks unless a test says otherwise.
@Suite struct TimingWheelTests {
    static let ms: UInt64 = 1_000_000

    static func at(_ milliseconds: UInt64) -> MonotonicInstant { MonotonicInstant(nanoseconds: milliseconds * ms) }

    static func drain(_ wheel: inout TimingWheel, at milliseconds: UInt64) -> [UInt32] {
        var fired: [UInt32] = []
        while let slot = wheel.nextExpired(now: at(milliseconds)) { fired.append(slot) }
        return fired
    }

    @Test func firesAtTheRoundedUpTickNeverEarly() {
        var wheel = TimingWheel(tickNanoseconds: 10 * Self.ms, bucketCount: 64, now: Self.at(0))
        wheel.arm(5, at: Self.at(25))
        #expect(wheel.count == 1)
        #expect(wheel.deadlineTick(of: 5) == 3)
        #expect(Self.drain(&wheel, at: 25) == [])
        #expect(Self.drain(&wheel, at: 29) == [])
        #expect(Self.drain(&wheel, at: 30) == [5])
        #expect(wheel.count == 0)
        #expect(!wheel.isArmed(5))
        #expect(Self.drain(&wheel, at: 1000) == [])
    }

    @Test func cancelRemovesTheTimer() {
        var wheel = TimingWheel(tickNanoseconds: 10 * Self.ms, bucketCount: 64, now: Self.at(0))
        wheel.arm(1, at: Self.at(50))
        wheel.arm(2, at: Self.at(50))
        let cancelled = wheel.cancel(1)
        let cancelledTwice = wheel.cancel(1)
        let cancelledUnarmed = wheel.cancel(77)
        #expect(cancelled)
        #expect(!cancelledTwice)
        #expect(!cancelledUnarmed)
        #expect(wheel.count == 1)
        #expect(Self.drain(&wheel, at: 60) == [2])
    }

    @Test func rearmReplacesTheDeadline() {
        var wheel = TimingWheel(tickNanoseconds: 10 * Self.ms, bucketCount: 64, now: Self.at(0))
        wheel.arm(3, at: Self.at(50))
        wheel.arm(3, at: Self.at(20))
        #expect(wheel.count == 1)
        #expect(Self.drain(&wheel, at: 20) == [3])
        #expect(Self.drain(&wheel, at: 50) == [])
        wheel.arm(3, at: Self.at(40))
        wheel.arm(3, at: Self.at(90))
        #expect(Self.drain(&wheel, at: 80) == [])
        #expect(Self.drain(&wheel, at: 90) == [3])
    }

    @Test func expiresInDeadlineOrderAcrossTicks() {
        var wheel = TimingWheel(tickNanoseconds: 10 * Self.ms, bucketCount: 64, now: Self.at(0))
        wheel.arm(9, at: Self.at(300))
        wheel.arm(4, at: Self.at(100))
        wheel.arm(7, at: Self.at(200))
        wheel.arm(1, at: Self.at(400))
        #expect(Self.drain(&wheel, at: 350) == [4, 7, 9])
        #expect(Self.drain(&wheel, at: 400) == [1])
    }

    @Test func longTimeoutsSurviveManyRevolutions() {
        // 8 buckets of 10 ms: one revolution is 80 ms; 1 s is 12.5 revolutions away.
        var wheel = TimingWheel(tickNanoseconds: 10 * Self.ms, bucketCount: 8, now: Self.at(0))
        wheel.arm(1, at: Self.at(1000))  // tick 100, bucket 4
        wheel.arm(2, at: Self.at(40))  // tick 4, bucket 4 too
        wheel.arm(3, at: Self.at(120))  // tick 12, bucket 4 too
        var now: UInt64 = 0
        var fired: [(UInt32, UInt64)] = []
        while now <= 1200 {
            for slot in Self.drain(&wheel, at: now) { fired.append((slot, now)) }
            now += 5
        }
        #expect(fired.map(\.0) == [2, 3, 1])
        #expect(fired.map(\.1) == [40, 120, 1000])
    }

    @Test func aLateWakeupFiresEverythingDueInOrder() {
        var wheel = TimingWheel(tickNanoseconds: 10 * Self.ms, bucketCount: 16, now: Self.at(0))
        for slot in UInt32(0)..<40 { wheel.arm(slot, at: Self.at(UInt64(40 - slot) * 50)) }
        let fired = Self.drain(&wheel, at: 100_000)
        #expect(fired == Array((UInt32(0)..<40).reversed()))
        #expect(wheel.count == 0)
    }

    @Test func rearmingDuringExpiryWaitsForTheNextTick() {
        var wheel = TimingWheel(tickNanoseconds: 10 * Self.ms, bucketCount: 64, now: Self.at(0))
        wheel.arm(1, at: Self.at(10))
        let first = wheel.nextExpired(now: Self.at(10))
        #expect(first == 1)
        wheel.arm(1, at: Self.at(10))  // "now" again: must not fire in this pass
        #expect(Self.drain(&wheel, at: 10) == [])
        #expect(wheel.deadlineTick(of: 1) == 2)
        #expect(Self.drain(&wheel, at: 20) == [1])
    }

    @Test func cancellingTheNextCandidateDuringExpiryIsSafe() {
        var wheel = TimingWheel(tickNanoseconds: 10 * Self.ms, bucketCount: 64, now: Self.at(0))
        for slot in UInt32(1)...3 { wheel.arm(slot, at: Self.at(10)) }
        let first = wheel.nextExpired(now: Self.at(10))
        #expect(first == 3)  // the newest is at the bucket head
        let cancelled = wheel.cancel(2)  // the cursor's node
        #expect(cancelled)
        #expect(Self.drain(&wheel, at: 10) == [1])
        #expect(wheel.count == 0)
    }

    @Test func nextWakeupPointsAtTheFirstOccupiedBucket() {
        var wheel = TimingWheel(tickNanoseconds: 10 * Self.ms, bucketCount: 64, now: Self.at(1000))
        #expect(wheel.nextWakeup() == nil)
        wheel.arm(8, at: Self.at(1055))
        #expect(wheel.ticksUntilNextBucket() == 6)
        #expect(wheel.nextWakeup() == Self.at(1060))
        #expect(wheel.ticksUntilNextBucket(horizon: 4) == 4)
    }

    @Test func growsForHighSlots() {
        var wheel = TimingWheel(tickNanoseconds: 10 * Self.ms, bucketCount: 64, slotCapacity: 4, now: Self.at(0))
        wheel.arm(1000, at: Self.at(10))
        #expect(wheel.slotCapacity == 1024)
        #expect(Self.drain(&wheel, at: 10) == [1000])
    }

    @Test func tenThousandTimersEachFireOnceOnTimeOrAreCancelled() {
        var wheel = TimingWheel(tickNanoseconds: 10 * Self.ms, bucketCount: 256, slotCapacity: 10_000, now: Self.at(0))
        var random = SplitMix64(seed: 42)
        var deadlines = [UInt64](repeating: 0, count: 10_000)
        for slot in 0..<10_000 {
            deadlines[slot] = 1 + random.next() % 60_000  // up to 60 s: many revolutions of 2.56 s
            wheel.arm(UInt32(slot), at: Self.at(deadlines[slot]))
        }
        var cancelledCount = 0
        for slot in stride(from: 0, to: 10_000, by: 3) where wheel.cancel(UInt32(slot)) { cancelledCount += 1 }
        #expect(cancelledCount == 3334)
        var firedAt = [UInt64?](repeating: nil, count: 10_000)
        var now: UInt64 = 0
        var lastTick: UInt64 = 0
        while now <= 61_000 {
            var previous: UInt64 = 0
            while let slot = wheel.nextExpired(now: Self.at(now)) {
                #expect(firedAt[Int(slot)] == nil)
                firedAt[Int(slot)] = now
                let tick = (deadlines[Int(slot)] + 9) / 10
                #expect(tick >= previous)  // in deadline order within one wake-up
                previous = tick
                lastTick = max(lastTick, tick)
            }
            now += 7
        }
        var fired = 0
        for slot in 0..<10_000 {
            if slot % 3 == 0 {
                #expect(firedAt[slot] == nil)
            } else if let at = firedAt[slot] {
                fired += 1
                let due = (deadlines[slot] + 9) / 10 * 10
                #expect(at >= deadlines[slot])
                #expect(at < due + 7)  // the first 7 ms step at or past the tick
            }
        }
        #expect(fired == 6666)
        #expect(wheel.count == 0)
    }
}
