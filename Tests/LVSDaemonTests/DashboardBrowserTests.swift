import Foundation
import Testing

/// The dashboard in a real browser (docs/http-api.md, "Dashboard"): headless Chromium loads `/`
/// from a running lvsd and the test reads the DOM the page's script built. Skipped without
/// Chromium, except under CI=true where a missing browser is a failure.
@Suite("Dashboard in headless Chromium", .serialized)
struct DashboardBrowserTests {
    static let service = "10.0.0.1:80"

    /// The HTTP port lvsd logged (`HTTP endpoint listening on 127.0.0.1:PORT`).
    static func httpPort(_ lvsd: LVSDProcess) async -> Int? {
        var port: Int?
        _ = await eventually(within: 20) {
            let marker = "HTTP endpoint listening on 127.0.0.1:"
            guard let range = lvsd.log.range(of: marker) else { return false }
            port = Int(lvsd.log[range.upperBound...].prefix { $0.isNumber })
            return port != nil
        }
        return port
    }

    /// The weight column of `lvsadm -L -n`'s line for `server`.
    static func listedWeight(_ lvsd: LVSDProcess, _ server: String) async throws -> String? {
        let listing = try await lvsd.lvsadm(["-L", "-n"]).standardOutput
        let line = listing.split(separator: "\n").first { $0.contains("-> \(server)") }
        let columns = line.map { $0.split(separator: " ").map(String.init) } ?? []
        return columns.count > 3 ? columns[3] : nil
    }

    /// JavaScript: the text of `selector` inside the row of real server `server`, or null.
    static func cell(_ server: String, _ selector: String) -> String {
        "document.querySelector('tr.real-server[data-server=\"\(server)\"] \(selector)')?.textContent ?? null"
    }

    @Test("services, a weight change made with lvsadm, drain and restore clicked on the page")
    func dashboard() async throws {
        guard HeadlessChromium.isInstalled else {
            #expect(ProcessInfo.processInfo.environment["CI"] != "true", "CI must install chromium (.ci/run)")
            return
        }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let lvsd = try await LVSDProcess.start(["--dry-run", "--http", "127.0.0.1:0"], in: directory)
        do {
            try await exercise(lvsd, directory)
        } catch {
            _ = await lvsd.stop()
            throw error
        }
        #expect(await lvsd.stop() == 0)
    }

    private func exercise(_ lvsd: LVSDProcess, _ directory: TemporaryDirectory) async throws {
        let port = try #require(await Self.httpPort(lvsd), "lvsd did not log its HTTP port: \(lvsd.log)")
        for command in [
            ["-A", "-t", Self.service, "-s", "wlc"],
            ["-a", "-t", Self.service, "-r", "192.168.10.1:80", "-m", "-w", "3"],
            ["-a", "-t", Self.service, "-r", "192.168.10.2:80", "-m", "-w", "1"],
        ] {
            #expect(try await lvsd.lvsadm(command).status == 0, "lvsadm \(command)")
        }
        let browser = try await HeadlessChromium.launch("http://127.0.0.1:\(port)/", in: directory)
        defer { browser.stop() }

        // The service and both real servers appear once the script received a snapshot.
        let rows = "JSON.stringify([...document.querySelectorAll('tr.real-server')].map(r => r.dataset.server))"
        var shown: String?
        let appeared = try await eventually(within: 30) {
            shown = try await browser.evaluate(rows)
            return shown == #""[\"192.168.10.1:80\",\"192.168.10.2:80\"]""#
        }
        #expect(appeared, "rows: \(shown ?? "none")")
        #expect(
            try await browser.evaluate("document.querySelector('tr.service')?.dataset.service")
                == #""TCP 10.0.0.1:80""#)
        #expect(try await browser.evaluate(Self.cell("192.168.10.1:80", "td.weight")) == #""3""#)
        #expect(try await browser.evaluate("document.getElementById('status').textContent") == #""live""#)
        // The transactions above are in the event log the page shows.
        #expect(
            try await browser.evaluate("document.querySelectorAll('#events li[data-seq]').length >= 3") == "true")

        // A weight set with lvsadm shows within 2 s, timed inside the page.
        #expect(
            try await lvsd.lvsadm(["-e", "-t", Self.service, "-r", "192.168.10.2:80", "-m", "-w", "7"]).status == 0)
        let waitForSeven = """
            new Promise(resolve => { const start = performance.now(); const poll = () => {
              if ((\(Self.cell("192.168.10.2:80", "td.weight"))) === '7') resolve(performance.now() - start);
              else if (performance.now() - start > 2000) resolve(-1); else setTimeout(poll, 25); }; poll(); })
            """
        let elapsed = try await browser.evaluate(waitForSeven).flatMap(Double.init)
        #expect(elapsed.map { $0 >= 0 } == true, "weight 7 did not appear within 2 s")

        // Drain: the first click arms the button, the second confirms; lvsadm sees weight 0.
        let click = "document.querySelector('tr.real-server[data-server=\"192.168.10.1:80\"] button.drain').click()"
        _ = try await browser.evaluate(click)
        #expect(try await browser.evaluate(Self.cell("192.168.10.1:80", "button.drain")) == #""Confirm drain?""#)
        #expect(try await Self.listedWeight(lvsd, "192.168.10.1:80") == "3", "one click must not drain")
        // The confirmation: the arming lasts 5 s, which the checks above may outlast on a loaded
        // machine (each evaluation starts a DevTools client), so it is armed again if it lapsed
        // and confirmed in the same turn of the page's script.
        _ = try await browser.evaluate(Self.confirm("192.168.10.1:80", "button.drain", armed: "Confirm drain?"))
        #expect(try await eventually(within: 10) { try await Self.listedWeight(lvsd, "192.168.10.1:80") == "0" })

        // Restore, the same two steps: the weight from before the drain comes back.
        #expect(
            try await eventually(within: 10) {
                try await browser.evaluate(Self.cell("192.168.10.1:80", "button.restore")) == #""Restore""#
            })
        _ = try await browser.evaluate(Self.confirm("192.168.10.1:80", "button.restore", armed: "Confirm restore?"))
        #expect(try await eventually(within: 10) { try await Self.listedWeight(lvsd, "192.168.10.1:80") == "3" })
    }

    /// Script that clicks the two-step `button` of a real server's row: once to arm it unless
    /// its label already shows the armed text, then once to confirm.
    static func confirm(_ server: String, _ button: String, armed: String) -> String {
        """
        (() => { const b = document.querySelector('tr.real-server[data-server="\(server)"] \(button)');
          if (b.textContent !== '\(armed)') b.click(); b.click(); return b.textContent; })()
        """
    }
}
