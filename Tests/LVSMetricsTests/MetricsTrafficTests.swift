import Foundation
import Glibc
import LVSControl
import LVSCore
import LVSDaemon
import LVSMetrics
import LVSProxy
import LVSReactor
import Logging
import Testing

/// The exporter against a running daemon whose proxy engine forwards on loopback.
@Suite("Metrics after traffic", .serialized)
struct MetricsTrafficTests {
    static func freePort() -> UInt16 {
        let fd =
            (try? Socket.makeTCPListener(TCPListenerOptions(address: .loopbackIPv4(port: 0), reusePort: false))) ?? -1
        defer { close(fd) }
        return (try? Socket.localAddress(fd))?.port ?? 0
    }

    @Test("4 proxied connections over weights 3 and 1 (wrr): connections_total 4, 3 and 1 per real server")
    func proxiedConnections() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lvs-metrics-traffic-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: directory) }
        var logger = Logger(label: "lvsd-metrics-test")
        logger.logLevel = .warning
        let daemon = try await DirectorDaemon.start(
            DaemonConfiguration(
                controlSocketPath: directory.appendingPathComponent("lvsd.sock").path, dryRun: false, seed: 1,
                proxy: ProxyEngineConfiguration(reactorCount: 2)),
            logger: logger)
        // Two real servers: listeners whose backlog completes the proxy's connects.
        let listeners = try (0..<2).map { _ in
            try Socket.makeTCPListener(TCPListenerOptions(address: .loopbackIPv4(port: 0), reusePort: false))
        }
        defer { for fd in listeners { close(fd) } }
        let realPorts = try listeners.map { try Socket.localAddress($0).port }
        let vipPort = Self.freePort()
        let vip = VirtualServiceID(protocol: .tcp, address: IPAddress("127.0.0.1")!, port: vipPort)
        let commands: [AdminCommand] = [
            .addService(VirtualServiceConfig(id: vip, scheduler: "wrr")),
            .addRealServer(
                vip,
                RealServerConfig(address: IPAddress("127.0.0.1")!, port: realPorts[0], forwarding: .proxy, weight: 3)),
            .addRealServer(
                vip,
                RealServerConfig(address: IPAddress("127.0.0.1")!, port: realPorts[1], forwarding: .proxy, weight: 1)),
        ]
        #expect(try await daemon.host.handle(.applyBatch(commands)).get() == .ok)

        var clients: [Int32] = []
        defer { for fd in clients { close(fd) } }
        for _ in 0..<4 {
            let client = try Socket.connect(to: SocketAddress(IPAddress("127.0.0.1")!, port: vipPort))
            clients.append(client.fd)
        }
        let exporter = MetricsExporter(handler: daemon.host)
        var metrics = RenderedMetrics("")
        var text = ""
        // Bounded wait for the reactors to accept and schedule all four (generous under load).
        for _ in 0..<500 {
            text = await exporter.render()
            metrics = RenderedMetrics(text)
            if metrics["node_ipvs_connections_total"] == "4" { break }
            usleep(20_000)
        }
        #expect(metrics["node_ipvs_connections_total"] == "4")
        let service = #"local_address="127.0.0.1",local_mark="",local_port="\#(vipPort)",proto="TCP""#
        let first = #"\#(service),remote_address="127.0.0.1",remote_port="\#(realPorts[0])""#
        let second = #"\#(service),remote_address="127.0.0.1",remote_port="\#(realPorts[1])""#
        #expect(metrics["node_ipvs_backend_weight{\(first)}"] == "3")
        #expect(metrics["node_ipvs_backend_weight{\(second)}"] == "1")
        #expect(metrics["lvsd_service_connections_total{\(service)}"] == "4")
        #expect(metrics["lvsd_real_server_connections_total{\(first)}"] == "3")
        #expect(metrics["lvsd_real_server_connections_total{\(second)}"] == "1")
        #expect(metrics[#"lvsd_engine_info{engine="proxy"}"#] == "1")
        #expect(metrics[#"lvsd_engine_events_total{engine="proxy",event="accepted_connections"}"#] == "4")
        #expect(metrics["lvsd_dry_run"] == "0")
        try PromtoolCheck.check(text)
        await daemon.stop()
    }
}
