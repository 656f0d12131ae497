import LVSControl
import Testing

@testable import LVSMetrics

/// The director's defences (`director_*` in getEngineStats) as metrics.
@Suite("Metrics of the defences")
struct MetricsDefenceTests {
    @Test("modes, rate and memory as gauges; drops by reason; none among the engine's")
    func defences() {
        var snapshot = MetricsSnapshot()
        snapshot.engine = EngineStatistics(
            engine: "proxy",
            counters: [
                "director_drop_entry_mode": 2, "director_drop_packet_mode": 3, "director_secure_tcp_mode": 0,
                "director_drop_rate": 10, "director_available_memory_pages": 900, "director_connection_entries": 7,
                "director_dropped_drop_packet": 4, "director_evicted_entry_limit": 2,
                "director_refused_entry_limit": 1, "accepted_connections": 3,
            ])
        let metrics = RenderedMetrics(MetricsRendering.render(snapshot, now: 0))
        #expect(metrics[#"lvsd_director_defence_mode{strategy="drop_entry"}"#] == "2")
        #expect(metrics[#"lvsd_director_defence_mode{strategy="drop_packet"}"#] == "3")
        #expect(metrics[#"lvsd_director_defence_mode{strategy="secure_tcp"}"#] == "0")
        #expect(metrics["lvsd_director_drop_rate"] == "10")
        #expect(metrics["lvsd_director_available_memory_pages"] == "900")
        #expect(metrics["lvsd_director_connection_entries"] == "7")
        #expect(metrics[#"lvsd_director_defence_drops_total{reason="dropped_drop_packet"}"#] == "4")
        #expect(metrics[#"lvsd_director_defence_drops_total{reason="evicted_entry_limit"}"#] == "2")
        #expect(metrics[#"lvsd_director_defence_drops_total{reason="refused_entry_limit"}"#] == "1")
        #expect(metrics.type(of: "lvsd_director_defence_drops_total") == "counter")
        #expect(metrics[#"lvsd_engine_events_total{engine="proxy",event="accepted_connections"}"#] == "3")
        #expect(metrics.series(of: "lvsd_engine_events_total").allSatisfy { !$0.contains("director") })
    }
}
