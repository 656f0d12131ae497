import LVSCore
import Testing

@testable import LVSHealth

/// Real-server consequences of checker transitions: alpha, inhibit_on_failure, several
/// checkers, misc_dynamic, reload and omega (reference §8.3-§8.5).
@Suite struct RealServerHealthTests {
    let service = Fixture.service

    @Test func alphaStartsDownAndNeedsOneSuccess() {
        var s = HealthScenario()
        var schedule = Fixture.schedule
        schedule.alpha = true
        let initial = s.configure(
            Fixture.configuration(servers: [Fixture.server(1, checkers: [Fixture.tcp(schedule)]), Fixture.server(2)]))
        #expect(initial.adminCommands == [.deleteRealServer(service, Fixture.real(1).key)])
        #expect(s.notifications().isEmpty)
        #expect(s.monitor.status().map(\.state) == [.down, .unknown])
        s.advance(to: .at(1))
        let mark = s.log.count
        s.succeed(Fixture.checker(1))
        #expect(s.membership(since: mark) == [.addRealServer(service, Fixture.real(1))])
        #expect(s.monitor.status().map(\.state) == [.up, .unknown])
    }

    @Test func inhibitOnFailureSetsWeightZeroInsteadOfRemoving() {
        var s = HealthScenario()
        s.configure(Fixture.configuration(servers: [Fixture.server(1, weight: 5, inhibit: true), Fixture.server(2)]))
        s.advance(to: .at(1))
        s.fail(Fixture.checker(1))
        s.succeed(Fixture.checker(2))
        #expect(s.membership() == [.setWeight(service, Fixture.real(1, weight: 0))])
        #expect(s.monitor.status().first?.programmedWeight == 0)
        s.advance(to: .at(11))
        let mark = s.log.count
        s.succeed(Fixture.checker(1))
        #expect(s.membership(since: mark) == [.setWeight(service, Fixture.real(1, weight: 5))])
    }

    @Test func everyCheckerMustBeUpForTheRealServerToBeAlive() {
        var s = HealthScenario()
        let http = CheckerSpecification(name: "HTTP_GET", schedule: Fixture.schedule)
        s.configure(
            Fixture.configuration(servers: [
                Fixture.server(1, checkers: [Fixture.tcp(), http]), Fixture.server(2, checkers: []),
            ]))
        let tcp = Fixture.checker(1, 0)
        let get = Fixture.checker(1, 1)
        s.advance(to: .at(1))
        s.succeed(tcp)
        s.answer(get, .failure(reason: "HTTP_GET: status 503 (expected 200-299)"))
        #expect(s.membership() == [.removeRealServer(service, Fixture.real(1).key)])
        let down = s.transitions().first { $0.subject == .realServer(Fixture.realID(1)) }
        #expect(down?.reason == "HTTP_GET: status 503 (expected 200-299)")
        // TCP failing too changes nothing more; HTTP recovering alone is not enough.
        s.advance(to: .at(11))
        var mark = s.log.count
        s.fail(tcp)
        s.advance(to: .at(12))
        s.fail(tcp)
        s.advance(to: .at(13))
        s.fail(tcp)
        s.succeed(get)
        #expect(s.membership(since: mark).isEmpty)
        #expect(s.monitor.status().first?.checkers.map(\.state) == [.down, .up])
        s.advance(to: .at(23))
        mark = s.log.count
        s.succeed(tcp)
        #expect(s.membership(since: mark) == [.addRealServer(service, Fixture.real(1))])
    }

    @Test func miscDynamicWeightFromExitCode() {
        var s = HealthScenario()
        let misc = CheckerSpecification(
            name: "MISC_CHECK", schedule: CheckerSchedule(delayLoop: .seconds(10), retry: 0, warmup: .zero),
            dynamicWeight: true)
        s.configure(Fixture.configuration(servers: [Fixture.server(1, weight: 3, checkers: [misc])]))
        s.advance(to: .at(1))
        s.succeed(Fixture.checker(1), weight: 7)  // exit 9
        #expect(s.membership() == [.setWeight(service, Fixture.real(1, weight: 7))])
        s.advance(to: .at(11))
        var mark = s.log.count
        s.succeed(Fixture.checker(1))  // exit 0: weight unchanged
        #expect(s.membership(since: mark).isEmpty)
        #expect(s.monitor.status().first?.weight == 7)
        s.advance(to: .at(21))
        s.fail(Fixture.checker(1), "MISC_CHECK: exit status 1")  // retry 0: decisive
        s.advance(to: .at(31))
        mark = s.log.count
        s.succeed(Fixture.checker(1), weight: 0)  // exit 2: alive with weight 0
        #expect(s.membership(since: mark) == [.addRealServer(service, Fixture.real(1, weight: 0))])
    }

    @Test func groupServicesAreProgrammedTogether() {
        var s = HealthScenario()
        let other = VirtualServiceID(protocol: .tcp, address: IPAddress(ipv4: 0x0A00_0002), port: 80)
        s.configure(Fixture.configuration(servers: [Fixture.server(1), Fixture.server(2)], services: [service, other]))
        s.advance(to: .at(1))
        s.fail(Fixture.checker(1))
        #expect(
            s.membership() == [
                .removeRealServer(service, Fixture.real(1).key), .removeRealServer(other, Fixture.real(1).key),
            ])
    }

    @Test func reloadKeepsStateAndReappliesItOverTheAllUpDataplane() {
        var s = HealthScenario()
        let configuration = Fixture.configuration(servers: [Fixture.server(1), Fixture.server(2)])
        s.configure(configuration)
        s.advance(to: .at(1))
        s.fail(Fixture.checker(1))
        s.succeed(Fixture.checker(2))
        // Reload: same servers plus a third; the dataplane was reset to all-up by the reload.
        var reloaded = configuration
        reloaded.virtualServers[0].realServers.append(Fixture.server(3))
        s.advance(to: .at(5))
        let actions = s.configure(reloaded)
        #expect(actions.adminCommands == [.deleteRealServer(service, Fixture.real(1).key)])
        #expect(s.notifications(since: s.log.count - actions.count).isEmpty)
        #expect(s.monitor.status().map(\.state) == [.down, .up, .unknown])
        // The kept checkers keep their schedule; the new one starts after 1 s.
        #expect(s.armed == .at(6))
    }

    @Test func changedCheckerStartsAfresh() {
        var s = HealthScenario()
        s.configure(Fixture.configuration(servers: [Fixture.server(1)]))
        s.advance(to: .at(1))
        s.fail(Fixture.checker(1))
        var schedule = Fixture.schedule
        schedule.delayLoop = .seconds(20)
        let actions = s.configure(Fixture.configuration(servers: [Fixture.server(1, checkers: [Fixture.tcp(schedule)])]))
        // Fresh checker: unknown, counts as alive: the all-up dataplane is right, quorum regained.
        #expect(actions.adminCommands.isEmpty)
        #expect(s.monitor.status().first?.state == .unknown)
        #expect(
            s.notifications(since: s.log.count - actions.count) == [
                .runNotify(NotifyScript(command: "/bin/up 1"), subject: .realServer(Fixture.realID(1)), state: .up),
                .runNotify(NotifyScript(command: "/bin/quorum-up"), subject: .quorum(Fixture.vs), state: .up),
            ])
    }

    @Test func omegaRunsDownNotifiersAndRemovesAtShutdown() {
        var s = HealthScenario()
        s.configure(Fixture.configuration(servers: [Fixture.server(1), Fixture.server(2)], omega: true))
        s.advance(to: .at(1))
        s.fail(Fixture.checker(2))
        let mark = s.log.count
        s.record(s.monitor.shutdown(now: .at(2)))
        #expect(s.membership(since: mark) == [.removeRealServer(service, Fixture.real(1).key)])
        #expect(
            s.notifications(since: mark) == [
                .runNotify(NotifyScript(command: "/bin/down 1"), subject: .realServer(Fixture.realID(1)), state: .down),
                .runNotify(NotifyScript(command: "/bin/quorum-down"), subject: .quorum(Fixture.vs), state: .down),
            ])
        #expect(s.monitor.timerFired(now: .at(100)).isEmpty)
    }

    @Test func withoutOmegaShutdownDoesNothing() {
        var s = HealthScenario()
        s.configure(Fixture.configuration(servers: [Fixture.server(1)]))
        #expect(s.monitor.shutdown(now: .at(2)).isEmpty)
    }

    @Test func realServerWithoutCheckersIsAlwaysUp() {
        var s = HealthScenario()
        let actions = s.configure(Fixture.configuration(servers: [Fixture.server(1, checkers: [])]))
        #expect(actions.isEmpty)
        #expect(s.monitor.status().first?.state == .up)
        #expect(s.monitor.nextDeadline == nil)
    }
}
