import LVSControl
import LVSCore
import Logging
import NIOPosix
import Testing

@testable import LVSDaemon
@testable import LVSMetrics

/// The exporter against a real `DirectorHost` (a dry run: commands applied, nothing forwarded).
@Suite("Metrics exporter")
struct MetricsExporterTests {
    static let vip = VirtualServiceID(protocol: .tcp, address: IPAddress("10.0.0.1")!, port: 80)
    static let fwmark = VirtualServiceID(firewallMark: 100, family: .inet)
    static let vip6 = VirtualServiceID(protocol: .udp, address: IPAddress("2001:db8::1")!, port: 53)

    static func real(_ text: String, _ port: UInt16, weight: Int32) -> RealServerConfig {
        RealServerConfig(address: IPAddress(text)!, port: port, forwarding: .directRouting, weight: weight)
    }

    func withHost(_ body: (DirectorHost) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let host = DirectorHost(
            director: Director(seed: 1), eventLoop: group.next(),
            serverInfo: ControlServerInfo(daemonVersion: "9.8.7", dryRun: true), clock: { .seconds(5) },
            logger: Logger(label: "test"))
        try await body(host)
        try await group.shutdownGracefully()
    }

    @Test("weights 3 and 1 give node_ipvs_backend_weight 3 and 1 with node_exporter's labels; fwmark and IPv6 too")
    func backendSeries() async throws {
        try await withHost { host in
            let commands: [AdminCommand] = [
                .addService(VirtualServiceConfig(id: Self.vip, scheduler: "wrr")),
                .addRealServer(Self.vip, Self.real("192.168.1.10", 8080, weight: 3)),
                .addRealServer(Self.vip, Self.real("192.168.1.11", 8080, weight: 1)),
                .addService(VirtualServiceConfig(id: Self.fwmark, scheduler: "rr", persistenceTimeout: 300)),
                .addRealServer(Self.fwmark, Self.real("192.168.1.12", 0, weight: 5)),
                .addService(VirtualServiceConfig(id: Self.vip6)),
                .addRealServer(Self.vip6, Self.real("2001:db8::10", 53, weight: 0)),
            ]
            #expect(try await host.handle(.applyBatch(commands)).get() == .ok)
            let text = await MetricsExporter(handler: host, wallClock: { 1_000_000 }).render()
            let metrics = RenderedMetrics(text)
            let tcp = #"local_address="10.0.0.1",local_mark="",local_port="80",proto="TCP""#
            #expect(
                metrics[#"node_ipvs_backend_weight{\#(tcp),remote_address="192.168.1.10",remote_port="8080"}"#] == "3")
            #expect(
                metrics[#"node_ipvs_backend_weight{\#(tcp),remote_address="192.168.1.11",remote_port="8080"}"#] == "1")
            let fwm = #"local_address="",local_mark="00000064",local_port="0",proto="FWM""#
            #expect(metrics[#"node_ipvs_backend_weight{\#(fwm),remote_address="192.168.1.12",remote_port="0"}"#] == "5")
            let udp6 = #"local_address="2001:db8::1",local_mark="",local_port="53",proto="UDP""#
            #expect(
                metrics[#"node_ipvs_backend_weight{\#(udp6),remote_address="2001:db8::10",remote_port="53"}"#] == "0")
            #expect(
                metrics[
                    #"node_ipvs_backend_connections_active{\#(tcp),remote_address="192.168.1.10",remote_port="8080"}"#]
                    == "0")
            #expect(metrics.series(of: "node_ipvs_backend_weight").count == 4)
            #expect(metrics.series(of: "node_ipvs_backend_connections_inactive").count == 4)
            #expect(metrics["node_ipvs_connections_total"] == "0")
            #expect(metrics.type(of: "node_ipvs_connections_total") == "counter")
            #expect(metrics.type(of: "node_ipvs_backend_weight") == "gauge")
            #expect(metrics["lvsd_services"] == "3")
            #expect(metrics[#"lvsd_service_real_servers{\#(tcp)}"#] == "2")
            #expect(metrics[#"lvsd_service_info{\#(fwm),persistence_timeout="300",scheduler="rr"}"#] == "1")
            #expect(
                metrics[
                    #"lvsd_real_server_info{\#(tcp),remote_address="192.168.1.10",remote_port="8080",forward="Route"}"#]
                    == "1")
            #expect(metrics[#"lvsd_build_info{version="9.8.7"}"#] == "1")
            #expect(metrics["lvsd_dry_run"] == "1")
            #expect(metrics[#"lvsd_engine_info{engine="none"}"#] == "1")
            #expect(metrics["lvsd_health_checking"] == "0")
            #expect(metrics["lvsd_vrrp_running"] == "0")
            #expect(metrics[#"lvsd_sync_daemon_running{role="master"}"#] == "0")
            #expect(metrics[#"lvsd_config_reloads_total{result="failure"}"#] == "0")
            #expect(metrics[#"lvsd_exporter_request_success{request="getTable"}"#] == "1")
            #expect(metrics["lvsd_exporter_rejected_samples"] == "0")
            try PromtoolCheck.check(text)
        }
    }

    @Test("a reload without --config counts as a failed reload, with its time")
    func reloadCounted() async throws {
        try await withHost { host in
            _ = try await host.handle(.reload).get()
            _ = try await host.handle(.reload).get()
            let metrics = RenderedMetrics(await MetricsExporter(handler: host, wallClock: { 2_000 }).render())
            #expect(metrics[#"lvsd_config_reloads_total{result="failure"}"#] == "2")
            #expect(metrics[#"lvsd_config_reloads_total{result="success"}"#] == "0")
            #expect(metrics["lvsd_config_last_reload_successful"] == "0")
            // The host's clock stands still, so the last reload ended 0 s before the scrape.
            #expect(metrics["lvsd_config_last_reload_timestamp_seconds"] == "2000")
        }
    }

    @Test("a handler that fails a request leaves its families out and says so")
    func failingRequest() async throws {
        let text = await MetricsExporter(handler: FailingHandler(), wallClock: { 0 }).render()
        let metrics = RenderedMetrics(text)
        #expect(metrics[#"lvsd_exporter_request_success{request="getTable"}"#] == "0")
        #expect(metrics[#"lvsd_exporter_request_success{request="ping"}"#] == "1")
        #expect(metrics.series(of: "node_ipvs_connections_total").isEmpty)
        #expect(metrics[#"lvsd_build_info{version="x"}"#] == "1")
        try PromtoolCheck.check(text)
    }
}
