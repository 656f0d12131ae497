import LVSCore
import Testing

@testable import LVSVRRP

/// The router: standalone instances, sync groups and tracking scripts driven as one machine,
/// and a reload that keeps what did not change.
@Suite struct VRRPRouterTests {
    static let check = VRRPScriptTracker.Configuration(name: "chk", interval: .seconds(2), weight: -60)

    static func tracked(_ priority: UInt8 = 100) -> VRRPInstanceConfiguration {
        configuration(
            name: "VI_1", priority: priority,
            tracked: [
                VRRPTrackedObject(name: VRRPRouter.trackedName(interface: "eth0"), kind: .interface),
                VRRPTrackedObject(name: VRRPRouter.trackedName(script: "chk"), kind: .script, weight: -60),
            ])
    }

    static func states(_ router: VRRPRouter) -> [String: VRRPState] {
        Dictionary(uniqueKeysWithValues: router.instances.map { ($0.name, $0.state) })
    }

    @Test func instancesAndGroupsStartAndTagTheirActions() {
        var router = VRRPRouter(
            instances: [configuration(name: "VI_1"), configuration(name: "VI_2"), configuration(name: "VI_3")],
            groups: [VRRPSyncGroupConfiguration(name: "G", members: ["VI_2", "VI_3"])], scripts: [], now: .zero)
        let actions = router.start(now: .zero)
        #expect(Self.states(router) == ["VI_1": .backup, "VI_2": .backup, "VI_3": .backup])
        #expect(
            actions.contains(
                .instance(
                    "VI_1", .stateChanged(VRRPTransition(from: .initialize, to: .backup, reason: "start-up", at: .zero))
                )))
        let fired = router.timersFired(now: router.nextDeadline!)
        #expect(Self.states(router) == ["VI_1": .master, "VI_2": .master, "VI_3": .master])
        // The group's own notification comes tagged with the group's name.
        #expect(
            fired.contains(
                .group("G", .runNotify(VRRPNotification(scope: .group, name: "G", state: .master, priority: 0)))))
        #expect(router.groups.map(\.state) == [.master])
    }

    @Test func aFailingScriptLowersThePriorityAndALinkDownMeansFault() {
        var router = VRRPRouter(instances: [Self.tracked()], groups: [], scripts: [Self.check], now: .zero)
        _ = router.linkChanged(interface: "eth0", isUp: true, now: .zero)
        let started = router.start(now: .zero)
        guard case .runScript("chk", let first) = started.last else {
            Issue.record("expected the script's first run, got \(started)")
            return
        }
        _ = router.scriptFinished("chk", runNumber: first, outcome: .exited(status: 1), now: ms(10))
        #expect(router.instance(named: "VI_1")?.effectivePriority == 40)
        let next = router.timersFired(now: ms(2000))
        guard case .runScript("chk", let second) = next.first else {
            Issue.record("expected the second run, got \(next)")
            return
        }
        _ = router.scriptFinished("chk", runNumber: second, outcome: .exited(status: 0), now: ms(2010))
        #expect(router.instance(named: "VI_1")?.effectivePriority == 100)
        let down = router.linkChanged(interface: "eth0", isUp: false, now: ms(2100))
        #expect(router.instance(named: "VI_1")?.state == .fault)
        #expect(
            down.contains { if case .instance("VI_1", .stateChanged(let t)) = $0 { t.to == .fault } else { false } })
        _ = router.linkChanged(interface: "eth0", isUp: true, now: ms(2200))
        #expect(router.instance(named: "VI_1")?.state == .backup)
    }

    @Test func aScriptThatOutlivesItsTimeoutIsTerminated() {
        let slow = VRRPScriptTracker.Configuration(
            name: "chk", interval: .seconds(5), timeout: .seconds(1), weight: -60)
        var router = VRRPRouter(instances: [Self.tracked()], groups: [], scripts: [slow], now: .zero)
        let started = router.start(now: .zero)
        guard case .runScript("chk", let run) = started.last else {
            Issue.record("expected a run, got \(started)")
            return
        }
        #expect(router.timersFired(now: ms(1000)).contains(.terminateScript("chk", runNumber: run)))
    }

    @Test func aReloadKeepsUnchangedInstancesAndRestartsChangedOnes() {
        var router = VRRPRouter(
            instances: [configuration(name: "VI_1"), configuration(name: "VI_2")], groups: [], scripts: [], now: .zero)
        _ = router.start(now: .zero)
        let becameMaster = router.nextDeadline!
        _ = router.timersFired(now: becameMaster)
        #expect(Self.states(router) == ["VI_1": .master, "VI_2": .master])
        let later = becameMaster.adding(seconds: 10)
        let fresh = VRRPRouter(
            instances: [configuration(name: "VI_1"), configuration(name: "VI_2", priority: 120)], groups: [],
            scripts: [], now: later)
        let (next, actions) = router.reconfigured(to: fresh, now: later)
        // VI_1 is untouched: still master, no action; VI_2 resigned and started again as backup.
        #expect(next.instance(named: "VI_1")?.state == .master)
        #expect(next.instance(named: "VI_1")?.counters.becameMaster == 1)
        #expect(!actions.contains { if case .instance("VI_1", _) = $0 { true } else { false } })
        #expect(actions.contains(.instance("VI_2", .removeVirtualAddresses([vip]))))
        #expect(next.instance(named: "VI_2")?.state == .backup)
        #expect(next.instance(named: "VI_2")?.configuration.priority == 120)
    }

    @Test func aReloadStopsRemovedInstances() {
        var router = VRRPRouter(
            instances: [configuration(name: "VI_1"), configuration(name: "VI_2")], groups: [], scripts: [], now: .zero)
        _ = router.start(now: .zero)
        _ = router.timersFired(now: router.nextDeadline!)
        let fresh = VRRPRouter(instances: [configuration(name: "VI_1")], groups: [], scripts: [], now: ms(9000))
        let (next, actions) = router.reconfigured(to: fresh, now: ms(9000))
        #expect(next.instances.map(\.name) == ["VI_1"])
        #expect(
            actions.contains {
                if case .instance("VI_2", .sendAdvertisement(let a)) = $0 { a.priority == 0 } else { false }
            })
    }
}

/// A master's adverts keep their period when the driver wakes late.
@Suite struct VRRPAdvertPeriodTests {
    @Test func aLateWakeUpDoesNotStretchThePeriod() {
        var (instance, becameMaster) = startedMaster(configuration())
        var due = instance.nextDeadline!
        #expect(due == becameMaster.adding(seconds: 1))
        // Woken 3 ms late: the next advert is still due one second after the previous was due.
        _ = instance.timersFired(now: due.adding(nanoseconds: 3_000_000))
        #expect(instance.nextDeadline == due.adding(seconds: 1))
        due = instance.nextDeadline!
        // More than a whole interval late: start again from now.
        let late = due.adding(seconds: 2)
        _ = instance.timersFired(now: late)
        #expect(instance.nextDeadline == late.adding(seconds: 1))
    }
}
