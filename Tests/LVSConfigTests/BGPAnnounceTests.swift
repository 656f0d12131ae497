import Testing

@testable import LVSConfig

/// `bgp_announce { … }` (docs/configuration.md §12).
@Suite struct BGPAnnounceTests {
    @Test func everyKeywordAndTheDefaults() {
        let full = Support.parse(
            """
            bgp_announce {
                include_file /run/lvsd/bird-vips.conf
                bird_socket /run/lvsd/bird.ctl
                protocol_name vips
                require any
                bird_command "/usr/sbin/bird -f -c /etc/lvsd/bird.conf -s /run/lvsd/bird.ctl"
            }

            """)
        #expect(Support.lines(full).isEmpty)
        let b = full.configuration.bgpAnnounce
        #expect(b?.includeFile == "/run/lvsd/bird-vips.conf")
        #expect(b?.birdSocket == "/run/lvsd/bird.ctl")
        #expect(b?.protocolName == "vips")
        #expect(b?.requirement == .any)
        #expect(b?.birdCommand == "/usr/sbin/bird -f -c /etc/lvsd/bird.conf -s /run/lvsd/bird.ctl")
        let minimal = Support.parse("bgp_announce {\n  include_file /etc/bird/lvsd.conf\n}\n")
        #expect(Support.lines(minimal).isEmpty)
        #expect(minimal.configuration.bgpAnnounce?.birdSocket == "/run/bird/bird.ctl")
        #expect(minimal.configuration.bgpAnnounce?.protocolName == "lvsd_vips")
        #expect(minimal.configuration.bgpAnnounce?.requirement == .all)
        #expect(minimal.configuration.bgpAnnounce?.birdCommand == nil)
        #expect(Support.parse("global_defs {\n}\n").configuration.bgpAnnounce == nil)
    }

    @Test func errorsNameTheFix() {
        let cases: [(String, String)] = [
            ("bgp_announce {\n}\n", "keepalived.conf:1:1: error: bgp_announce needs include_file"),
            ("bgp_announce {\n include_file bird.conf\n}\n", "must be an absolute path"),
            ("bgp_announce {\n include_file /a\n require most\n}\n", "require \"most\" is not all or any"),
            ("bgp_announce {\n include_file /a\n protocol_name 9x\n}\n", "is not a BIRD symbol"),
            ("bgp_announce\n", "bgp_announce needs a block"),
            (
                "bgp_announce {\n include_file /a\n}\nbgp_announce {\n include_file /b\n}\n",
                "bgp_announce is given twice (first at keepalived.conf:1:1)"
            ),
        ]
        for (text, message) in cases {
            let result = Support.parse(text)
            #expect(result.hasErrors, "\(text)")
            #expect(Support.lines(result).contains { $0.contains(message) }, "\(Support.lines(result))")
        }
        let bad = Support.parse("bgp_announce {\n include_file /a\n require most\n}\n")
        #expect(bad.configuration.bgpAnnounce == nil)
        let unknown = Support.parse("bgp_announce {\n include_file /a\n next_hop 1.2.3.4\n}\n")
        #expect(!unknown.hasErrors)
        #expect(Support.lines(unknown).first?.contains("unknown keyword \"next_hop\" in bgp_announce") == true)
    }
}
