import LVSCore
import Testing

@testable import LVSHealth

/// Rise and fall of one checker on a manual clock (reference §8.5, "Checker state machine").
@Suite struct CheckerTimingTests {
    let c = Fixture.checker(1)

    func started() -> HealthScenario {
        var s = HealthScenario()
        s.configure(Fixture.configuration(servers: [Fixture.server(1)]))
        return s
    }

    @Test func firstAttemptAfterOneSecondWithoutWarmupAndNextAfterDelayLoop() {
        var s = started()
        #expect(s.armed == .at(1))
        s.advance(to: .at(1))
        #expect(s.started.map(\.at) == [.at(1)])
        #expect(s.started.first?.request.attempt == 0)
        #expect(s.started.first?.request.timeout == .seconds(3))
        s.advance(seconds: 1)
        s.succeed(c)
        #expect(s.armed == .at(12))
        #expect(s.membership().isEmpty)
        #expect(s.monitor.status().first?.checkers.first?.state == .up)
        #expect(s.monitor.status().first?.state == .up)
    }

    @Test func silentRealServerIsDeclaredDownAtTheWorstCaseBound() {
        var s = started()
        s.advance(to: .at(1))
        s.succeed(c)
        let mark = s.log.count
        // No answers: timeouts at 14, 18, 22 with retries at 15 and 19.
        s.advance(to: .at(40))
        let down = s.transitions(since: mark).filter { $0.subject == .realServer(Fixture.realID(1)) }
        #expect(down.count == 1)
        #expect(down.first?.at == .at(22))
        #expect(down.first?.reason == "TCP_CHECK: timeout after 3 s")
        #expect(MonotonicInstant.at(1).advanced(by: Fixture.schedule.worstCaseDetection) == .at(22))
        #expect(s.started.map(\.at).prefix(4) == [.at(1), .at(11), .at(15), .at(19)])
        #expect(s.started.map(\.request.attempt).prefix(4) == [0, 0, 1, 2])
        #expect(s.membership(since: mark) == [.removeRealServer(Fixture.service, Fixture.real(1).key)])
    }

    @Test func refusedAttemptsRetryAfterDelayBeforeRetry() {
        var s = started()
        s.advance(to: .at(1))
        s.succeed(c)
        s.advance(to: .at(11))
        s.fail(c)
        #expect(s.armed == .at(12))
        #expect(s.membership().isEmpty)
        s.advance(to: .at(12))
        s.fail(c)
        s.advance(to: .at(13))
        s.fail(c)
        #expect(s.membership() == [.removeRealServer(Fixture.service, Fixture.real(1).key)])
        let status = s.monitor.status().first?.checkers.first
        #expect(status?.state == .down)
        #expect(status?.consecutiveFailures == 3)
        #expect(status?.lastResult == "TCP_CHECK: connection refused")
        #expect(status?.lastCheck == .at(13))
        #expect(status?.lastChange == .at(13))
        #expect(s.armed == .at(23))
    }

    @Test func aSuccessBetweenRetriesKeepsTheRealServerUp() {
        var s = started()
        s.advance(to: .at(1))
        s.succeed(c)
        s.advance(to: .at(11))
        s.fail(c)
        s.advance(to: .at(12))
        s.succeed(c)
        #expect(s.membership().isEmpty)
        #expect(s.armed == .at(22))
        #expect(s.monitor.status().first?.checkers.first?.consecutiveFailures == 0)
    }

    @Test func theVeryFirstFailureIsDecisive() {
        var s = started()
        s.advance(to: .at(1))
        s.fail(c)
        #expect(s.membership() == [.removeRealServer(Fixture.service, Fixture.real(1).key)])
        let checkerLog = s.transitions().first { if case .checker = $0.subject { return true } else { return false } }
        #expect(checkerLog?.from == .unknown)
        #expect(checkerLog?.to == .down)
    }

    @Test func recoveryWithinOneDelayLoop() {
        var s = started()
        s.advance(to: .at(1))
        s.fail(c)
        let mark = s.log.count
        // A decided check waits delay_loop: recovery at the next check.
        #expect(s.armed == .at(11))
        s.advance(to: .at(11))
        s.succeed(c)
        #expect(s.membership(since: mark) == [.addRealServer(Fixture.service, Fixture.real(1))])
        #expect(s.notifications(since: mark) == [
            .runNotify(NotifyScript(command: "/bin/up 1"), subject: .realServer(Fixture.realID(1)), state: .up),
            .runNotify(NotifyScript(command: "/bin/quorum-up"), subject: .quorum(Fixture.vs), state: .up),
        ])
    }

    @Test func lateResultOfAGivenUpAttemptIsIgnored() {
        var s = started()
        s.advance(to: .at(1))
        let stale = s.pending[c]
        s.advance(to: .at(4))  // timeout at 4: decisive first failure
        #expect(s.monitor.status().first?.state == .down)
        let ticket = try! #require(stale).ticket
        #expect(s.monitor.probeCompleted(ticket, result: .success(detail: "late"), now: .at(5)).isEmpty)
        #expect(s.monitor.status().first?.state == .down)
    }

    @Test func warmupJitterStaysWithinOneSecondPlusWarmupAndDependsOnTheSeed() {
        let schedule = CheckerSchedule(delayLoop: .seconds(10), warmup: .seconds(10))
        let servers = (1...20).map { Fixture.server(UInt8($0), checkers: [Fixture.tcp(schedule)]) }
        func firstAttempts(seed: UInt64) -> [MonotonicInstant] {
            var s = HealthScenario(seed: seed)
            s.configure(Fixture.configuration(servers: servers))
            s.advance(to: .at(11))
            return s.started.map(\.at)
        }
        let times = firstAttempts(seed: 7)
        #expect(times.count == 20)
        #expect(times.allSatisfy { $0 >= .at(1) && $0 <= .at(11) })
        #expect(Set(times).count > 10)
        #expect(firstAttempts(seed: 7) == times)
        #expect(firstAttempts(seed: 8) != times)
    }

    @Test func worstCaseDetectionFormula() {
        let schedule = CheckerSchedule(
            delayLoop: .seconds(6), connectTimeout: .seconds(2), retry: 3, delayBeforeRetry: .milliseconds(500))
        #expect(schedule.worstCaseDetection == .seconds(6 + 4 * 2) + .milliseconds(1500))
        #expect(schedule.warmup == .seconds(6))
    }

    @Test func halfSecondTimeoutIsReportedWithItsFraction() {
        var s = HealthScenario()
        let schedule = CheckerSchedule(delayLoop: .seconds(5), connectTimeout: .milliseconds(500), retry: 0, warmup: .zero)
        s.configure(Fixture.configuration(servers: [Fixture.server(1, checkers: [Fixture.tcp(schedule)])]))
        s.advance(to: .at(2))
        let down = s.transitions().first { $0.subject == .realServer(Fixture.realID(1)) }
        #expect(down?.reason == "TCP_CHECK: timeout after 0.5 s")
        #expect(down?.at == MonotonicInstant(nanoseconds: 1_500_000_000))
    }
}
