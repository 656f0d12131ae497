import LVSCore
import Testing

@testable import LVSConfig

/// What keepalived would accept with a log line: unknown keywords, capabilities not built yet,
/// and the defaults it applies.
@Suite struct WarningTests {
    @Test func unknownKeywordsAreIgnoredWithAWarning() throws {
        let result = Support.parse(
            "global_defs {\n    router_idd X\n}\nvirtual_server 192.0.2.1 80 {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n    colour blue\n    real_server 10.0.0.1 80 {\n        wieght 2\n        TCP_CHECK {\n            connect_tmeout 3\n        }\n    }\n}\nfoo bar\n"
        )
        #expect(
            Support.lines(result) == [
                "keepalived.conf:2:5: warning: unknown keyword \"router_idd\" in global_defs; it is ignored (check the spelling)",
                "keepalived.conf:8:5: warning: unknown keyword \"colour\" in virtual_server; it is ignored (check the spelling)",
                "keepalived.conf:10:9: warning: unknown keyword \"wieght\" in real_server; it is ignored (check the spelling)",
                "keepalived.conf:12:13: warning: unknown keyword \"connect_tmeout\" in TCP_CHECK; it is ignored (check the spelling)",
                "keepalived.conf:16:1: warning: unknown keyword \"foo\" in the top level; it is ignored (check the spelling)",
            ])
        #expect(!result.hasErrors)
        #expect(
            try Support.save(result.configuration.adminCommands())
                == "-A -t 192.0.2.1:80 -s rr\n-a -t 192.0.2.1:80 -r 10.0.0.1:80 -m -w 1\n")
    }

    @Test func blocksNotSupportedAreReadForSyntaxOnly() {
        let result = Support.parse(
            "static_ipaddress {\n  192.0.2.9/24 dev lo\n}\nvrrp_track_process p {\n  process haproxy\n}\ngarp_group {\n  garp_interval 1\n}\nglobal_defs {\n  vrrp_iptables\n  vrrp_garp_master_dely 5\n}\n"
        )
        #expect(
            Support.lines(result) == [
                "keepalived.conf:1:1: warning: static_ipaddress is not yet supported; the block is read for syntax only and ignored",
                "keepalived.conf:4:1: warning: vrrp_track_process is not supported by lvsd; the block is ignored",
                "keepalived.conf:7:1: warning: garp_group is not supported by lvsd; the block is ignored",
                "keepalived.conf:11:3: warning: global_defs vrrp_iptables is not supported by lvsd; ignored",
                "keepalived.conf:12:3: warning: unknown keyword \"vrrp_garp_master_dely\" in global_defs; it is ignored (check the spelling)",
            ])
        #expect(
            result.configuration.unsupportedBlocks.map(\.keyword) == [
                "static_ipaddress", "vrrp_track_process", "garp_group",
            ])
    }

    @Test func keepalivedDefaultsApplyWithWarnings() throws {
        // No protocol (UDP), no lb_kind (NAT), no lb_algo (wlc), port 0 (persistence forced).
        let result = Support.parse("virtual_server 192.0.2.1 0 {\n    real_server 10.0.0.1 {\n    }\n}\n")
        #expect(
            Support.lines(result) == [
                "keepalived.conf:1:1: warning: virtual_server 192.0.2.1 0 has no protocol; keepalived's default UDP is used (add protocol TCP, UDP or SCTP)",
                "keepalived.conf:1:1: warning: virtual_server 192.0.2.1 0 has no lb_algo; keepalived's default wlc is used",
                "keepalived.conf:1:1: warning: virtual_server 192.0.2.1 0 has no lb_kind; keepalived's default NAT is used (ipvsadm's is DR)",
                "keepalived.conf:1:1: warning: virtual service UDP 192.0.2.1:0 serves every port but is not persistent; keepalived makes it persistent for 360 s (add persistence_timeout)",
            ])
        #expect(
            try Support.save(result.configuration.adminCommands())
                == "-A -u 192.0.2.1:0 -s wlc -p 360\n-a -u 192.0.2.1:0 -r 10.0.0.1:0 -m -w 1\n")
    }

    @Test func realServerPortRulesOfDirectRouting() throws {
        let result = Support.parse(
            "virtual_server 192.0.2.1 80 {\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n  ops\n  sh-port\n  hysteresis 2\n  quorum 2\n  real_server 10.0.0.1 8080 {\n  }\n  real_server 10.0.0.2 {\n  }\n  real_server 10.0.0.2 80 {\n  }\n}\n"
        )
        #expect(
            Support.lines(result) == [
                "keepalived.conf:6:3: warning: sh-port only applies to the sh scheduler, not rr; it is ignored",
                "keepalived.conf:1:1: warning: hysteresis 2 must be below quorum 2; 1 is used",
                "keepalived.conf:1:1: warning: ops only applies to UDP and fwmark services; it is ignored for TCP 192.0.2.1:80",
                "keepalived.conf:9:3: warning: real_server 10.0.0.1 8080: DR cannot change the port, so 80 is used; use NAT or PROXY to map ports",
                "keepalived.conf:13:3: warning: real_server 10.0.0.2:80 is listed twice in this virtual server; the second is ignored",
            ])
        #expect(
            try Support.save(result.configuration.adminCommands())
                == "-A -t 192.0.2.1:80 -s rr\n-a -t 192.0.2.1:80 -r 10.0.0.1:80 -g -w 1\n-a -t 192.0.2.1:80 -r 10.0.0.2:80 -g -w 1\n"
        )
    }
}
