import Foundation
import Glibc
import LVSControl
import LVSCore
import Testing

/// The HTTP endpoint of a real `lvsd --http` process with the proxy engine forwarding known
/// traffic to the test's own real servers (docs/http-api.md, docs/metrics.md): `/metrics`
/// values and promtool, the event log, explain, and a write seen by `lvsadm -L -n`.
@Suite("lvsd --http end to end", .serialized)
struct LVSDHTTPWireTests {
    /// `curl -sS -i ARGUMENTS`: the status, the headers (lower-cased names) and the body.
    struct CurlResponse {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    static func curl(_ arguments: [String]) async throws -> CurlResponse {
        let curl = try #require(
            ["/usr/bin/curl", "/usr/local/bin/curl"].first { FileManager.default.isExecutableFile(atPath: $0) },
            "curl is needed (apt-get install curl)")
        let result = try await Subprocess.run(
            "curl", ["-sS", "-i", "--max-time", "20"] + arguments, executableOverride: curl)
        try #require(result.status == 0, "curl \(arguments): \(result.standardError)")
        let parts = result.standardOutput.components(separatedBy: "\r\n\r\n")
        let head = parts.first?.split(separator: "\r\n").map(String.init) ?? []
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        let status = head.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        return CurlResponse(status: status, headers: headers, body: parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    /// One sample of the exposition text: `name{labels} value`, or nil if absent.
    static func sample(_ text: String, _ name: String, _ labels: [String: String] = [:]) -> Double? {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let (series, value) = (line.split(separator: " ").first ?? "", line.split(separator: " ").last ?? "")
            let family = series.split(separator: "{").first.map(String.init) ?? ""
            guard family == name else { continue }
            let labelText = series.split(separator: "{", maxSplits: 1).dropFirst().first?.dropLast() ?? ""
            var parsed: [String: String] = [:]
            for pair in labelText.split(separator: ",") {
                let members = pair.split(separator: "=", maxSplits: 1).map(String.init)
                if members.count == 2 { parsed[members[0]] = members[1].trimmingCharacters(in: ["\""]) }
            }
            if labels.allSatisfy({ parsed[$0.key] == $0.value }) { return Double(value) }
        }
        return nil
    }

    @Test("/metrics counts known traffic, events show lvsadm's transactions, explain predicts rr, PUT weight")
    func endToEnd() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let a = try TestRealServer(name: "A")
        let b = try TestRealServer(name: "B")
        defer {
            a.stop()
            b.stop()
        }
        let lvsd = try await LVSDProcess.start(["--http", "127.0.0.1:0"], in: directory)
        defer { if lvsd.process.isRunning { lvsd.process.terminate() } }
        try #require(lvsd.banner.hasPrefix("lvsd: listening on \(lvsd.socket)\n"), "lvsd: \(lvsd.log)")
        let marker = "HTTP endpoint listening on 127.0.0.1:"
        try #require(await eventually(within: 20) { lvsd.log.contains(marker) }, "lvsd: \(lvsd.log)")
        let httpPort = try #require(
            lvsd.log.components(separatedBy: marker).last?.prefix { $0.isNumber }.description)
        let base = "http://127.0.0.1:\(httpPort)"

        let vipPort = try TestSockets.freePort()
        let vip = "127.0.0.1:\(vipPort)"
        let setup = [
            ["-A", "-t", vip, "-s", "rr"],
            ["-a", "-t", vip, "-r", "127.0.0.1:\(a.port)", "--proxy", "-w", "3"],
            ["-a", "-t", vip, "-r", "127.0.0.1:\(b.port)", "--proxy", "-w", "1"],
        ]
        for arguments in setup {
            let result = try await lvsd.lvsadm(arguments)
            try #require(result.status == 0, "lvsadm \(arguments): \(result.standardError)")
        }

        // Known traffic: N connections, kept open so each counts as active on its real server.
        let connectionCount = 4
        var clients: [Int32] = []
        defer { for fd in clients { close(fd) } }
        var chosen: [String] = []
        for _ in 0..<connectionCount {
            let fd = try TestSockets.connect(port: vipPort, timeoutSeconds: 20)
            clients.append(fd)
            let reply = TestSockets.exchange(fd, "hello", expectedLength: 7)
            chosen.append(String(reply.prefix(1)))
        }
        // rr alternates between the two (reference §3.1), whichever it started with.
        #expect(Set(chosen) == ["A", "B"])
        #expect(zip(chosen, chosen.dropFirst()).allSatisfy { $0 != $1 }, "\(chosen)")

        // /metrics: values, not only names.
        let service = ["local_address": "127.0.0.1", "local_port": "\(vipPort)", "proto": "TCP", "local_mark": ""]
        func backend(_ server: TestRealServer) -> [String: String] {
            service.merging(["remote_address": "127.0.0.1", "remote_port": "\(server.port)"]) { $1 }
        }
        var metrics = try await Self.curl(["\(base)/metrics"])
        // The proxy engine reports its counters with the table; wait (bounded) until they are in.
        _ = try await eventually(within: 20) {
            metrics = try await Self.curl(["\(base)/metrics"])
            return Self.sample(metrics.body, "node_ipvs_backend_connections_active", backend(a)) == 2
                && Self.sample(metrics.body, "node_ipvs_backend_connections_active", backend(b)) == 2
        }
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(Self.sample(metrics.body, "node_ipvs_connections_total") == Double(connectionCount))
        #expect(Self.sample(metrics.body, "node_ipvs_backend_weight", backend(a)) == 3)
        #expect(Self.sample(metrics.body, "node_ipvs_backend_weight", backend(b)) == 1)
        #expect(Self.sample(metrics.body, "node_ipvs_backend_connections_active", backend(a)) == 2)
        #expect(Self.sample(metrics.body, "node_ipvs_backend_connections_active", backend(b)) == 2)
        #expect(Self.sample(metrics.body, "node_ipvs_backend_connections_inactive", backend(a)) == 0)
        #expect(Self.sample(metrics.body, "lvsd_real_server_connections_total", backend(a)) == 2)
        #expect(Self.sample(metrics.body, "lvsd_real_server_connections_total", backend(b)) == 2)
        #expect(Self.sample(metrics.body, "lvsd_service_connections_total", service) == Double(connectionCount))
        try await Self.promtoolCheck(metrics.body, in: directory)

        // The event log: the three transactions lvsadm made, in order; since/limit page.
        let events = try await Self.curl(["\(base)/api/v1/events"])
        #expect(events.status == 200)
        #expect(events.headers["content-type"] == "application/json")
        let decoded = try JSONDecoder().decode([DaemonEvent].self, from: Data(events.body.utf8))
        let service80 = "TCP \(vip)"
        #expect(
            decoded.filter { $0.kind == .transaction }.map(\.reason) == [
                "applied add service \(service80)",
                "applied add real server 127.0.0.1:\(a.port) to \(service80)",
                "applied add real server 127.0.0.1:\(b.port) to \(service80)",
            ], "\(events.body)")
        let page = try await Self.curl(["\(base)/api/v1/events?since=1&limit=1"])
        #expect(try JSONDecoder().decode([DaemonEvent].self, from: Data(page.body.utf8)).map(\.seq) == [2])
        #expect(try await Self.curl(["\(base)/api/v1/events?limit=0"]).status == 400)

        // Explain: rr's next pick after A,B,A,B (or B,A,B,A) is the one it started with; the
        // client port matches no entry. The next real connection goes there too.
        let expected = chosen[0] == "A" ? a.port : b.port
        let query = "protocol=tcp&address=127.0.0.1&port=\(vipPort)&client=127.0.0.1&client_port=1"
        let explained = try await Self.curl(["\(base)/api/v1/explain?\(query)"])
        #expect(explained.status == 200, "\(explained.body)")
        let explanation = try JSONDecoder().decode(Explanation.self, from: Data(explained.body.utf8))
        #expect(explanation.decision == .scheduler)
        #expect(explanation.scheduler == "rr")
        #expect(explanation.chosen?.description == "127.0.0.1:\(expected)")
        let viaLVSAdmin = try await lvsd.lvsadm(["--explain", "-t", vip, "--client", "127.0.0.1:1", "--json"])
        #expect(try JSONDecoder().decode(Explanation.self, from: Data(viaLVSAdmin.standardOutput.utf8)) == explanation)
        let fifth = try TestSockets.connect(port: vipPort, timeoutSeconds: 20)
        clients.append(fifth)
        #expect(TestSockets.exchange(fifth, "hello", expectedLength: 7) == "\(chosen[0]):hello")
        let noClient = try await Self.curl(["\(base)/api/v1/explain?protocol=tcp&address=127.0.0.1&port=\(vipPort)"])
        #expect(noClient.status == 400)
        #expect(noClient.body.contains("?client=ADDR"))

        // A write through the API is what lvsadm lists.
        let weightPath = "\(base)/api/v1/services/tcp/127.0.0.1/\(vipPort)/real-servers/127.0.0.1/\(a.port)/weight"
        let put = try await Self.curl([
            "-X", "PUT", "-H", "Content-Type: application/json", "--data", #"{"weight": 5}"#, weightPath,
        ])
        #expect(put.status == 200, "\(put.body)")
        let listing = try await lvsd.lvsadm(["-L", "-n"]).standardOutput
        let row = listing.split(separator: "\n").first { $0.contains("-> 127.0.0.1:\(a.port) ") }
        #expect(row?.split(separator: " ").dropFirst(3).first == "5", "\(listing)")
        let after = try await Self.curl(["\(base)/api/v1/events?since=3"])
        let weightEvents = try JSONDecoder().decode([DaemonEvent].self, from: Data(after.body.utf8))
            .filter { $0.kind == .weight }
        #expect(weightEvents.map { $0.fields["new_weight"] } == ["5"], "\(after.body)")
        #expect(weightEvents.map { $0.fields["old_weight"] } == ["3"])

        #expect(await lvsd.stop() == 0)
    }

    /// `promtool check metrics` must print nothing; skipped without promtool, failed under CI=true.
    static func promtoolCheck(_ text: String, in directory: TemporaryDirectory) async throws {
        let candidates = ["/usr/bin/promtool", "/usr/local/bin/promtool"]
        guard let promtool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("promtool is not installed (apt-get install prometheus), and CI=true requires it")
            }
            return
        }
        let result = try await Subprocess.run(
            "promtool", ["check", "metrics"], input: text, executableOverride: promtool)
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        #expect(result.standardOutput + result.standardError == "")
    }
}
