import LVSCore
import Testing

@testable import LVSVRRP

@Suite struct VRRPInstanceFaultTests {
    @Test func masterFaultResignsAndRecoversAsBackup() {
        var (instance, at) = startedMaster(configuration(priority: 100))
        let fault = instance.faultRaised("interface eth0 down", now: at.adding(seconds: 1))
        #expect(fault.advertPriorities == [0])
        #expect(fault.contains(.removeVirtualAddresses([vip])))
        #expect(fault.transitions == [.fault])
        #expect(instance.nextDeadline == nil)
        // Nothing is sent or taken over while in FAULT.
        #expect(instance.advertisementReceived(advert(0), from: ipv4(2), now: at.adding(seconds: 2)).isEmpty)
        let clear = instance.faultCleared("interface eth0 down", now: at.adding(seconds: 3))
        #expect(clear.transitions == [.backup])
        #expect(instance.nextDeadline == at.adding(seconds: 3).adding(nanoseconds: 3_609_375_000))
    }

    @Test func allCausesMustClear() {
        var instance = startedBackup(configuration())
        _ = instance.faultRaised("a", now: ms(1))
        #expect(instance.faultRaised("b", now: ms(2)).isEmpty)
        #expect(instance.faultCleared("a", now: ms(3)).isEmpty)
        #expect(instance.state == .fault)
        #expect(instance.faultCleared("b", now: ms(4)).transitions == [.backup])
    }

    @Test func ownerRecoversStraightToMaster() {
        var instance = VRRPInstance(configuration: configuration(priority: 255, initialState: .master))
        _ = instance.start(now: .zero)
        _ = instance.faultRaised("interface eth0 down", now: ms(100))
        #expect(instance.faultCleared("interface eth0 down", now: ms(200)).transitions == [.master])
    }

    @Test func faultAtStartUp() {
        var instance = VRRPInstance(configuration: configuration())
        _ = instance.faultRaised("no address on eth0", now: .zero)
        #expect(instance.start(now: .zero).transitions == [.fault])
    }

    struct WeightRow: Sendable, CustomStringConvertible {
        var base: UInt8
        var weight: Int
        var reverse: Bool
        var isUp: Bool
        var effective: UInt8
        var description: String { "base \(base) weight \(weight)\(reverse ? " reverse" : "") up \(isUp)" }
    }

    /// vrrp_track.c: a positive weight counts while up, a negative one while down, reverse negates;
    /// the result stays in 1…254 and an owner stays at 255.
    static let weightRows: [WeightRow] = [
        WeightRow(base: 100, weight: 20, reverse: false, isUp: true, effective: 120),
        WeightRow(base: 100, weight: 20, reverse: false, isUp: false, effective: 100),
        WeightRow(base: 100, weight: -20, reverse: false, isUp: true, effective: 100),
        WeightRow(base: 100, weight: -20, reverse: false, isUp: false, effective: 80),
        WeightRow(base: 100, weight: 20, reverse: true, isUp: true, effective: 80),
        WeightRow(base: 100, weight: -20, reverse: true, isUp: false, effective: 120),
        WeightRow(base: 200, weight: 100, reverse: false, isUp: true, effective: 254),
        WeightRow(base: 10, weight: -100, reverse: false, isUp: false, effective: 1),
        WeightRow(base: 255, weight: -100, reverse: false, isUp: false, effective: 255),
    ]

    @Test(arguments: weightRows) func trackingWeights(row: WeightRow) {
        let tracked = [VRRPTrackedObject(name: "chk", kind: .script, weight: row.weight, reverse: row.reverse)]
        var instance = startedBackup(configuration(priority: row.base, tracked: tracked))
        _ = instance.trackedObjectChanged(name: "chk", isUp: row.isUp, now: ms(10))
        #expect(instance.effectivePriority == row.effective)
    }

    @Test func aPriorityChangeMovesTheRunningDownTimerBySkew() {
        let tracked = [VRRPTrackedObject(name: "eth1", kind: .interface, weight: -56)]
        var instance = startedBackup(configuration(priority: 100, tracked: tracked))
        _ = instance.trackedObjectChanged(name: "eth1", isUp: false, now: ms(10))
        // Priority 44: skew (256 − 44)/256 s = 828 125 µs instead of 609 375 µs.
        #expect(instance.nextDeadline == us(3_828_125))
    }

    @Test func aLowerEffectivePriorityLetsABackupPreempt() {
        let tracked = [VRRPTrackedObject(name: "chk", kind: .script, weight: -60)]
        var (instance, at) = startedMaster(configuration(priority: 100, tracked: tracked))
        _ = instance.trackedObjectChanged(name: "chk", isUp: false, now: at)
        #expect(instance.timersFired(now: instance.nextDeadline!).advertPriorities == [40])
        let actions = instance.advertisementReceived(advert(90), from: ipv4(2), now: at.adding(seconds: 2))
        #expect(actions.transitions == [.backup])
    }

    @Test func weightZeroInterfaceDownMeansFault() {
        let tracked = [VRRPTrackedObject(name: "eth1", kind: .interface)]
        var instance = startedBackup(configuration(tracked: tracked))
        #expect(instance.trackedObjectChanged(name: "eth1", isUp: false, now: ms(1)).transitions == [.fault])
        #expect(instance.trackedObjectChanged(name: "eth1", isUp: true, now: ms(2)).transitions == [.backup])
    }

    @Test func weightZeroScriptHoldsInitUntilItsFirstResult() {
        let tracked = [VRRPTrackedObject(name: "chk", kind: .script)]
        var ok = VRRPInstance(configuration: configuration(tracked: tracked))
        #expect(ok.start(now: .zero).isEmpty)
        #expect(ok.state == .initialize)
        #expect(ok.trackedObjectChanged(name: "chk", isUp: true, now: ms(5)).transitions == [.backup])

        var failing = VRRPInstance(configuration: configuration(tracked: tracked))
        _ = failing.start(now: .zero)
        #expect(failing.trackedObjectChanged(name: "chk", isUp: false, now: ms(5)).transitions == [.fault])
    }

    @Test func reversedWeightZeroFaultsWhileUp() {
        let tracked = [VRRPTrackedObject(name: "maint", kind: .other, reverse: true)]
        var instance = startedBackup(configuration(tracked: tracked))
        #expect(instance.trackedObjectChanged(name: "maint", isUp: true, now: ms(1)).transitions == [.fault])
    }

    @Test func rejectedAdvertsAreCounted() {
        var instance = startedBackup(configuration())
        instance.advertisementRejected(.authenticationFailure)
        instance.advertisementRejected(.advertisementInterval)
        instance.advertisementRejected(.advertisementInterval)
        instance.advertisementRejected(.ttl)
        #expect(instance.counters.authenticationFailures == 1)
        #expect(instance.counters.advertisementIntervalErrors == 2)
        #expect(instance.counters.ttlErrors == 1)
    }
}
