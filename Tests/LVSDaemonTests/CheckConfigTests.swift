import Foundation
import Testing

/// `lvsd --check-config FILE`: every diagnostic, a summary line, exit status 1 on errors only;
/// nothing started (no control socket).
@Suite("lvsd --check-config")
struct CheckConfigTests {
    /// A broken (or good) file, and what `--check-config` prints for it; `FILE` stands for its path.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var arguments: [String] = []
        var status: Int32
        var report: String

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "good",
            text: """
                global_defs {
                    lvs_timeouts tcp 600 tcpfin 60 udp 120
                }
                virtual_server 127.0.0.1 8080 {
                    delay_loop 5
                    lb_algo wrr
                    lb_kind PROXY
                    protocol TCP
                    real_server 127.0.0.1 9001 {
                        weight 2
                        TCP_CHECK {
                            connect_timeout 2
                        }
                    }
                }

                """,
            status: 0, report: "FILE: 0 errors, 0 warnings\n"),
        Case(
            name: "warnings only",
            text: """
                virtual_server 127.0.0.1 8080 {
                    lb_algo rr
                    lb_kind PROXY
                    colour blue
                    real_server 127.0.0.1 9001 {
                    }
                }
                vrrp_instance VI_1 {
                    state MASTER
                }

                """,
            status: 0, report: "X"),
        Case(
            name: "unknown lb_kind and an unknown scheduler",
            text: """
                virtual_server 127.0.0.1 8080 {
                    lb_algo rrr
                    lb_kind NATT
                    protocol TCP
                }

                """,
            status: 1, report: "X"),
        Case(
            name: "unclosed block",
            text: """
                virtual_server 127.0.0.1 8080 {
                    lb_algo rr
                    protocol TCP
                    real_server 127.0.0.1 9001 {
                        weight 1

                """,
            status: 1, report: "X"),
        Case(
            name: "missing include",
            text: """
                include missing-services.conf
                virtual_server 127.0.0.1 8080 {
                    lb_kind PROXY
                    protocol TCP
                }

                """,
            status: 1, report: "X"),
        Case(
            name: "service defined twice, weight out of range",
            text: """
                virtual_server 127.0.0.1 8080 {
                    lb_kind PROXY
                    protocol TCP
                    real_server 127.0.0.1 9001 {
                        weight 999
                    }
                }
                virtual_server 127.0.0.1 8080 {
                    lb_kind PROXY
                    protocol TCP
                }

                """,
            status: 1, report: "X"),
        Case(
            name: "undefined group",
            text: """
                virtual_server group WEB {
                    lb_kind PROXY
                    protocol TCP
                }

                """,
            status: 1, report: "X"),
        Case(
            name: "NAT needs the packet engine",
            text: """
                virtual_server 127.0.0.1 8080 {
                    lb_kind NAT
                    protocol TCP
                    real_server 10.0.0.1 80 {
                    }
                }

                """,
            status: 1, report: "X"),
        Case(
            name: "NAT is fine for --dry-run",
            text: """
                virtual_server 127.0.0.1 8080 {
                    lb_kind NAT
                    protocol TCP
                    real_server 10.0.0.1 80 {
                    }
                }

                """,
            arguments: ["--dry-run"], status: 0, report: "FILE: 0 errors, 0 warnings\n"),
    ]

    @Test("exit status and report", arguments: cases)
    func check(_ testCase: Case) async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("keepalived.conf")
        try testCase.text.write(toFile: path, atomically: true, encoding: .utf8)
        let socket = directory.file("lvsd.sock")
        let result = try await Subprocess.run(
            "lvsd", ["--control-socket", socket, "--check-config", path] + testCase.arguments)
        #expect(result.status == testCase.status)
        #expect(result.standardOutput == testCase.report.replacingOccurrences(of: "FILE", with: path))
        #expect(result.standardError == "")
        #expect(!FileManager.default.fileExists(atPath: socket))
        directory.remove()
    }

    @Test("a file that cannot be read is an error")
    func unreadable() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("absent.conf")
        let result = try await Subprocess.run("lvsd", ["--check-config", path])
        #expect(result.status == 1)
        #expect(result.standardOutput == "X")
        directory.remove()
    }

    @Test("--check-config with --config is refused")
    func withConfig() async throws {
        let result = try await Subprocess.run("lvsd", ["--check-config", "a.conf", "--config", "b.conf"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("--check-config checks its own file and starts nothing"))
    }
}
