import Foundation
import Glibc
import Testing

/// `lvsd --config`, SIGHUP and `lvsadm --reload` with the proxy engine forwarding to real
/// servers on 127.0.0.1 (docs/configuration.md §10).
@Suite("lvsd --config and reload", .serialized)
struct ConfigReloadTests {
    /// Two PROXY services: `web` (rr) over the given real servers, `mail` (wlc) over one fixed one.
    static func configuration(web: UInt16, mail: UInt16, servers: [(port: UInt16, weight: Int)], mailServer: UInt16)
        -> String
    {
        var text = """
            global_defs {
                router_id director-test
            }

            virtual_server 127.0.0.1 \(web) {
                lb_algo rr
                lb_kind PROXY
                protocol TCP

            """
        for server in servers {
            text += """
                    real_server 127.0.0.1 \(server.port) {
                        weight \(server.weight)
                    }

                """
        }
        text += """
            }

            virtual_server 127.0.0.1 \(mail) {
                lb_algo wlc
                lb_kind PROXY
                protocol TCP
                proxy_protocol v1
                real_server 127.0.0.1 \(mailServer) {
                    weight 4
                }
            }

            """
        return text
    }

    /// A running lvsd over real servers A, B and C (C not configured yet) and a mail server.
    struct Setup {
        let directory: TemporaryDirectory
        let configPath: String
        let web: UInt16
        let mail: UInt16
        let a: TestRealServer
        let b: TestRealServer
        let c: TestRealServer
        let mailServer: TestRealServer
        let lvsd: LVSDProcess

        static func start() async throws -> Setup {
            let directory = try TemporaryDirectory()
            let a = try TestRealServer(name: "A")
            let b = try TestRealServer(name: "B")
            let c = try TestRealServer(name: "C")
            let mailServer = try TestRealServer(name: "M")
            let web = try TestSockets.freePort()
            let mail = try TestSockets.freePort()
            let configPath = directory.file("keepalived.conf")
            try ConfigReloadTests.configuration(
                web: web, mail: mail, servers: [(a.port, 1), (b.port, 2)], mailServer: mailServer.port
            ).write(toFile: configPath, atomically: true, encoding: .utf8)
            let lvsd = try await LVSDProcess.start(["--config", configPath, "--reactors", "1"], in: directory)
            return Setup(
                directory: directory, configPath: configPath, web: web, mail: mail, a: a, b: b, c: c,
                mailServer: mailServer, lvsd: lvsd)
        }

        /// Rewrites the configuration file with these web real servers.
        func rewrite(_ servers: [(port: UInt16, weight: Int)]) throws {
            try ConfigReloadTests.configuration(web: web, mail: mail, servers: servers, mailServer: mailServer.port)
                .write(toFile: configPath, atomically: true, encoding: .utf8)
        }

        /// `-S -n` for these web real servers and the mail service: `-S` sorts services and real
        /// servers by address and port (docs/design/0002-sort-order.md).
        func expectedSave(_ servers: [(port: UInt16, weight: Int)]) -> String {
            var lines = [String]()
            let services = [(web, "web"), (mail, "mail")].sorted { $0.0 < $1.0 }
            for (port, kind) in services {
                if kind == "web" {
                    lines.append("-A -t 127.0.0.1:\(port) -s rr")
                    for server in servers.sorted(by: { $0.port < $1.port }) {
                        lines.append("-a -t 127.0.0.1:\(port) -r 127.0.0.1:\(server.port) --proxy -w \(server.weight)")
                    }
                } else {
                    lines.append("-A -t 127.0.0.1:\(port) -s wlc")
                    lines.append(
                        "-a -t 127.0.0.1:\(port) -r 127.0.0.1:\(mailServer.port) --proxy -w 4 --proxy-protocol v1")
                }
            }
            return lines.joined(separator: "\n") + "\n"
        }

        func stop() async {
            _ = await lvsd.stop()
            for server in [a, b, c, mailServer] { server.stop() }
            directory.remove()
        }
    }

    @Test("lvsd --config applies the file as the table and forwards through the VIP")
    func startWithConfiguration() async throws {
        let setup = try await Setup.start()
        #expect(setup.lvsd.isReady, "lvsd did not start: \(setup.lvsd.log)")
        let saved = try await setup.lvsd.saved()
        #expect(saved == setup.expectedSave([(setup.a.port, 1), (setup.b.port, 2)]))
        let client = try TestSockets.connect(port: setup.web)
        defer { close(client) }
        let reply = TestSockets.exchange(client, "hello", expectedLength: 7)
        #expect(reply == "A:hello" || reply == "B:hello")
        let mail = try TestSockets.connect(port: setup.mail)
        defer { close(mail) }
        // proxy_protocol v1: the mail server sees the PROXY line first, then the bytes.
        let mailReply = TestSockets.exchange(mail, "x", expectedLength: 3)
        #expect(mailReply.hasPrefix("M:PROXY TCP4 127.0.0.1 127.0.0.1 "))
        await setup.stop()
    }

    @Test("SIGHUP reloads: one weight changed, one real server added, one removed")
    func reloadOnHangup() async throws {
        let setup = try await Setup.start()
        #expect(setup.lvsd.isReady, "lvsd did not start: \(setup.lvsd.log)")
        let changed: [(port: UInt16, weight: Int)] = [(setup.a.port, 3), (setup.c.port, 1)]
        try setup.rewrite(changed)
        setup.lvsd.hangUp()
        let expected = setup.expectedSave(changed)
        let reloaded = try await eventually { try await setup.lvsd.saved() == expected }
        let table = try await setup.lvsd.saved()
        #expect(reloaded, "table after SIGHUP: \(table)")
        #expect(await eventually { setup.lvsd.log.contains("reloaded \(setup.configPath): 3 changes") })
        await setup.stop()
    }

    @Test("lvsadm --reload applies the difference and reports it; an unchanged file changes nothing")
    func reloadThroughLVSAdmin() async throws {
        let setup = try await Setup.start()
        let changed: [(port: UInt16, weight: Int)] = [(setup.a.port, 3), (setup.c.port, 1)]
        try setup.rewrite(changed)
        let result = try await setup.lvsd.lvsadm(["--reload"])
        #expect(
            result
                == ProcessResult(
                    status: 0, standardOutput: "lvsadm: reloaded \(setup.configPath): 3 changes\n", standardError: ""))
        let saved = try await setup.lvsd.saved()
        #expect(saved == setup.expectedSave(changed))
        let again = try await setup.lvsd.lvsadm(["--reload"])
        #expect(again.standardOutput == "lvsadm: reloaded \(setup.configPath): 0 changes\n")
        await setup.stop()
    }

    @Test("a reload that changes only B leaves the proxied connection to A alone")
    func reloadKeepsOtherConnections() async throws {
        let setup = try await Setup.start()
        // rr alternates: at most two connections reach A.
        var toA: Int32 = -1
        var others: [Int32] = []
        for _ in 0..<4 where toA < 0 {
            let fd = try TestSockets.connect(port: setup.web)
            if TestSockets.exchange(fd, "hello", expectedLength: 7) == "A:hello" { toA = fd } else { others.append(fd) }
        }
        defer {
            for fd in others { close(fd) }
            if toA >= 0 { close(toA) }
        }
        try #require(toA >= 0, "no connection reached A")
        let acceptedByA = setup.a.acceptedCount
        try setup.rewrite([(setup.a.port, 1), (setup.b.port, 5)])
        let result = try await setup.lvsd.lvsadm(["--reload"])
        #expect(result.standardOutput == "lvsadm: reloaded \(setup.configPath): 1 change\n")
        #expect(TestSockets.exchange(toA, "again", expectedLength: 7) == "A:again")
        #expect(setup.a.acceptedCount == acceptedByA)
        await setup.stop()
    }

    @Test("a reload of a broken file changes nothing and reports every error, by lvsadm and SIGHUP")
    func brokenReload() async throws {
        let setup = try await Setup.start()
        let before = try await setup.lvsd.saved()
        try """
        virtual_server 127.0.0.1 \(setup.web) {
            lb_algo rrr
            lb_kind NATT
            protocol TCP
            real_server 127.0.0.1 \(setup.c.port) {
                weight 3
            }
        }

        """.write(toFile: setup.configPath, atomically: true, encoding: .utf8)
        let result = try await setup.lvsd.lvsadm(["--reload"])
        #expect(result.status == 1)
        #expect(result.standardOutput == "")
        let path = setup.configPath
        #expect(
            result.standardError == """
                \(path):2:13: error: unknown lb_algo "rrr"; use one of rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos
                \(path):3:13: error: unknown lb_kind "NATT"; use NAT, DR, TUN or PROXY
                \(path):1:1: warning: virtual_server 127.0.0.1 \(setup.web) has no lb_algo; keepalived's default wlc is used
                \(path):1:1: warning: virtual_server 127.0.0.1 \(setup.web) has no lb_kind; keepalived's default NAT is used (ipvsadm's is DR)
                \(path): 2 errors, 2 warnings
                lvsadm: reload refused, nothing was changed

                """)
        #expect(try await setup.lvsd.saved() == before)
        setup.lvsd.hangUp()
        #expect(
            await eventually {
                setup.lvsd.log.components(separatedBy: "reload of \(path) refused, nothing changed").count == 3
            })
        #expect(try await setup.lvsd.saved() == before)
        await setup.stop()
    }

    @Test("lvsadm --reload of a daemon started without --config is a clear error")
    func reloadWithoutConfiguration() async throws {
        let directory = try TemporaryDirectory()
        let lvsd = try await LVSDProcess.start(["--dry-run"], in: directory)
        let result = try await lvsd.lvsadm(["--reload"])
        #expect(
            result
                == ProcessResult(
                    status: 1, standardOutput: "",
                    standardError:
                        "lvsd was started without --config, so there is no configuration file to reload; start lvsd with --config FILE\n"
                        + "lvsadm: reload refused, nothing was changed\n"
                ))
        // SIGHUP: logged, and the daemon carries on.
        lvsd.hangUp()
        #expect(await eventually { lvsd.log.contains("reload refused: lvsd was started without --config") })
        #expect(try await lvsd.lvsadm(["-L", "-n"]).status == 0)
        #expect(await lvsd.stop() == 0)
        directory.remove()
    }

    @Test("--config and --rules together are refused before anything starts")
    func configAndRules() async throws {
        let directory = try TemporaryDirectory()
        let result = try await Subprocess.run(
            "lvsd",
            ["--control-socket", directory.file("s.sock"), "--config", "a.conf", "--rules", "b.rules"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("--rules and --config cannot be used together"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("s.sock")))
        directory.remove()
    }

    @Test("lvsd --config with errors prints every diagnostic and does not start")
    func configWithErrors() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("bad.conf")
        try """
        virtual_server 127.0.0.1 80 {
            lb_algo rrr
            protocol TCP
            colour blue
        }

        """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await Subprocess.run(
            "lvsd", ["--control-socket", directory.file("s.sock"), "--config", path, "--dry-run"])
        #expect(result.status == 1)
        #expect(result.standardOutput == "")
        #expect(
            result.standardError == """
                \(path):2:13: error: unknown lb_algo "rrr"; use one of rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos
                \(path):4:5: warning: unknown keyword "colour" in virtual_server; it is ignored (check the spelling)
                \(path):1:1: warning: virtual_server 127.0.0.1 80 has no lb_algo; keepalived's default wlc is used
                \(path):1:1: warning: virtual_server 127.0.0.1 80 has no lb_kind; keepalived's default NAT is used (ipvsadm's is DR)
                \(path): 1 error, 3 warnings

                """)
        #expect(!FileManager.default.fileExists(atPath: directory.file("s.sock")))
        directory.remove()
    }
}
