import LVSControl
import LVSCore

/// Turns one scrape's replies into the exposition text; pure, so tests feed it replies directly.
/// Family names, types and labels are listed in docs/metrics.md.
struct MetricsRendering {
    var writer = PrometheusTextWriter()
    /// Seconds since the Unix epoch at the scrape.
    let now: Double

    static func render(_ snapshot: MetricsSnapshot, now: Double) -> String {
        var rendering = MetricsRendering(now: now)
        if let table = snapshot.table { rendering.addIPVS(table) }
        if let server = snapshot.server { rendering.addServer(server) }
        if let table = snapshot.table { rendering.addServices(table) }
        if let health = snapshot.health { rendering.addHealth(health) }
        if let engine = snapshot.engine { rendering.addEngine(engine) }
        if let vrrp = snapshot.vrrp { rendering.addVRRP(vrrp) }
        if let sync = snapshot.sync { rendering.addSync(sync) }
        rendering.addExporter(snapshot.requestSucceeded)
        return rendering.writer.render()
    }

    mutating func counter(_ name: String, _ help: String) { writer.declare(name, .counter, help: help) }
    mutating func gauge(_ name: String, _ help: String) { writer.declare(name, .gauge, help: help) }
    mutating func add(_ name: String, _ labels: [(String, String)] = [], _ value: MetricValue) {
        writer.add(name, labels, value)
    }

    /// Build information and the configuration reloads (`ping`).
    mutating func addServer(_ server: ControlServerInfo) {
        gauge("lvsd_build_info", "Always 1; the version label is the daemon's version.")
        add("lvsd_build_info", [("version", server.daemonVersion)], .unsigned(1))
        gauge("lvsd_dry_run", "1 while lvsd holds configuration but forwards nothing (--dry-run).")
        add("lvsd_dry_run", [], .flag(server.dryRun))
        guard let reloads = server.reloads else { return }
        counter(
            "lvsd_config_reloads_total",
            "Configuration reloads (SIGHUP or lvsadm --reload) by result: success applied the file, failure changed nothing."
        )
        add("lvsd_config_reloads_total", [("result", "success")], .unsigned(reloads.succeeded))
        add("lvsd_config_reloads_total", [("result", "failure")], .unsigned(reloads.failed))
        guard let succeeded = reloads.lastSucceeded, let since = reloads.secondsSinceLast else { return }
        gauge(
            "lvsd_config_last_reload_successful", "1 if the last configuration reload applied the file, 0 if it failed."
        )
        add("lvsd_config_last_reload_successful", [], .flag(succeeded))
        gauge("lvsd_config_last_reload_timestamp_seconds", "When the last configuration reload ended, in Unix time.")
        add("lvsd_config_last_reload_timestamp_seconds", [], .double(Self.rounded(now - since)))
    }

    /// Whether each control request of the scrape answered, and the samples left out.
    mutating func addExporter(_ requests: [(String, Bool)]) {
        gauge(
            "lvsd_exporter_request_success",
            "1 if the control request answered during this scrape; 0 leaves its families out.")
        for (request, succeeded) in requests {
            add("lvsd_exporter_request_success", [("request", request)], .flag(succeeded))
        }
        gauge(
            "lvsd_exporter_rejected_samples",
            "Samples this scrape left out: a duplicate series or an invalid name (0 unless lvsd has a bug).")
        let rejected = writer.rejectedSamples
        add("lvsd_exporter_rejected_samples", [], .unsigned(UInt64(rejected)))
    }

    /// Milliseconds resolution: enough for ages, and keeps the text short.
    static func rounded(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }
}
