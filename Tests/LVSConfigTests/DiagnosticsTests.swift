import Testing

@testable import LVSConfig

/// Broken files and the exact diagnostics they produce (file:line:column: severity: message).
@Suite struct DiagnosticsTests {
    /// A minimal valid service around `body` (the service starts on line 1, `body` on line 5).
    private func service(_ body: String, header: String = "192.0.2.1 80") -> String {
        "virtual_server \(header) {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n\(body)\n}\n"
    }

    private func expectDiagnostics(
        _ text: String, _ expected: [String], files: [String: String] = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let result = Support.parse(text, files: files)
        #expect(Support.lines(result) == expected, sourceLocation: sourceLocation)
    }

    static let mistakes: [(String, String, [String])] = [
        (
            "unknown lb_kind", "virtual_server 192.0.2.1 80 {\n    lb_algo rr\n    lb_kind NATT\n    protocol TCP\n}\n",
            [
                "keepalived.conf:3:13: error: unknown lb_kind \"NATT\"; use NAT, DR, TUN or PROXY",
                "keepalived.conf:1:1: warning: virtual_server 192.0.2.1 80 has no lb_kind; keepalived's default NAT is used (ipvsadm's is DR)",
            ]
        ),
        (
            "unknown scheduler",
            "virtual_server 192.0.2.1 80 {\n    lvs_sched rrr\n    lb_kind NAT\n    protocol TCP\n}\n",
            [
                "keepalived.conf:2:15: error: unknown lvs_sched \"rrr\"; use one of rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos",
                "keepalived.conf:1:1: warning: virtual_server 192.0.2.1 80 has no lb_algo; keepalived's default wlc is used",
            ]
        ),
        (
            "bad address", "virtual_server 192.0.2.300 80 {\n}\n",
            [
                "keepalived.conf:1:16: error: virtual_server address \"192.0.2.300\" is not an IP address; write an IPv4 address such as 192.0.2.10 or an IPv6 address such as 2001:db8::10"
            ]
        ),
        (
            "port out of range", "virtual_server 192.0.2.1 70000 {\n}\n",
            ["keepalived.conf:1:26: error: port 70000 is out of range; use 0 to 65535"]
        ),
        (
            "weight not a number",
            "virtual_server 192.0.2.1 80 {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n    real_server 10.0.0.1 80 {\n        weight ten\n    }\n}\n",
            ["keepalived.conf:6:16: error: weight \"ten\" is not a number; use a whole number from 0 to 2147483647"]
        ),
        (
            "persistence out of range",
            "virtual_server 192.0.2.1 80 {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n    persistence_timeout 0\n}\n",
            ["keepalived.conf:5:25: error: persistence_timeout 0 is out of range; use 1 to 2678400"]
        ),
        (
            "bad granularity",
            "virtual_server 192.0.2.1 80 {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n    persistence_timeout 60\n    persistence_granularity 255.255.0\n}\n",
            [
                "keepalived.conf:6:29: error: persistence_granularity \"255.255.0\" is neither an IPv4 netmask nor an IPv6 prefix length; write e.g. 255.255.255.0 or 64"
            ]
        ),
        (
            "unknown protocol",
            "virtual_server 192.0.2.1 80 {\n    lb_algo rr\n    lb_kind NAT\n    protocol ICMP\n}\n",
            [
                "keepalived.conf:4:14: error: unknown protocol \"ICMP\"; use TCP, UDP or SCTP",
                "keepalived.conf:1:1: warning: virtual_server 192.0.2.1 80 has no protocol; keepalived's default UDP is used (add protocol TCP, UDP or SCTP)",
            ]
        ),
        (
            "undefined group", "virtual_server group WEB {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n}\n",
            [
                "keepalived.conf:1:1: error: virtual_server_group \"WEB\" is not defined; define virtual_server_group WEB { … } or fix the name"
            ]
        ),
        (
            "missing value",
            "virtual_server 192.0.2.1 80 {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n    delay_loop\n}\n",
            ["keepalived.conf:5:5: error: delay_loop needs a value, e.g. delay_loop 6"]
        ),
        (
            "bad timer",
            "virtual_server 192.0.2.1 80 {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n    delay_loop 6s\n}\n",
            ["keepalived.conf:5:16: error: delay_loop \"6s\" is not a time; write seconds such as 6 or 2.5"]
        ),
        (
            "proxy_protocol without PROXY",
            "virtual_server 192.0.2.1 80 {\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n    proxy_protocol v2\n}\n",
            [
                "keepalived.conf:1:1: error: proxy_protocol and transparent_source need lb_kind PROXY, not DR; change lb_kind or remove them"
            ]
        ),
        (
            "unknown proxy_protocol",
            "virtual_server 192.0.2.1 80 {\n    lb_algo rr\n    lb_kind PROXY\n    protocol TCP\n    proxy_protocol v3\n}\n",
            ["keepalived.conf:5:20: error: unknown proxy_protocol \"v3\"; use v1 or v2"]
        ),
        (
            "GUE without port",
            "virtual_server 192.0.2.1 80 {\n    lb_algo rr\n    lb_kind TUN type gue\n    protocol TCP\n}\n",
            [
                "keepalived.conf:3:13: error: TUN type gue needs a port, e.g. lb_kind TUN type gue port 6080",
                "keepalived.conf:1:1: warning: virtual_server 192.0.2.1 80 has no lb_kind; keepalived's default NAT is used (ipvsadm's is DR)",
            ]
        ),
        (
            "thresholds reversed",
            "virtual_server 192.0.2.1 80 {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n    real_server 10.0.0.1 80 {\n        uthreshold 50\n        lthreshold 100\n    }\n}\n",
            ["keepalived.conf:5:5: error: lthreshold 100 is above uthreshold 50; make lthreshold the smaller one"]
        ),
        (
            "bad status code",
            "virtual_server 192.0.2.1 80 {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n    real_server 10.0.0.1 80 {\n        HTTP_GET {\n            url {\n                path /\n                status_code 200-600\n            }\n        }\n    }\n}\n",
            [
                "keepalived.conf:9:29: error: status_code \"200-600\" is not a status code or range; use codes from 100 to 599, e.g. 200 or 200-299"
            ]
        ),
        (
            "bad digest",
            "virtual_server 192.0.2.1 80 {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n    real_server 10.0.0.1 80 {\n        SSL_GET {\n            url {\n                path /\n                digest 1234\n            }\n        }\n    }\n}\n",
            [
                "keepalived.conf:9:24: error: digest \"1234\" is not an MD5 digest; write 32 hexadecimal digits (genhash prints it)"
            ]
        ),
        (
            "MISC_CHECK without path",
            "virtual_server 192.0.2.1 80 {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n    real_server 10.0.0.1 80 {\n        MISC_CHECK {\n            misc_timeout 5\n        }\n    }\n}\n",
            ["keepalived.conf:6:9: error: MISC_CHECK needs misc_path, e.g. misc_path \"/usr/local/bin/check.sh\""]
        ),
        (
            "HTTP_GET without url",
            "virtual_server 192.0.2.1 80 {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n    real_server 10.0.0.1 80 {\n        HTTP_GET {\n            connect_timeout 3\n        }\n    }\n}\n",
            ["keepalived.conf:6:9: error: HTTP_GET needs at least one url { path / } block"]
        ),
        (
            "family mismatch",
            "virtual_server 192.0.2.1 80 {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n    real_server 2001:db8::1 80 {\n    }\n}\n",
            [
                "keepalived.conf:5:5: error: real_server 2001:db8::1 is not of the family of TCP 192.0.2.1:80; use addresses of one family (only TUN may mix)"
            ]
        ),
        (
            "duplicate virtual server",
            "virtual_server 192.0.2.1 80 {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n}\nvirtual_server 192.0.2.1 80 {\n    lb_algo wrr\n    lb_kind NAT\n    protocol TCP\n}\n",
            [
                "keepalived.conf:6:1: error: virtual service TCP 192.0.2.1:80 is defined twice (first at keepalived.conf:1:1); remove one of them"
            ]
        ),
        (
            "mixed engines",
            "virtual_server 192.0.2.1 80 {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n    real_server 10.0.0.1 80 {\n        lb_kind PROXY\n    }\n    real_server 10.0.0.2 80 {\n    }\n}\n",
            [
                "keepalived.conf:1:1: error: virtual_server 192.0.2.1 80 mixes lb_kind PROXY real servers with NAT, DR or TUN ones; one engine serves a service, so use one kind"
            ]
        ),
        (
            "range backwards", "virtual_server_group G {\n    192.0.2.10-5 80\n}\n",
            [
                "keepalived.conf:2:5: error: address range \"192.0.2.10-5\" ends before it starts; write the lower address first"
            ]
        ),
        (
            "bad lvs_timeouts", "global_defs {\n    lvs_timeouts tcp 900 fin 60\n}\n",
            ["keepalived.conf:2:26: error: unknown lvs_timeouts item \"fin\"; use tcp, tcpfin or udp"]
        ),
        (
            "real_server without address",
            "virtual_server 192.0.2.1 80 {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n    real_server {\n    }\n}\n",
            [
                "keepalived.conf:5:5: error: real_server needs an address and optional port, e.g. real_server 192.0.2.10 80 {"
            ]
        ),
    ]

    @Test(arguments: 0..<mistakes.count) func brokenFileGivesExactDiagnostics(index: Int) {
        let (_, text, expected) = Self.mistakes[index]
        expectDiagnostics(text, expected)
    }

    @Test func atLeastFifteenDistinctMistakesAreCovered() {
        #expect(Set(Self.mistakes.map(\.0)).count >= 15)
        // Each mistake's first diagnostic is a different message.
        #expect(Set(Self.mistakes.compactMap(\.2.first)).count == Self.mistakes.count)
    }

    @Test func manyMistakesInOneFileAreAllReported() {
        let text = service("    weight x\n    delay_loop y\n    real_server 10.0.0.1 80 {\n        weight z\n    }")
        let result = Support.parse(text)
        #expect(result.errors.map(\.location.line) == [5, 6, 8])
        #expect(result.hasErrors)
    }

    @Test func errorsInIncludedFilesNameThatFile() {
        expectDiagnostics(
            "include svc/*.conf\n",
            [
                "svc/web.conf:3:13: error: unknown lb_kind \"NATT\"; use NAT, DR, TUN or PROXY",
                "svc/web.conf:1:1: warning: virtual_server 192.0.2.1 80 has no lb_kind; keepalived's default NAT is used (ipvsadm's is DR)",
            ],
            files: [
                "svc/web.conf": "virtual_server 192.0.2.1 80 {\n    lb_algo rr\n    lb_kind NATT\n    protocol TCP\n}\n"
            ])
    }

    @Test func adminCommandsThrowsEveryError() throws {
        var configuration = KeepalivedConfiguration()
        configuration.virtualServers = [
            VirtualServer(location: ConfigurationLocation(file: "x", line: 1, column: 1), address: .group("NOPE"))
        ]
        do {
            _ = try configuration.adminCommands()
            Issue.record("no error")
        } catch {
            #expect(
                error.diagnostics.map(\.description) == [
                    "x:1:1: error: virtual_server_group \"NOPE\" is not defined; define virtual_server_group NOPE { … } or fix the name"
                ])
        }
    }
}
