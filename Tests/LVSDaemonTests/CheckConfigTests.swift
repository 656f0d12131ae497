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
                    interface eth0
                    virtual_router_id 51
                    virtual_routes {
                    }
                }

                """,
            status: 0,
            report: """
                FILE:4:5: warning: unknown keyword "colour" in virtual_server; it is ignored (check the spelling)
                FILE:12:5: warning: vrrp_instance virtual_routes is not supported by lvsd; ignored
                FILE:1:1: warning: virtual_server 127.0.0.1 8080 has no protocol; keepalived's default UDP is used (add protocol TCP, UDP or SCTP)
                FILE: 0 errors, 3 warnings

                """),
        Case(
            name: "unknown lb_kind and an unknown scheduler",
            text: """
                virtual_server 127.0.0.1 8080 {
                    lb_algo rrr
                    lb_kind NATT
                    protocol TCP
                }

                """,
            status: 1,
            report: """
                FILE:2:13: error: unknown lb_algo "rrr"; use one of rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos
                FILE:3:13: error: unknown lb_kind "NATT"; use NAT, DR, TUN or PROXY
                FILE:1:1: warning: virtual_server 127.0.0.1 8080 has no lb_algo; keepalived's default wlc is used
                FILE:1:1: warning: virtual_server 127.0.0.1 8080 has no lb_kind; keepalived's default NAT is used (ipvsadm's is DR)
                FILE: 2 errors, 2 warnings

                """),
        Case(
            name: "unclosed block",
            text: """
                virtual_server 127.0.0.1 8080 {
                    lb_algo rr
                    protocol TCP
                    real_server 127.0.0.1 9001 {
                        weight 1

                """,
            status: 1,
            report: """
                FILE:4:32: error: block of "real_server" is never closed; add "}" at its end
                FILE:1:31: error: block of "virtual_server" is never closed; add "}" at its end
                FILE:1:1: warning: virtual_server 127.0.0.1 8080 has no lb_kind; keepalived's default NAT is used (ipvsadm's is DR)
                FILE: 2 errors, 1 warning

                """),
        Case(
            name: "missing include",
            text: """
                include missing-services.conf
                virtual_server 127.0.0.1 8080 {
                    lb_kind PROXY
                    protocol TCP
                }

                """,
            status: 1,
            report: """
                FILE:1:9: error: cannot read included file "DIR/missing-services.conf": no such file; check the path
                FILE:2:1: warning: virtual_server 127.0.0.1 8080 has no lb_algo; keepalived's default wlc is used
                FILE: 1 error, 1 warning

                """),
        Case(
            name: "service defined twice",
            text: """
                virtual_server 127.0.0.1 8080 {
                    lb_kind PROXY
                    protocol TCP
                    real_server 127.0.0.1 9001 {
                        weight 9
                    }
                }
                virtual_server 127.0.0.1 8080 {
                    lb_kind PROXY
                    protocol TCP
                }

                """,
            status: 1,
            report: """
                FILE:1:1: warning: virtual_server 127.0.0.1 8080 has no lb_algo; keepalived's default wlc is used
                FILE:8:1: warning: virtual_server 127.0.0.1 8080 has no lb_algo; keepalived's default wlc is used
                FILE:8:1: error: virtual service TCP 127.0.0.1:8080 is defined twice (first at FILE:1:1); remove one of them
                FILE: 1 error, 2 warnings

                """),
        Case(
            name: "undefined group",
            text: """
                virtual_server group WEB {
                    lb_kind PROXY
                    protocol TCP
                }

                """,
            status: 1,
            report: """
                FILE:1:1: error: virtual_server_group "WEB" is not defined; define virtual_server_group WEB { … } or fix the name
                FILE:1:1: warning: virtual_server group WEB has no lb_algo; keepalived's default wlc is used
                FILE: 1 error, 1 warning

                """),
        Case(
            name: "NAT is valid content; the packet engine it needs is a note",
            text: """
                virtual_server 127.0.0.1 8080 {
                    lb_kind NAT
                    protocol TCP
                    real_server 10.0.0.1 80 {
                    }
                }
                virtual_server 127.0.0.2 0 {
                    lb_algo rr
                    lb_kind DR
                    persistence_timeout 60
                    protocol UDP
                    real_server 10.0.0.2 {
                    }
                }

                """,
            status: 0,
            report: """
                FILE:1:1: warning: virtual_server 127.0.0.1 8080 has no lb_algo; keepalived's default wlc is used
                FILE:4:5: note: TCP 127.0.0.1:8080 and 1 more virtual service are served by the packet engine: lvsd --config starts it, which needs root (CAP_NET_RAW and CAP_NET_ADMIN) and nft; its interfaces are chosen from the routes unless --interface names them
                FILE: 0 errors, 1 warning

                """),
        Case(
            name: "a firewall-mark service is valid, with notes on marking and on the packet engine",
            text: """
                virtual_server fwmark 7 {
                    lb_algo rr
                    lb_kind NAT
                    real_server 10.0.0.1 80 {
                    }
                    real_server 10.0.0.2 80 {
                    }
                }

                """,
            status: 0,
            report: """
                FILE:1:1: note: FWM 7 takes the TCP and UDP packets that netfilter marks 7 to an address of this director: set the mark in the mangle table's PREROUTING chain and make the virtual addresses local, as for IPVS (docs/packet-engine.md)
                FILE:4:5: note: FWM 7 is served by the packet engine: lvsd --config starts it, which needs root (CAP_NET_RAW and CAP_NET_ADMIN) and nft; its interfaces are chosen from the routes unless --interface names them
                FILE: 0 errors, 0 warnings

                """),
        Case(
            name: "a firewall-mark service with proxied real servers and no content_switch naming it is refused",
            text: """
                virtual_server fwmark 7 {
                    lb_algo rr
                    lb_kind PROXY
                    real_server 10.0.0.1 80 {
                    }
                }

                """,
            status: 1,
            report: """
                FILE:1:1: note: FWM 7 takes the TCP and UDP packets that netfilter marks 7 to an address of this director: set the mark in the mangle table's PREROUTING chain and make the virtual addresses local, as for IPVS (docs/packet-engine.md)
                FILE:4:5: error: add real server 10.0.0.1:80 to FWM 7 refused: The proxy engine serves a firewall-mark service only as a content-switching group: name it in a content_switch block (group NAME 7), or use -m, -g or -i
                FILE: 1 error, 0 warnings

                """),
        Case(
            name: "content_switch: a bad regex and an unknown group are errors at their tokens; groups get a note",
            text: """
                virtual_server 127.0.0.1 8080 {
                    lb_algo rr
                    lb_kind PROXY
                    protocol TCP
                    content_switch {
                        group api 101
                        rule api {
                            path_regex (unclosed
                            use_group nosuch
                        }
                        default_group api
                    }
                }

                virtual_server fwmark 101 {
                    lb_algo rr
                    lb_kind PROXY
                    real_server 10.0.0.1 80 {
                    }
                }

                """,
            status: 1,
            report: """
                FILE:8:13: error: invalid regular expression "(unclosed"
                FILE:9:23: error: unknown group "nosuch"; declare it with group nosuch MARK
                FILE:15:1: note: FWM 101 is the group api of content-switched TCP 127.0.0.1:8080: only its rules send requests to it
                FILE: 2 errors, 0 warnings

                """),
        Case(
            name: "a SIP service: persistence_engine sip with ops (reference §4.14)",
            text: """
                virtual_server 127.0.0.1 5060 {
                    lb_algo rr
                    lb_kind PROXY
                    protocol UDP
                    persistence_timeout 60
                    persistence_engine sip
                    ops
                    real_server 127.0.0.1 5061 {
                    }
                }

                """,
            status: 0, report: "FILE: 0 errors, 0 warnings\n"),
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
            arguments: ["--dry-run"], status: 0,
            report: """
                FILE:1:1: warning: virtual_server 127.0.0.1 8080 has no lb_algo; keepalived's default wlc is used
                FILE: 0 errors, 1 warning

                """),
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
        let expected = testCase.report.replacingOccurrences(of: "DIR", with: directory.path)
            .replacingOccurrences(of: "FILE", with: path)
        #expect(result.standardOutput == expected)
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
        #expect(
            result.standardOutput == """
                \(path):1:1: error: cannot read the configuration file: No such file or directory; check the path and its permissions
                \(path): 1 error, 0 warnings

                """)
        directory.remove()
    }

    @Test("--check-config with --config is refused")
    func withConfig() async throws {
        let result = try await Subprocess.run("lvsd", ["--check-config", "a.conf", "--config", "b.conf"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("--check-config checks its own file and starts nothing"))
    }
}
