import LVSCore
import LVSHealth
import NIOCore
import NIOPosix
import Testing

@testable import LVSHealthChecks

/// UDP_CHECK without `require_reply` through the runner and its checker state machine, on real
/// sockets: found by bench/soak.sh, where every such check failed with "timeout after 1 s". The
/// state machine gives a probe up at exactly its timeout with a timer armed before the probe's
/// own, so the probe's success on silence never arrived in time.
@Suite struct SilentUDPCheckRunnerTests {
    @Test("a silent UDP real server is up; one whose port is closed is down (the positive control)")
    func silentServerIsUpThroughTheRunner() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let silent = try await TestServers.udp(group: group) { _ in nil }
        let closing = try await TestServers.udp(group: group) { _ in nil }
        let closed = TestServers.endpoint(closing)
        try await closing.close()
        let sink = RecordingSink()
        let runner = HealthCheckRunner(eventLoop: group.next(), probeGroup: group, sink: sink, seed: 1)
        let service = VirtualServiceID(protocol: .udp, address: IPAddress(ipv4: 0x0A00_0001), port: 53)
        let vs = HealthVirtualServerID("10.0.0.1 53")
        let schedule = CheckerSchedule(
            delayLoop: .seconds(1), connectTimeout: .milliseconds(400), retry: 0, warmup: .zero)
        var servers: [HealthRealServerSpecification] = []
        var probes: [HealthCheckerID: any HealthProbe] = [:]
        var ids: [HealthRealServerID] = []
        for endpoint in [TestServers.endpoint(silent), closed] {
            let real = RealServerConfig(address: endpoint.address, port: endpoint.port, forwarding: .masquerading)
            let id = HealthRealServerID(virtualServer: vs, realServer: real.key)
            ids.append(id)
            servers.append(
                HealthRealServerSpecification(
                    config: real, checkers: [CheckerSpecification(name: "UDP_CHECK", schedule: schedule)]))
            probes[HealthCheckerID(realServer: id, index: 0)] = UDPProbe(endpoint: endpoint, payload: [1])
        }
        let configuration = HealthConfiguration(virtualServers: [
            HealthVirtualServerSpecification(id: vs, services: [service], realServers: servers)
        ])
        _ = try await runner.configurationChanged(HealthCheckPlan(configuration: configuration, probes: probes)).get()
        // The first attempt runs within delay_loop (1 s) and reports within 0.4 s; poll up to 10 s.
        var states: [HealthState?] = [nil, nil]
        for _ in 0..<100 {
            let status = try await runner.status().get()
            states = ids.map { id in status.first { $0.id == id }?.state }
            if !states.contains(.unknown) && !states.contains(nil) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(states == [.up, .down])
        _ = try await runner.shutdown().get()
        try await silent.close()
        try await group.shutdownGracefully()
    }
}
