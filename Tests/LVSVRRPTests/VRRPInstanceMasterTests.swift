import LVSCore
import Testing

@testable import LVSVRRP

@Suite struct VRRPInstanceMasterTests {
    struct ReceiveRow: Sendable, CustomStringConvertible {
        var note: String
        var priority: UInt8
        var sender: UInt32
        var lowerPriorityNoAdvert = false
        var higherPrioritySendAdvert = false
        var expectedAdverts: [UInt8]
        var expectedState: VRRPState
        var description: String { note }
    }

    /// RFC 5798 §6.4.3 for a master with priority 100 and primary address 10.0.0.5.
    static let receiveRows: [ReceiveRow] = [
        ReceiveRow(
            note: "priority 0: advertise at once", priority: 0, sender: 2, expectedAdverts: [100],
            expectedState: .master),
        ReceiveRow(note: "higher: yield", priority: 150, sender: 2, expectedAdverts: [], expectedState: .backup),
        ReceiveRow(
            note: "higher with higher_prio_send_advert", priority: 150, sender: 2, higherPrioritySendAdvert: true,
            expectedAdverts: [100], expectedState: .backup),
        ReceiveRow(
            note: "equal, higher address: yield", priority: 100, sender: 9, expectedAdverts: [], expectedState: .backup),
        ReceiveRow(
            note: "equal, lower address: reassert", priority: 100, sender: 2, expectedAdverts: [100],
            expectedState: .master),
        ReceiveRow(note: "lower: reassert", priority: 50, sender: 9, expectedAdverts: [100], expectedState: .master),
        ReceiveRow(
            note: "lower with lower_prio_no_advert", priority: 50, sender: 9, lowerPriorityNoAdvert: true,
            expectedAdverts: [], expectedState: .master),
    ]

    @Test(arguments: receiveRows) func masterReceivingAnAdvert(row: ReceiveRow) {
        let (master, at) = startedMaster(
            configuration(
                priority: 100, own: 5, lowerPriorityNoAdvert: row.lowerPriorityNoAdvert,
                higherPrioritySendAdvert: row.higherPrioritySendAdvert))
        var instance = master
        let now = at.adding(nanoseconds: 100_000_000)
        let actions = instance.advertisementReceived(advert(row.priority), from: ipv4(row.sender), now: now)
        #expect(actions.advertPriorities == row.expectedAdverts)
        #expect(instance.state == row.expectedState)
        if row.expectedState == .backup {
            #expect(actions.contains(.removeVirtualAddresses([vip])))
            #expect(instance.currentMaster == ipv4(row.sender))
            #expect(instance.counters.releasedMaster == 1)
            #expect(instance.nextDeadline == now.adding(nanoseconds: 3_609_375_000))
        }
    }

    @Test func equalPriorityFromOurOwnAddressIsReported() {
        var (instance, at) = startedMaster(configuration(priority: 100, own: 5))
        let actions = instance.advertisementReceived(advert(100), from: ipv4(5), now: at)
        #expect(actions == [.report(.equalPriorityFromOwnAddress(ipv4(5)))])
        #expect(instance.state == .master)
    }

    @Test func masterAdvertisesEveryIntervalAndSendsDelayedAnnouncements() {
        let gratuitous = VRRPGratuitousSettings(
            masterDelay: .seconds(5), masterRepeat: 5, masterRefresh: .seconds(60), masterRefreshRepeat: 2,
            spacing: .milliseconds(10))
        var (instance, at) = startedMaster(configuration(priority: 100, gratuitous: gratuitous))
        var adverts = 0
        var bursts: [Int] = []
        var now = at
        while now < at.adding(seconds: 66) {
            now = instance.nextDeadline!
            for action in instance.timersFired(now: now) {
                switch action {
                case .sendAdvertisement: adverts += 1
                case .sendGratuitousAnnouncements(_, let repeatCount, let spacing):
                    #expect(spacing == .milliseconds(10))
                    bursts.append(repeatCount)
                case .addVirtualAddresses, .removeVirtualAddresses, .stateChanged, .runNotify, .report:
                    Issue.record("unexpected \(action)")
                }
            }
        }
        #expect(adverts == 66)
        // garp_master_delay 5 s: a second full burst; garp_master_refresh every 60 s after it.
        #expect(bursts == [5, 2])
        #expect(instance.counters.advertisementsSent == 67)
    }

    @Test func cleanStopAsMasterResignsWithPriorityZero() {
        var (instance, at) = startedMaster(configuration(priority: 100))
        let actions = instance.stop(now: at.adding(seconds: 1))
        #expect(actions.advertPriorities == [0])
        #expect(actions.contains(.removeVirtualAddresses([vip])))
        #expect(actions.transitions == [.stopped])
        #expect(actions.notifications.map(\.arguments) == [["INSTANCE", "VI_1", "STOP", "100"]])
        #expect(instance.nextDeadline == nil)
        #expect(instance.counters.priorityZeroSent == 1)
    }

    @Test func stopAsBackupSendsNothing() {
        var instance = startedBackup(configuration())
        let actions = instance.stop(now: ms(100))
        #expect(actions.advertPriorities.isEmpty)
        #expect(actions.transitions == [.stopped])
    }

    @Test func twoOwnersTheLowerAddressYieldsAtOnce() {
        var instance = VRRPInstance(configuration: configuration(priority: 255, initialState: .master, own: 5))
        _ = instance.start(now: .zero)
        let actions = instance.advertisementReceived(advert(255), from: ipv4(9), now: ms(100))
        #expect(actions.contains(.report(.duplicateAddressOwner(ipv4(9)))))
        #expect(instance.state == .backup)
    }

    @Test func twoOwnersTheHigherAddressLowersItselfIfTheRivalPersists() {
        var instance = VRRPInstance(configuration: configuration(priority: 255, initialState: .master, own: 9))
        _ = instance.start(now: .zero)
        #expect(instance.advertisementReceived(advert(255), from: ipv4(5), now: ms(100)).advertPriorities == [255])
        // Two more of our adverts, then a 1.2 s grace timer.
        _ = instance.timersFired(now: ms(1000))
        _ = instance.timersFired(now: ms(2000))
        #expect(instance.rogueDeadline == ms(3200))
        let actions = instance.advertisementReceived(advert(255), from: ipv4(5), now: ms(2500))
        #expect(actions.contains(.report(.ownerPriorityLowered(rival: ipv4(5)))))
        #expect(instance.state == .backup)
        #expect(instance.effectivePriority == 254)
        // It becomes 255 again when it next becomes master.
        _ = instance.advertisementReceived(advert(0), from: ipv4(5), now: ms(3000))
        _ = instance.timersFired(now: instance.nextDeadline!)
        #expect(instance.state == .master)
        #expect(instance.effectivePriority == 255)
    }
}
