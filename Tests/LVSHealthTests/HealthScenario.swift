import LVSCore
import Testing

@testable import LVSHealth

/// Replays a scenario on a manual clock: configuration and probe results in, actions recorded
/// (the seesaw habit: steps of config and health events, then check what was programmed).
struct HealthScenario {
    var monitor: HealthMonitor
    var now = MonotonicInstant.zero
    var armed: MonotonicInstant?
    /// Every action so far, with the instant it was returned at.
    var log: [(at: MonotonicInstant, action: HealthAction)] = []
    /// Probes started and not yet answered, by checker.
    var pending: [HealthCheckerID: ProbeRequest] = [:]
    /// Attempts started, in order.
    var started: [(at: MonotonicInstant, request: ProbeRequest)] = []

    init(seed: UInt64 = 1) { monitor = HealthMonitor(seed: seed) }

    @discardableResult
    mutating func configure(_ configuration: HealthConfiguration) -> [HealthAction] {
        record(monitor.configurationChanged(configuration, now: now))
    }

    @discardableResult
    mutating func record(_ actions: [HealthAction]) -> [HealthAction] {
        for action in actions {
            log.append((now, action))
            switch action {
            case .armTimer(let at): armed = at
            case .runProbe(let request):
                pending[request.ticket.checker] = request
                started.append((now, request))
            case .addRealServer, .setWeight, .removeRealServer, .addSorryServer, .removeSorryServer, .runNotify, .log:
                break
            }
        }
        return actions
    }

    /// Advances the clock to `instant`, firing the timer at every armed deadline on the way.
    mutating func advance(to instant: MonotonicInstant) {
        while let deadline = armed, deadline <= instant {
            now = max(now, deadline)
            armed = nil
            let actions = monitor.timerFired(now: now)
            // Timed-out probes are no longer pending.
            for (checker, request) in pending {
                if case .probing(let ticket, _)? = phase(of: checker), ticket == request.ticket { continue }
                pending[checker] = nil
            }
            record(actions)
        }
        now = max(now, instant)
    }

    mutating func advance(seconds: UInt64) { advance(to: now.adding(seconds: seconds)) }

    func phase(of checker: HealthCheckerID) -> CheckerStateMachine.Phase? {
        guard let (v, r, c) = monitor.indices(of: checker) else { return nil }
        return monitor.virtualServers[v].realServers[r].checkers[c].phase
    }

    /// Answers the pending probe of `checker`.
    @discardableResult
    mutating func answer(_ checker: HealthCheckerID, _ result: ProbeResult) -> [HealthAction] {
        guard let request = pending.removeValue(forKey: checker) else {
            Issue.record("no probe pending for \(checker) at \(now.nanoseconds) ns")
            return []
        }
        return record(monitor.probeCompleted(request.ticket, result: result, now: now))
    }

    mutating func succeed(_ checker: HealthCheckerID, weight: Int32? = nil) {
        answer(checker, .success(detail: "ok", weight: weight))
    }

    mutating func fail(_ checker: HealthCheckerID, _ reason: String = "TCP_CHECK: connection refused") {
        answer(checker, .failure(reason: reason))
    }

    /// Membership actions (what would be programmed) recorded since `index`.
    func membership(since index: Int = 0) -> [HealthAction] {
        log[index...].map(\.action).filter { $0.adminCommand != nil }
    }

    /// Log transitions recorded since `index`.
    func transitions(since index: Int = 0) -> [HealthTransition] {
        log[index...].compactMap {
            if case .log(let transition) = $0.action { return transition }
            return nil
        }
    }

    func notifications(since index: Int = 0) -> [HealthAction] {
        log[index...].map(\.action).filter {
            if case .runNotify = $0 { return true }
            return false
        }
    }
}

// MARK: Fixtures

enum Fixture {
    static let service = VirtualServiceID(protocol: .tcp, address: IPAddress(ipv4: 0x0A00_0001), port: 80)
    static let vs = HealthVirtualServerID("10.0.0.1 80")

    static func real(_ last: UInt8, weight: Int32 = 1) -> RealServerConfig {
        RealServerConfig(
            address: IPAddress(ipv4: 0xC0A8_0100 | UInt32(last)), port: 80, forwarding: .masquerading, weight: weight)
    }

    static func realID(_ last: UInt8) -> HealthRealServerID {
        HealthRealServerID(virtualServer: vs, realServer: real(last).key)
    }

    static func checker(_ last: UInt8, _ index: Int = 0) -> HealthCheckerID {
        HealthCheckerID(realServer: realID(last), index: index)
    }

    /// delay_loop 10 s, connect_timeout 3 s, retry 2, delay_before_retry 1 s, warmup 0.
    static let schedule = CheckerSchedule(
        delayLoop: .seconds(10), connectTimeout: .seconds(3), retry: 2, delayBeforeRetry: .seconds(1),
        warmup: .zero)

    static func tcp(_ schedule: CheckerSchedule = Fixture.schedule) -> CheckerSpecification {
        CheckerSpecification(name: "TCP_CHECK", schedule: schedule)
    }

    static func configuration(
        servers: [HealthRealServerSpecification], quorum: UInt32 = 1, hysteresis: UInt32 = 0,
        sorry: RealServerConfig? = nil, sorryInhibit: Bool = false, omega: Bool = false,
        services: [VirtualServiceID] = [service]
    ) -> HealthConfiguration {
        HealthConfiguration(virtualServers: [
            HealthVirtualServerSpecification(
                id: vs, services: services, quorum: quorum, hysteresis: hysteresis,
                quorumUp: NotifyScript(command: "/bin/quorum-up"), quorumDown: NotifyScript(command: "/bin/quorum-down"),
                sorryServer: sorry, sorryServerInhibit: sorryInhibit, omega: omega, realServers: servers)
        ])
    }

    static func server(
        _ last: UInt8, weight: Int32 = 1, inhibit: Bool = false, checkers: [CheckerSpecification] = [tcp()]
    ) -> HealthRealServerSpecification {
        HealthRealServerSpecification(
            config: real(last, weight: weight), inhibitOnFailure: inhibit,
            notifyUp: NotifyScript(command: "/bin/up \(last)"), notifyDown: NotifyScript(command: "/bin/down \(last)"),
            checkers: checkers)
    }
}

extension MonotonicInstant {
    static func at(_ seconds: UInt64) -> MonotonicInstant { .seconds(seconds) }
}
