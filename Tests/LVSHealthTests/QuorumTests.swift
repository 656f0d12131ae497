import LVSCore
import Testing

@testable import LVSHealth

/// Quorum, hysteresis and the sorry server (reference §8.3, §8.5 "Quorum").
@Suite struct QuorumTests {
    let service = Fixture.service
    let sorry = RealServerConfig(
        address: IPAddress(ipv4: 0xC0A8_01FE), port: 80, forwarding: .masquerading, weight: 1)

    /// One failure decides: retry 0.
    static let decisive = CheckerSchedule(delayLoop: .seconds(10), connectTimeout: .seconds(3), retry: 0, warmup: .zero)

    /// Four real servers of weight 1, all up at 1 s; at 11 s their next probes are pending.
    func fourUp(quorum: UInt32, hysteresis: UInt32 = 0) -> HealthScenario {
        var s = HealthScenario()
        s.configure(
            Fixture.configuration(
                servers: (1...4).map { Fixture.server($0, checkers: [Fixture.tcp(Self.decisive)]) }, quorum: quorum,
                hysteresis: hysteresis, sorry: sorry))
        s.advance(to: .at(1))
        for last in UInt8(1)...4 { s.succeed(Fixture.checker(last)) }
        s.advance(to: .at(11))
        return s
    }

    @Test func quorumLossAddsTheSorryServerAndRemovesTheRest() {
        var s = fourUp(quorum: 3)
        s.fail(Fixture.checker(1))
        #expect(s.membership() == [.removeRealServer(service, Fixture.real(1).key)])
        let mark = s.log.count
        s.fail(Fixture.checker(2))
        #expect(
            s.membership(since: mark) == [
                .addSorryServer(service, sorry),
                .removeRealServer(service, Fixture.real(2).key),
                .removeRealServer(service, Fixture.real(3).key),
                .removeRealServer(service, Fixture.real(4).key),
            ])
        let quorum = s.transitions(since: mark).first { $0.subject == .quorum(Fixture.vs) }
        #expect(quorum?.to == .down)
        #expect(quorum?.reason == "alive weight 2 < quorum 3 - hysteresis 0")
        #expect(s.notifications(since: mark).contains(
            .runNotify(NotifyScript(command: "/bin/quorum-down"), subject: .quorum(Fixture.vs), state: .down)))
        #expect(s.monitor.quorumStatus().first?.sorryServerActive == true)
        s.succeed(Fixture.checker(3))
        s.succeed(Fixture.checker(4))

        // Regained: the alive real servers come back before the sorry server goes.
        s.advance(to: .at(21))
        let back = s.log.count
        s.succeed(Fixture.checker(1))
        #expect(
            s.membership(since: back) == [
                .addRealServer(service, Fixture.real(1)), .addRealServer(service, Fixture.real(3)),
                .addRealServer(service, Fixture.real(4)), .removeSorryServer(service, sorry.key),
            ])
        #expect(s.notifications(since: back).contains(
            .runNotify(NotifyScript(command: "/bin/quorum-up"), subject: .quorum(Fixture.vs), state: .up)))
    }

    @Test func realServerChangesWhileTheSorryServerServesAreNotProgrammed() {
        var s = fourUp(quorum: 4)
        s.fail(Fixture.checker(1))
        let mark = s.log.count
        s.fail(Fixture.checker(2))
        #expect(s.membership(since: mark).isEmpty)
        #expect(s.notifications(since: mark) == [
            .runNotify(NotifyScript(command: "/bin/down 2"), subject: .realServer(Fixture.realID(2)), state: .down)
        ])
    }

    @Test func hysteresisWidensTheBand() {
        // quorum 3, hysteresis 1: lost below 2, regained at 4.
        var s = fourUp(quorum: 3, hysteresis: 1)
        s.fail(Fixture.checker(1))
        s.fail(Fixture.checker(2))
        #expect(s.monitor.quorumStatus().first?.state == .up)
        s.fail(Fixture.checker(3))
        #expect(s.monitor.quorumStatus().first?.state == .down)
        #expect(s.monitor.quorumStatus().first?.aliveWeight == 1)
        s.succeed(Fixture.checker(4))
        s.advance(to: .at(21))
        s.succeed(Fixture.checker(1))
        s.succeed(Fixture.checker(2))
        #expect(s.monitor.quorumStatus().first?.state == .down)
        s.succeed(Fixture.checker(3))
        #expect(s.monitor.quorumStatus().first?.state == .up)
        let up = s.transitions().last { $0.subject == .quorum(Fixture.vs) }
        #expect(up?.reason == "alive weight 4 >= quorum 3 + hysteresis 1")
    }

    @Test func quorumIsCappedAtTotalWeightAndHysteresisBelowQuorum() {
        let spec = HealthVirtualServerSpecification(
            id: Fixture.vs, services: [service], quorum: 10, hysteresis: 9,
            realServers: [Fixture.server(1, weight: 2), Fixture.server(2, weight: 3)])
        #expect(spec.effectiveQuorum == 5)
        #expect(spec.effectiveHysteresis == 4)
    }

    @Test func sorryServerInhibitKeepsItAtWeightZero() {
        var s = HealthScenario()
        let initial = s.configure(
            Fixture.configuration(servers: [Fixture.server(1)], sorry: sorry, sorryInhibit: true))
        var idle = sorry
        idle.weight = 0
        #expect(initial.adminCommands == [.addRealServer(service, idle)])
        s.advance(to: .at(1))
        let mark = s.log.count
        s.fail(Fixture.checker(1))
        #expect(
            s.membership(since: mark) == [
                .setWeight(service, sorry), .removeRealServer(service, Fixture.real(1).key),
            ])
        s.advance(to: .at(11))
        let back = s.log.count
        s.succeed(Fixture.checker(1))
        #expect(s.membership(since: back) == [.addRealServer(service, Fixture.real(1)), .setWeight(service, idle)])
    }

    @Test func quorumDownAtStartAddsTheSorryServerWithoutScripts() {
        var s = HealthScenario()
        var schedule = Fixture.schedule
        schedule.alpha = true
        let actions = s.configure(
            Fixture.configuration(servers: [Fixture.server(1, checkers: [Fixture.tcp(schedule)])], sorry: sorry))
        #expect(
            actions.adminCommands == [
                .addRealServer(service, sorry), .deleteRealServer(service, Fixture.real(1).key),
            ])
        #expect(s.notifications().isEmpty)
        #expect(s.monitor.quorumStatus().first?.state == .down)
    }
}
