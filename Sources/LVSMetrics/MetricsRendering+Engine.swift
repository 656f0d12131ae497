import LVSControl

// The forwarding engines' counters (`getEngineStats`, what `lvsadm --engine-stats` prints). The
// reply is one flat set of names: the proxy engine's as they are, the packet engine's prefixed
// `packet_`. Drops become one family with a `reason` label so that their sum is every drop; the
// other counters keep their names in an `event` label (docs/metrics.md).
extension MetricsRendering {
    mutating func addEngine(_ statistics: EngineStatistics) {
        gauge("lvsd_engine_info", "Always 1; the engine label names the running engines (none in a dry run).")
        add("lvsd_engine_info", [("engine", statistics.engine)], .unsigned(1))
        gauge("lvsd_engine_live_connections", "Connections the proxy engine holds open now.")
        gauge("lvsd_engine_reactors", "The proxy engine's reactor threads.")
        counter(
            "lvsd_engine_drops_total", "Connections, datagrams or packets the engine dropped, by engine and reason.")
        counter(
            "lvsd_engine_events_total",
            "The engine's other counters (lvsadm --engine-stats names in the event label), by engine.")
        for (name, value) in statistics.counters.sorted(by: { $0.key < $1.key }) {
            let engine = name.hasPrefix("packet_") ? "packet" : "proxy"
            let bare = engine == "packet" ? String(name.dropFirst("packet_".count)) : name
            switch (engine, bare) {
            case ("proxy", "live_connections"):
                add("lvsd_engine_live_connections", [], .unsigned(value))
            case ("proxy", "reactors"):
                add("lvsd_engine_reactors", [], .unsigned(value))
            case (_, let counter) where counter.hasPrefix("dropped_") && counter != "dropped_":
                add(
                    "lvsd_engine_drops_total", [("engine", engine), ("reason", String(counter.dropFirst(8)))],
                    .unsigned(value))
            case ("packet", let counter) where counter.hasPrefix("drop_") && counter != "drop_":
                add(
                    "lvsd_engine_drops_total", [("engine", engine), ("reason", String(counter.dropFirst(5)))],
                    .unsigned(value))
            default:
                add("lvsd_engine_events_total", [("engine", engine), ("event", bare)], .unsigned(value))
            }
        }
    }
}
