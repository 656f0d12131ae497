import Foundation
import Glibc
import Testing

/// `lvsd --config` with a `content_switch` service (docs/configuration.md "Content switching"),
/// driven by curl and openssl against the tests' own real servers on 127.0.0.1.
@Suite("lvsd content switching", .serialized)
struct ContentSwitchDaemonTests {
    static let checker = """
        TCP_CHECK {
                        connect_timeout 1
                        retry 1
                        delay_before_retry 1
                    }
        """

    /// VIP → rules: /api (prefix) → group api (fwmark 101), Host *.static.test → group web;
    /// default web (fwmark 102).
    static func configuration(vip: UInt16, api: [UInt16], web: [UInt16], apiPrefix: String = "/api") -> String {
        func servers(_ ports: [UInt16]) -> String {
            ports.map {
                """
                    real_server 127.0.0.1 \($0) {
                        \(checker)
                    }

                """
            }.joined()
        }
        return """
            virtual_server 127.0.0.1 \(vip) {
                lb_kind PROXY
                protocol TCP
                content_switch {
                    group api 101
                    group web 102
                    rule api {
                        path_prefix \(apiPrefix)
                        use_group api
                    }
                    rule static {
                        host_suffix .static.test
                        use_group web
                    }
                    default_group web
                }
            }

            virtual_server fwmark 101 {
                lb_algo rr
                lb_kind PROXY
                delay_loop 1
            \(servers(api))}

            virtual_server fwmark 102 {
                lb_algo rr
                lb_kind PROXY
                delay_loop 1
            \(servers(web))}

            """
    }

    static func curl(_ arguments: [String]) async throws -> ProcessResult {
        try await Subprocess.run("curl", ["-s", "--max-time", "5"] + arguments, executableOverride: "/usr/bin/curl")
    }

    @Test("requests switch per request on one keep-alive connection; -L -n lists the groups; --content counts hits")
    func switchingAndListing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let vip = try TestSockets.freePort()
        let a = try PythonHTTPServer(name: "A", port: try TestSockets.freePort(), directory: directory)
        let b = try PythonHTTPServer(name: "B", port: try TestSockets.freePort(), directory: directory)
        defer {
            a.stop()
            b.stop()
        }
        let config = directory.file("keepalived.conf")
        try Self.configuration(vip: vip, api: [a.port], web: [b.port])
            .write(toFile: config, atomically: true, encoding: .utf8)
        let lvsd = try await LVSDProcess.start(["--config", config, "--reactors", "1"], in: directory)
        #expect(lvsd.isReady, "lvsd did not start: \(lvsd.log)")
        let base = "http://127.0.0.1:\(vip)"
        // Two URLs on one connection: curl reuses it (num_connects 0 for the second).
        let both = try await Self.curl(["-w", "[%{num_connects}]\n", "\(base)/api/x", "\(base)/index.html"])
        #expect(both.standardOutput == "A GET /api/x\n[1]\nB GET /index.html\n[0]\n")
        let host = try await Self.curl(["-H", "Host: img.static.test", "\(base)/api/ignored"])
        #expect(host.standardOutput == "A GET /api/ignored\n")
        let listing = try await lvsd.lvsadm(["-L", "-n"]).standardOutput
        #expect(listing.contains("FWM  101 rr\n  -> 127.0.0.1:\(a.port)"))
        #expect(listing.contains("FWM  102 rr\n  -> 127.0.0.1:\(b.port)"))
        #expect(listing.contains("TCP  127.0.0.1:\(vip) wlc\n"))
        let content = try await lvsd.lvsadm(["--content"]).standardOutput
        #expect(
            content == """
                TCP 127.0.0.1:\(vip) content http persistence none
                  group api FWM 101
                  group web FWM 102
                  rule api -> api (FWM 101) hits 2
                  rule static -> web (FWM 102) hits 0
                  default -> web (FWM 102) hits 1

                """)
        let json = try await lvsd.lvsadm(["--content", "--json"]).standardOutput
        let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]]
        let rules = decoded?.first?["rules"] as? [[String: Any]]
        #expect(rules?.first?["hits"] as? Int == 2)
        #expect(decoded?.first?["defaultHits"] as? Int == 1)
        let stats = try await lvsd.lvsadm(["--engine-stats"]).standardOutput
        #expect(stats.contains("http_requests 3\n"))
        #expect(stats.contains("http_refused_content_length_with_transfer_encoding 0\n"))
        _ = await lvsd.stop()
    }

    @Test("a reload changes the rules; a broken rule is refused and changes nothing")
    func reload() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let vip = try TestSockets.freePort()
        let a = try PythonHTTPServer(name: "A", port: try TestSockets.freePort(), directory: directory)
        let b = try PythonHTTPServer(name: "B", port: try TestSockets.freePort(), directory: directory)
        defer {
            a.stop()
            b.stop()
        }
        let config = directory.file("keepalived.conf")
        try Self.configuration(vip: vip, api: [a.port], web: [b.port])
            .write(toFile: config, atomically: true, encoding: .utf8)
        let lvsd = try await LVSDProcess.start(["--config", config, "--reactors", "1"], in: directory)
        #expect(lvsd.isReady, "lvsd did not start: \(lvsd.log)")
        let url = "http://127.0.0.1:\(vip)/v2/x"
        #expect(try await Self.curl([url]).standardOutput == "B GET /v2/x\n")
        try Self.configuration(vip: vip, api: [a.port], web: [b.port], apiPrefix: "/v2")
            .write(toFile: config, atomically: true, encoding: .utf8)
        let reloaded = try await lvsd.lvsadm(["--reload"])
        #expect(reloaded.status == 0, "\(reloaded)")
        #expect(try await Self.curl([url]).standardOutput == "A GET /v2/x\n")
        try Self.configuration(vip: vip, api: [a.port], web: [b.port], apiPrefix: "/v3")
            .replacingOccurrences(of: "use_group api", with: "use_group nosuch")
            .write(toFile: config, atomically: true, encoding: .utf8)
        let refused = try await lvsd.lvsadm(["--reload"])
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("unknown group \"nosuch\""), "\(refused)")
        #expect(try await Self.curl([url]).standardOutput == "A GET /v2/x\n")
        _ = await lvsd.stop()
    }

    @Test("a health check taking a group's real server out changes the routing")
    func healthCheck() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let vip = try TestSockets.freePort()
        let a1 = try PythonHTTPServer(name: "A1", port: try TestSockets.freePort(), directory: directory)
        let a2 = try PythonHTTPServer(name: "A2", port: try TestSockets.freePort(), directory: directory)
        let b = try PythonHTTPServer(name: "B", port: try TestSockets.freePort(), directory: directory)
        defer {
            a2.stop()
            b.stop()
        }
        let config = directory.file("keepalived.conf")
        try Self.configuration(vip: vip, api: [a1.port, a2.port], web: [b.port])
            .write(toFile: config, atomically: true, encoding: .utf8)
        let lvsd = try await LVSDProcess.start(["--config", config, "--reactors", "1"], in: directory)
        #expect(lvsd.isReady, "lvsd did not start: \(lvsd.log)")
        let url = "http://127.0.0.1:\(vip)/api/h"
        var answers = Set<String>()
        for _ in 0..<4 { answers.insert(try await Self.curl([url]).standardOutput) }
        #expect(answers == ["A1 GET /api/h\n", "A2 GET /api/h\n"])
        a1.stop()
        // TCP_CHECK: delay_loop 1, connect_timeout 1, retry 1 → down within a few seconds.
        let moved = try await eventually(within: 15) {
            try await lvsd.lvsadm(["-L", "-n"]).standardOutput.contains("127.0.0.1:\(a1.port)") == false
        }
        #expect(moved, "\(lvsd.log)")
        for _ in 0..<4 { #expect(try await Self.curl([url]).standardOutput == "A2 GET /api/h\n") }
        _ = await lvsd.stop()
    }

    /// Runs a program to its end (output kept), off the concurrency pool.
    static func run(_ path: String, _ arguments: [String]) async throws -> ProcessResult {
        try await Subprocess.run(URL(fileURLWithPath: path).lastPathComponent, arguments, executableOverride: path)
    }

    @Test("TLS mode: openssl s_client -servername reaches the s_server of its group, untouched")
    func serverNameRouting() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let vip = try TestSockets.freePort()
        var servers: [Process] = []
        defer { for server in servers where server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        var ports: [UInt16] = []
        for name in ["alpha", "beta"] {
            let key = directory.file("\(name).key")
            let cert = directory.file("\(name).pem")
            let made = try await Self.run(
                "/usr/bin/openssl",
                [
                    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days",
                    "1", "-subj", "/CN=\(name)", "-keyout", key, "-out", cert,
                ])
            #expect(made.status == 0, "\(made)")
            chmod(key, 0o600)
            let port = try TestSockets.freePort()
            ports.append(port)
            let server = Process()
            server.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            server.arguments = [
                "s_server", "-accept", "127.0.0.1:\(port)", "-cert", cert, "-key", key, "-www", "-quiet",
            ]
            server.standardInput = FileHandle.nullDevice
            server.standardOutput = FileHandle.nullDevice
            server.standardError = FileHandle.nullDevice
            try server.run()
            servers.append(server)
        }
        for port in ports {
            for _ in 0..<100 {
                if let fd = try? TestSockets.connect(port: port, timeoutSeconds: 1) {
                    close(fd)
                    break
                }
                usleep(50_000)
            }
        }
        let config = directory.file("keepalived.conf")
        try """
        virtual_server 127.0.0.1 \(vip) {
            lb_kind PROXY
            protocol TCP
            content_switch {
                mode tls
                group alpha 201
                group beta 202
                rule alpha {
                    sni_suffix .alpha.test
                    use_group alpha
                }
                default_group beta
            }
        }

        virtual_server fwmark 201 {
            lb_algo rr
            lb_kind PROXY
            real_server 127.0.0.1 \(ports[0]) {
            }
        }

        virtual_server fwmark 202 {
            lb_algo rr
            lb_kind PROXY
            real_server 127.0.0.1 \(ports[1]) {
            }
        }

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let lvsd = try await LVSDProcess.start(["--config", config, "--reactors", "1"], in: directory)
        #expect(lvsd.isReady, "lvsd did not start: \(lvsd.log)")
        for (name, expected) in [("www.alpha.test", "alpha"), ("www.beta.test", "beta"), ("other.test", "beta")] {
            let result = try await Self.run(
                "/usr/bin/openssl",
                ["s_client", "-connect", "127.0.0.1:\(vip)", "-servername", name, "-brief"])
            let output = result.standardOutput + result.standardError
            #expect(output.contains("CN = \(expected)") || output.contains("CN=\(expected)"), "\(name): \(output)")
        }
        let stats = try await lvsd.lvsadm(["--engine-stats"]).standardOutput
        #expect(stats.contains("tls_routed 3\n"))
        _ = await lvsd.stop()
    }
}
