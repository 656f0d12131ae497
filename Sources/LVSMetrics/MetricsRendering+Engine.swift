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
        addDefences(statistics.counters)
        for (name, value) in statistics.counters.sorted(by: { $0.key < $1.key }) {
            if name.hasPrefix(Self.directorPrefix) { continue }
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

    static let directorPrefix = "director_"

    /// The director's defences (`director_*`, docs/design/0030-ipvs-defences.md): the mode of each
    /// strategy, drop_packet's rate, the memory reading and the connection entries as gauges; what
    /// they dropped as one family with a `reason` label.
    mutating func addDefences(_ counters: [String: UInt64]) {
        gauge(
            "lvsd_director_defence_mode",
            "Mode of each IPVS defence strategy now (0 off, 1/2 automatic off/on, 3 always).")
        for strategy in ["drop_entry", "drop_packet", "secure_tcp"] {
            if let mode = counters["director_\(strategy)_mode"] {
                add("lvsd_director_defence_mode", [("strategy", strategy)], .unsigned(mode))
            }
        }
        let gauges: [(String, String, String)] = [
            (
                "drop_rate", "lvsd_director_drop_rate",
                "drop_packet drops one of this many new connections now (0: none)."
            ),
            (
                "available_memory_pages", "lvsd_director_available_memory_pages",
                "Free plus buffer memory, pages, as the automatic defence modes last read it."
            ),
            ("connection_entries", "lvsd_director_connection_entries", "Connection entries and templates now."),
        ]
        for (key, metric, help) in gauges {
            guard let value = counters[Self.directorPrefix + key] else { continue }
            gauge(metric, help)
            add(metric, [], .unsigned(value))
        }
        counter(
            "lvsd_director_defence_drops_total",
            "New connections and entries the defences dropped, evicted or refused, by reason.")
        for (name, value) in counters.sorted(by: { $0.key < $1.key }) where name.hasPrefix(Self.directorPrefix) {
            let bare = name.dropFirst(Self.directorPrefix.count)
            guard bare.hasPrefix("dropped_") || bare.hasPrefix("evicted_") || bare.hasPrefix("refused_") else {
                continue
            }
            add("lvsd_director_defence_drops_total", [("reason", String(bare))], .unsigned(value))
        }
    }
}
