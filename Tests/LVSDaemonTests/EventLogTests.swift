import Foundation
import LVSControl
import LVSCore
import LVSHealth
import LVSProxy
import Logging
import NIOPosix
import Testing

@testable import LVSDaemon

@Suite("Event log")
struct EventLogTests {
    static let vip = VirtualServiceID(protocol: .tcp, address: IPAddress(ipv4: 0xCFAF_2C6E), port: 80)
    static func realServer(_ last: UInt32, weight: Int32 = 1) -> RealServerConfig {
        var config = RealServerConfig(address: IPAddress(ipv4: 0xC0A8_0A00 | last), port: 80, forwarding: .masquerading)
        config.weight = weight
        return config
    }

    @Test("the ring keeps the newest events; since pages after a seq; limit caps")
    func ringAndPaging() {
        let log = EventLog(capacity: 3, logger: Logger(label: "test"))
        for n in 1...5 { log.record(.transaction, "event \(n)") }
        #expect(log.events().map(\.seq) == [3, 4, 5])
        #expect(log.events(since: 3).map(\.seq) == [4, 5])
        #expect(log.events(since: 0, limit: 1).map(\.reason) == ["event 3"])
        #expect(log.events(since: 5).isEmpty)
        #expect(log.events().first?.time.hasSuffix("Z") == true)
    }

    @Test("apply, batch, weight edit and a drain becoming idle are events")
    func hostEvents() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let host = DirectorHost(
            director: Director(seed: 1), eventLoop: group.next(),
            serverInfo: ControlServerInfo(daemonVersion: "t", dryRun: true), clock: { .seconds(5) },
            logger: Logger(label: "test"))
        _ = try await host.handle(.apply(.addService(VirtualServiceConfig(id: Self.vip)))).get()
        _ = try await host.handle(.applyBatch([.addRealServer(Self.vip, Self.realServer(1, weight: 5))])).get()
        _ = try await host.handle(.apply(.addService(VirtualServiceConfig(id: Self.vip)))).get()
        _ = try await host.handle(.apply(.editRealServer(Self.vip, Self.realServer(1, weight: 0)))).get()
        try await host.tick().get()
        guard case .events(let events) = try await host.handle(.getEvents(since: nil, limit: nil)).get() else {
            Issue.record("expected events")
            try await group.shutdownGracefully()
            return
        }
        #expect(
            events.map(\.kind) == [.transaction, .transaction, .transaction, .weight, .transaction, .drainFinished])
        #expect(events.map(\.seq) == [1, 2, 3, 4, 5, 6])
        #expect(events[0].reason == "applied add service TCP 207.175.44.110:80")
        #expect(events[1].fields["commands"] == "add real server 192.168.10.1:80 to TCP 207.175.44.110:80")
        #expect(events[2].fields["result"] == "refused")
        #expect(events[3].fields["old_weight"] == "5")
        #expect(events[3].fields["new_weight"] == "0")
        #expect(events[5].fields["real_server"] == "192.168.10.1:80")
        guard case .events(let later) = try await host.handle(.getEvents(since: 4, limit: 1)).get() else {
            Issue.record("expected events")
            try await group.shutdownGracefully()
            return
        }
        #expect(later.map(\.seq) == [5])
        try await group.shutdownGracefully()
    }

    @Test("a reload with a config file, applied and refused, and a health transition are events")
    func reloadAndHealthEvents() async throws {
        let directory = try TemporaryDirectory()
        let file = directory.file("keepalived.conf")
        let text = """
            virtual_server 10.0.0.1 80 {
                lb_algo rr
                lb_kind NAT
                protocol TCP
                real_server 192.168.1.1 80 {
                    weight 2
                }
            }

            """
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        var logger = Logger(label: "events-test")
        logger.logLevel = .critical
        let daemon = try await DirectorDaemon.start(
            DaemonConfiguration(
                controlSocketPath: directory.file("lvsd.sock"), configFile: file, dryRun: true, seed: 1,
                proxy: ProxyEngineConfiguration(reactorCount: 1)),
            clock: { MonotonicInstant.seconds(100) }, logger: logger)
        try text.replacingOccurrences(of: "weight 2", with: "weight 4").write(
            toFile: file, atomically: true, encoding: .utf8)
        _ = await daemon.reload()
        try "virtual_server 10.0.0.1 80 {\n    lb_kind NATT\n".write(toFile: file, atomically: true, encoding: .utf8)
        _ = await daemon.reload()
        let subject = HealthSubject.realServer(
            HealthRealServerID(
                virtualServer: HealthVirtualServerID("10.0.0.1 80"),
                realServer: RealServerKey(address: IPAddress(ipv4: 0xC0A8_0101), port: 80)))
        DirectorHealthSink(host: daemon.host, logger: logger).log(
            HealthTransition(subject: subject, from: .up, to: .down, reason: "connection refused", at: .seconds(100)))
        let events = daemon.host.events.events()
        #expect(events.map(\.kind) == [.weight, .reload, .reload, .health])
        #expect(events[0].fields["new_weight"] == "4")
        #expect(events[1].fields["result"] == "ok")
        #expect(events[1].fields["changes"] == "1")
        #expect(events[2].fields["result"] == "refused")
        #expect(events[3].fields["old_state"] == "up")
        #expect(events[3].fields["new_state"] == "down")
        #expect(events[3].fields["reason"] == "connection refused")
        await daemon.stop()
        directory.remove()
    }
}
