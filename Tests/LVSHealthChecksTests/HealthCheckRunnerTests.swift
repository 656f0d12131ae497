import LVSCore
import LVSHealth
import NIOCore
import NIOEmbedded
import NIOPosix
import Testing

@testable import LVSHealthChecks

/// Records what the runner hands the daemon.
final class RecordingSink: HealthActionSink, @unchecked Sendable {
    // Invariant: touched only on the embedded loop's thread (the test's).
    var commands: [[AdminCommand]] = []
    var scripts: [String] = []
    var transitions: [HealthTransition] = []

    func apply(_ commands: [AdminCommand], transitions: [HealthTransition]) { self.commands.append(commands) }
    func runNotify(_ script: NotifyScript, subject: HealthSubject, state: HealthState) {
        scripts.append(script.command)
    }
    func log(_ transition: HealthTransition) { transitions.append(transition) }
}

/// A probe answering from a fixed result, immediately, on the loop it is given.
struct FixedProbe: HealthProbe {
    let name = "TCP_CHECK"
    let result: ProbeResult
    func run(on eventLoop: any EventLoop, timeout: TimeAmount) -> EventLoopFuture<ProbeResult> {
        eventLoop.makeSucceededFuture(result)
    }
}

@Suite struct HealthCheckRunnerTests {
    @Test func runnerDrivesProbesOnTheLoopClockAndReportsToTheSink() throws {
        let loop = EmbeddedEventLoop()
        let sink = RecordingSink()
        let runner = HealthCheckRunner(eventLoop: loop, probeGroup: loop, sink: sink, seed: 1)
        let service = VirtualServiceID(protocol: .tcp, address: IPAddress(ipv4: 0x0A00_0001), port: 80)
        let real = RealServerConfig(address: IPAddress(ipv4: 0x7F00_0001), port: 8080, forwarding: .masquerading)
        let vs = HealthVirtualServerID("10.0.0.1 80")
        let checker = HealthCheckerID(realServer: HealthRealServerID(virtualServer: vs, realServer: real.key), index: 0)
        let schedule = CheckerSchedule(delayLoop: .seconds(10), connectTimeout: .seconds(3), retry: 0, warmup: .zero)
        let configuration = HealthConfiguration(virtualServers: [
            HealthVirtualServerSpecification(
                id: vs, services: [service],
                realServers: [
                    HealthRealServerSpecification(
                        config: real, notifyDown: NotifyScript(command: "/bin/down"),
                        checkers: [CheckerSpecification(name: "TCP_CHECK", schedule: schedule)])
                ])
        ])
        let plan = HealthCheckPlan(
            configuration: configuration,
            probes: [checker: FixedProbe(result: .failure(reason: "TCP_CHECK: connection refused"))])
        let started = runner.configurationChanged(plan)
        loop.run()
        let initial = try started.wait()
        #expect(initial.isEmpty)
        loop.advanceTime(by: .milliseconds(999))
        #expect(sink.commands.isEmpty)
        loop.advanceTime(by: .milliseconds(1))
        #expect(sink.commands == [[.deleteRealServer(service, real.key)]])
        #expect(sink.scripts == ["/bin/down"])
        #expect(
            sink.transitions.first { $0.subject == .realServer(checker.realServer) }?.reason
                == "TCP_CHECK: connection refused")
        let pendingStatus = runner.status()
        loop.run()
        let status = try pendingStatus.wait()
        #expect(status.first?.state == .down)
        let stopping = runner.shutdown()
        loop.run()
        #expect(try stopping.wait().isEmpty)
        try loop.syncShutdownGracefully()
    }
}
