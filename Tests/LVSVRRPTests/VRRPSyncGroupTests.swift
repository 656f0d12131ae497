import LVSCore
import Testing

@testable import LVSVRRP

@Suite struct VRRPSyncGroupTests {
    static func group(trackingWeight: Bool = false) -> VRRPSyncGroup {
        VRRPSyncGroup(
            name: "G1",
            members: [
                configuration(name: "VI_1", priority: 100),
                configuration(
                    name: "VI_2", priority: 100,
                    tracked: [
                        VRRPTrackedObject(name: "eth1", kind: .interface, weight: -50),
                        VRRPTrackedObject(name: "chk", kind: .script, weight: 10),
                    ]),
            ], trackingWeight: trackingWeight)
    }

    static func states(_ group: VRRPSyncGroup) -> [VRRPState] { group.members.map(\.state) }

    static func entered(_ actions: [VRRPSyncGroupAction], by instance: String?) -> [VRRPState] {
        actions.compactMap {
            guard $0.instance == instance, case .stateChanged(let change) = $0.action else { return nil }
            return change.to
        }
    }

    @Test func membersBecomeMasterTogether() {
        var group = Self.group()
        _ = group.start(now: .zero)
        #expect(group.state == .backup)
        let actions = group.timersFired(now: group.nextDeadline!)
        #expect(Self.states(group) == [.master, .master])
        #expect(group.state == .master)
        #expect(Self.entered(actions, by: nil) == [.master])
        let groupNotify = actions.last?.action
        #expect(groupNotify == .runNotify(VRRPNotification(scope: .group, name: "G1", state: .master, priority: 0)))
    }

    @Test func oneMemberHearingABetterMasterTakesTheGroupToBackup() {
        var group = Self.group()
        _ = group.start(now: .zero)
        let at = group.nextDeadline!
        _ = group.timersFired(now: at)
        let actions = group.advertisementReceived(
            advert(200), from: ipv4(2), instance: "VI_1", now: at.adding(seconds: 1))
        #expect(Self.states(group) == [.backup, .backup])
        #expect(Self.entered(actions, by: "VI_2") == [.backup])
        #expect(actions.contains(VRRPSyncGroupAction(instance: "VI_2", action: .removeVirtualAddresses([vip]))))
    }

    @Test func aMemberHeldBackByAnotherDoesNotGoMasterAlone() {
        var group = Self.group()
        _ = group.start(now: .zero)
        // VI_2 keeps hearing a master; VI_1's timer runs out but it may not go alone.
        _ = group.advertisementReceived(advert(200), from: ipv4(2), instance: "VI_2", now: ms(3000))
        #expect(group.timersFired(now: us(3_609_375)).isEmpty)
        #expect(Self.states(group) == [.backup, .backup])
    }

    @Test func oneFaultPutsTheGroupInFaultUntilItClears() {
        var group = Self.group()
        _ = group.start(now: .zero)
        let at = group.nextDeadline!
        _ = group.timersFired(now: at)
        let fault = group.faultRaised("interface eth0 down", instance: "VI_2", now: at.adding(seconds: 1))
        #expect(Self.states(group) == [.fault, .fault])
        #expect(group.state == .fault)
        #expect(fault.filter { $0.action == .sendAdvertisement(advert(0)) }.count == 2)
        let clear = group.faultCleared("interface eth0 down", instance: "VI_2", now: at.adding(seconds: 2))
        #expect(Self.states(group) == [.backup, .backup])
        #expect(Self.entered(clear, by: nil) == [.backup])
    }

    @Test func trackingWeightsAreForcedToZeroWithoutSyncGroupTrackingWeight() {
        var group = Self.group()
        #expect(
            group.member(named: "VI_2")?.configuration.trackedObjects == [
                VRRPTrackedObject(name: "eth1", kind: .interface)
            ])
        _ = group.start(now: .zero)
        _ = group.trackedObjectChanged(name: "eth1", isUp: false, now: ms(10))
        #expect(Self.states(group) == [.fault, .fault])
    }

    @Test func syncGroupTrackingWeightKeepsTheWeights() {
        var group = Self.group(trackingWeight: true)
        _ = group.start(now: .zero)
        _ = group.trackedObjectChanged(name: "eth1", isUp: false, now: ms(10))
        #expect(Self.states(group) == [.backup, .backup])
        #expect(group.member(named: "VI_2")?.effectivePriority == 50)
    }

    @Test func stopStopsEveryMember() {
        var group = Self.group()
        _ = group.start(now: .zero)
        let actions = group.stop(now: ms(10))
        #expect(Self.states(group) == [.stopped, .stopped])
        #expect(Self.entered(actions, by: nil) == [.stopped])
    }
}
