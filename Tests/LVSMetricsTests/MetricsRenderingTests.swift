import LVSControl
import LVSCore
import Testing

@testable import LVSMetrics

/// Rendering of the replies the exporter gathers, fed directly: health, engine, VRRP and sync.
@Suite("Metrics rendering")
struct MetricsRenderingTests {
    static let now = 1_765_000_000.0

    static var snapshot: MetricsSnapshot {
        var snapshot = MetricsSnapshot()
        snapshot.server = ControlServerInfo(
            daemonVersion: "1.2.3", dryRun: false,
            reloads: ReloadStatistics(succeeded: 4, failed: 1, lastSucceeded: true, secondsSinceLast: 10.5))
        let server = RealServerKey(address: IPAddress("192.168.1.10")!, port: 80)
        snapshot.health = HealthReport(
            checking: true,
            virtualServers: [
                VirtualServerHealthReport(
                    name: "10.0.0.1 80", services: [], quorumState: .up, aliveWeight: 3, quorum: 1, sorryServer: nil,
                    sorryServerActive: false,
                    realServers: [
                        RealServerHealthReport(
                            server: server, state: .down, weight: 3, programmedWeight: nil,
                            checkers: [
                                CheckerHealthReport(
                                    name: "TCP_CHECK", state: .down, lastResult: "connection \"refused\"",
                                    lastCheckAgeMilliseconds: 1500, consecutiveFailures: 3),
                                CheckerHealthReport(
                                    name: "TCP_CHECK", state: .unknown, lastResult: nil, lastCheckAgeMilliseconds: nil,
                                    consecutiveFailures: 0),
                            ])
                    ])
            ])
        snapshot.engine = EngineStatistics(
            engine: "proxy+packet",
            counters: [
                "accepted_connections": 12, "dropped_no_destination": 2, "live_connections": 5, "reactors": 2,
                "packet_drop_malformed": 7, "packet_forwarded_inbound": 40, "udp_dropped_datagrams": 1,
            ])
        snapshot.vrrp = VRRPReport(
            running: true,
            instances: [
                VRRPInstanceReport(
                    name: "VI_1", interface: "eth0", virtualRouterID: 51, version: 3, state: "MASTER", priority: 100,
                    effectivePriority: 90, advertisementInterval: 1, masterAdvertisementInterval: 1,
                    masterAddress: nil, sourceAddress: "10.0.0.2", virtualAddresses: [], syncGroup: "G",
                    lastTransition: VRRPTransitionReport(from: "BACKUP", to: "MASTER", reason: "timer", secondsAgo: 20),
                    counters: ["become_master": 1, "advert_sent": 30], drops: ["bad_ttl": 2])
            ],
            syncGroups: [VRRPSyncGroupReport(name: "G", state: "MASTER", members: ["VI_1"], lastTransition: nil)])
        snapshot.sync = SyncReport(
            daemons: [
                SyncDaemonReport(
                    config: SyncDaemonConfig(role: .backup), maxLength: 1472, ports: [8848], runningFor: 100,
                    counters: ["messages_received": 9], drops: ["size_mismatch": 1],
                    peers: [SyncPeerReport(address: "10.0.0.3", messages: 9, entries: 30, lastMessageAgo: 0.5)])
            ], authenticated: true, version: 1, entries: ["created": 30])
        snapshot.requestSucceeded = [("ping", true), ("getHealth", true)]
        return snapshot
    }

    @Test("health: up gauges, a state set, the last check's time and result per checker")
    func health() throws {
        let text = MetricsRendering.render(Self.snapshot, now: Self.now)
        let metrics = RenderedMetrics(text)
        let real = #"virtual_server="10.0.0.1 80",remote_address="192.168.1.10",remote_port="80""#
        #expect(metrics["lvsd_health_checking"] == "1")
        #expect(metrics[#"lvsd_health_quorum_up{virtual_server="10.0.0.1 80"}"#] == "1")
        #expect(metrics[#"lvsd_health_alive_weight{virtual_server="10.0.0.1 80"}"#] == "3")
        #expect(metrics["lvsd_health_real_server_up{\(real)}"] == "0")
        #expect(metrics[#"lvsd_health_real_server_state{\#(real),state="down"}"#] == "1")
        #expect(metrics[#"lvsd_health_real_server_state{\#(real),state="up"}"#] == "0")
        #expect(metrics[#"lvsd_health_checker_up{\#(real),checker="TCP_CHECK"}"#] == "0")
        #expect(metrics[#"lvsd_health_checker_up{\#(real),checker="TCP_CHECK#2"}"#] == nil)
        #expect(metrics[#"lvsd_health_checker_consecutive_failures{\#(real),checker="TCP_CHECK"}"#] == "3")
        #expect(metrics[#"lvsd_health_checker_consecutive_failures{\#(real),checker="TCP_CHECK#2"}"#] == "0")
        #expect(
            metrics[#"lvsd_health_checker_last_check_timestamp_seconds{\#(real),checker="TCP_CHECK"}"#]
                == "1764999998.5")
        #expect(
            metrics[#"lvsd_health_checker_last_result{\#(real),checker="TCP_CHECK",result="connection \"refused\""}"#]
                == "1")
        try PromtoolCheck.check(text)
    }

    @Test("engine: drops by engine and reason, other counters as events, gauges for live connections")
    func engine() {
        let metrics = RenderedMetrics(MetricsRendering.render(Self.snapshot, now: Self.now))
        #expect(metrics[#"lvsd_engine_info{engine="proxy+packet"}"#] == "1")
        #expect(metrics[#"lvsd_engine_drops_total{engine="proxy",reason="no_destination"}"#] == "2")
        #expect(metrics[#"lvsd_engine_drops_total{engine="packet",reason="malformed"}"#] == "7")
        #expect(metrics[#"lvsd_engine_events_total{engine="proxy",event="accepted_connections"}"#] == "12")
        #expect(metrics[#"lvsd_engine_events_total{engine="proxy",event="udp_dropped_datagrams"}"#] == "1")
        #expect(metrics[#"lvsd_engine_events_total{engine="packet",event="forwarded_inbound"}"#] == "40")
        #expect(metrics["lvsd_engine_live_connections"] == "5")
        #expect(metrics["lvsd_engine_reactors"] == "2")
        #expect(metrics.series(of: "lvsd_engine_drops_total").count == 2)
    }

    @Test("VRRP and sync: state sets, counters with every keepalived name, drops, peers, reloads")
    func vrrpAndSync() {
        let metrics = RenderedMetrics(MetricsRendering.render(Self.snapshot, now: Self.now))
        let instance = #"instance="VI_1",interface="eth0""#
        #expect(metrics[#"lvsd_vrrp_instance_state{\#(instance),state="MASTER"}"#] == "1")
        #expect(metrics[#"lvsd_vrrp_instance_state{\#(instance),state="BACKUP"}"#] == "0")
        #expect(metrics.series(of: "lvsd_vrrp_instance_state").count == 5)
        #expect(metrics["lvsd_vrrp_instance_effective_priority{\(instance)}"] == "90")
        #expect(metrics[#"lvsd_vrrp_instance_events_total{\#(instance),event="advert_sent"}"#] == "30")
        #expect(metrics[#"lvsd_vrrp_instance_events_total{\#(instance),event="auth_failure"}"#] == "0")
        #expect(metrics.series(of: "lvsd_vrrp_instance_events_total").count == VRRPCounter.allCases.count)
        #expect(metrics[#"lvsd_vrrp_instance_drops_total{\#(instance),reason="bad_ttl"}"#] == "2")
        #expect(metrics["lvsd_vrrp_instance_last_transition_timestamp_seconds{\(instance)}"] == "1764999980")
        #expect(metrics[#"lvsd_vrrp_sync_group_state{group="G",state="MASTER"}"#] == "1")
        #expect(metrics[#"lvsd_sync_daemon_running{role="backup"}"#] == "1")
        #expect(metrics[#"lvsd_sync_daemon_running{role="master"}"#] == "0")
        #expect(metrics[#"lvsd_sync_daemon_events_total{role="backup",event="messages_received"}"#] == "9")
        #expect(metrics[#"lvsd_sync_daemon_drops_total{role="backup",reason="size_mismatch"}"#] == "1")
        #expect(metrics[#"lvsd_sync_peer_entries_total{peer="10.0.0.3"}"#] == "30")
        #expect(metrics[#"lvsd_sync_entries_total{outcome="created"}"#] == "30")
        #expect(metrics["lvsd_sync_authenticated"] == "1")
        #expect(metrics[#"lvsd_config_reloads_total{result="success"}"#] == "4")
        #expect(metrics[#"lvsd_config_reloads_total{result="failure"}"#] == "1")
        #expect(metrics["lvsd_config_last_reload_successful"] == "1")
        #expect(metrics["lvsd_config_last_reload_timestamp_seconds"] == "1764999989.5")
        #expect(metrics.type(of: "lvsd_config_reloads_total") == "counter")
    }
}
