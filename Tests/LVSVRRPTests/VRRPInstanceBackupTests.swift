import LVSCore
import Testing

@testable import LVSVRRP

@Suite struct VRRPInstanceBackupTests {
    @Test func startsAsBackupAndTakesOverAfterMasterDownInterval() {
        var instance = VRRPInstance(configuration: configuration(priority: 100))
        let start = instance.start(now: .zero)
        #expect(start.transitions == [.backup])
        #expect(
            start.notifications == [VRRPNotification(scope: .instance, name: "VI_1", state: .backup, priority: 100)])
        #expect(instance.nextDeadline == us(3_609_375))
        #expect(instance.timersFired(now: us(3_609_374)).isEmpty)
        let actions = instance.timersFired(now: us(3_609_375))
        #expect(instance.state == .master)
        // Advert first, then addresses, then announcements, then the state change and notify.
        #expect(
            actions == [
                .sendAdvertisement(advert(100)), .addVirtualAddresses([vip]),
                .sendGratuitousAnnouncements(addresses: [vip], repeatCount: 5, spacing: .zero),
                .stateChanged(
                    VRRPTransition(from: .backup, to: .master, reason: "master down timer expired", at: us(3_609_375))),
                .runNotify(VRRPNotification(scope: .instance, name: "VI_1", state: .master, priority: 100)),
            ])
        #expect(instance.counters.becameMaster == 1)
        #expect(instance.currentMaster == ipv4(1))
        #expect(instance.lastTransition?.reason == "master down timer expired")
    }

    @Test func advertsFromAHigherMasterKeepTheBackupDown() {
        var instance = startedBackup(configuration(priority: 100))
        for second in 1...10 as ClosedRange<UInt64> {
            #expect(instance.advertisementReceived(advert(150), from: ipv4(2), now: ms(second * 1000)).isEmpty)
            _ = instance.timersFired(now: ms(second * 1000 + 999))
            #expect(instance.state == .backup)
        }
        #expect(instance.nextDeadline == us(10_000_000 + 3_609_375))
        #expect(instance.currentMaster == ipv4(2))
        #expect(instance.counters.advertisementsReceived == 10)
    }

    @Test func priorityZeroMeansTakeOverAfterSkewTimeOnly() {
        var instance = startedBackup(configuration(priority: 100))
        _ = instance.advertisementReceived(advert(150), from: ipv4(2), now: ms(1000))
        _ = instance.advertisementReceived(advert(0), from: ipv4(2), now: ms(2000))
        #expect(instance.nextDeadline == us(2_000_000 + 609_375))
        #expect(instance.counters.priorityZeroReceived == 1)
        #expect(instance.timersFired(now: us(2_609_375)).transitions == [.master])
    }

    struct PreemptRow: Sendable, CustomStringConvertible {
        var preempt: Bool
        var advertPriority: UInt8
        var resetsTimer: Bool
        var description: String { "preempt \(preempt), advert \(advertPriority)" }
    }

    /// RFC 5798 §6.4.2: lower-priority adverts are discarded only when we preempt.
    static let preemptRows: [PreemptRow] = [
        PreemptRow(preempt: true, advertPriority: 50, resetsTimer: false),
        PreemptRow(preempt: true, advertPriority: 100, resetsTimer: true),
        PreemptRow(preempt: true, advertPriority: 200, resetsTimer: true),
        PreemptRow(preempt: false, advertPriority: 50, resetsTimer: true),
        PreemptRow(preempt: false, advertPriority: 200, resetsTimer: true),
    ]

    @Test(arguments: preemptRows) func preemption(row: PreemptRow) {
        var instance = startedBackup(configuration(priority: 100, preempt: row.preempt))
        _ = instance.advertisementReceived(advert(row.advertPriority), from: ipv4(2), now: ms(2000))
        #expect(instance.nextDeadline == (row.resetsTimer ? us(2_000_000 + 3_609_375) : us(3_609_375)))
    }

    @Test func preemptDelayAcceptsLowerAdvertsUntilItRunsOut() {
        var instance = startedBackup(configuration(priority: 100, preemptDelay: .seconds(10)))
        // The first lower advert starts the delay (keepalived `preempt_time`) and is accepted.
        for second in 1...10 as ClosedRange<UInt64> {
            _ = instance.advertisementReceived(advert(50), from: ipv4(2), now: ms(second * 1000))
            #expect(instance.nextDeadline == us(second * 1_000_000 + 3_609_375))
        }
        // At 11 s the delay (started at 1 s) has passed: discarded, so the timer runs out.
        _ = instance.advertisementReceived(advert(50), from: ipv4(2), now: ms(11_000))
        #expect(instance.nextDeadline == us(10_000_000 + 3_609_375))
        #expect(instance.timersFired(now: us(13_609_375)).transitions == [.master])
    }

    @Test func aHigherAdvertCancelsTheRunningPreemptDelay() {
        var instance = startedBackup(configuration(priority: 100, preemptDelay: .seconds(5)))
        _ = instance.advertisementReceived(advert(50), from: ipv4(2), now: ms(1000))
        _ = instance.advertisementReceived(advert(150), from: ipv4(3), now: ms(2000))
        // The delay restarts from the next lower advert.
        _ = instance.advertisementReceived(advert(50), from: ipv4(2), now: ms(7000))
        #expect(instance.nextDeadline == us(7_000_000 + 3_609_375))
    }

    @Test func version3BackupLearnsTheMastersInterval() {
        var instance = startedBackup(configuration(version: .v3, priority: 200, interval: 100))
        #expect(instance.nextDeadline == us(3_218_750))
        _ = instance.advertisementReceived(advert(250, version: .v3, interval: 50), from: ipv4(2), now: ms(1000))
        #expect(instance.masterAdvertisementIntervalCentiseconds == 50)
        // 3 × 50 cs + (56 × 50 / 256) cs = 1.5 s + 109 375 µs.
        #expect(instance.nextDeadline == us(1_000_000 + 1_609_375))
        let actions = instance.timersFired(now: us(2_609_375))
        // As master it advertises its own interval again.
        #expect(actions.contains(.sendAdvertisement(advert(200, version: .v3, interval: 100))))
        #expect(instance.masterAdvertisementIntervalCentiseconds == 100)
    }

    @Test func version2DoesNotLearnTheInterval() {
        var instance = startedBackup(configuration(version: .v2, priority: 100, interval: 100))
        _ = instance.advertisementReceived(advert(200, interval: 200), from: ipv4(2), now: ms(1000))
        #expect(instance.masterAdvertisementIntervalCentiseconds == 100)
    }

    @Test func stateMasterBelowOwnerWaitsOneIntervalThenTakesOver() {
        var instance = VRRPInstance(configuration: configuration(priority: 150, initialState: .master))
        #expect(instance.start(now: .zero).transitions == [.backup])
        // keepalived vrrp_init_state: one advert interval + the skew of priority 255.
        #expect(instance.nextDeadline == us(1_003_906))
        #expect(instance.timersFired(now: us(1_003_906)).transitions == [.master])
    }

    @Test func stateMasterBelowOwnerYieldsToAnExistingHigherMaster() {
        var instance = VRRPInstance(configuration: configuration(priority: 150, initialState: .master))
        _ = instance.start(now: .zero)
        _ = instance.advertisementReceived(advert(200), from: ipv4(2), now: ms(500))
        #expect(instance.nextDeadline == us(500_000 + 3_000_000 + 414_062))
        #expect(instance.state == .backup)
    }

    @Test func ownerWithStateMasterBecomesMasterAtStartUp() {
        var instance = VRRPInstance(configuration: configuration(priority: 255, initialState: .master))
        let actions = instance.start(now: .zero)
        #expect(actions.transitions == [.backup, .master])
        #expect(actions.advertPriorities == [255])
        #expect(instance.nextDeadline == ms(1000))
    }

    @Test func stateMasterClearsNopreemptAndPreemptDelay() {
        let normalized = configuration(initialState: .master, preempt: false, preemptDelay: .seconds(3)).normalized()
        #expect(normalized.preempt)
        #expect(normalized.preemptDelay == .zero)
    }
}
