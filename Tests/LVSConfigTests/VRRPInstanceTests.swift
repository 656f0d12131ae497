import LVSCore
import Testing

@testable import LVSConfig

/// vrrp_instance keyword by keyword: the typed value, and the diagnostic of a mistake.
@Suite struct VRRPInstanceTests {
    /// `text` inside `vrrp_instance VI_1 { interface eth0; virtual_router_id 51; … }` (line 4 on).
    private func instance(_ text: String) -> (VRRPInstanceDefinition?, [String]) {
        let result = Support.parse("vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n\(text)}\n")
        return (result.configuration.vrrpInstances.first, Support.lines(result))
    }

    @Test func everyKeywordIsTyped() throws {
        let (parsed, lines) = instance(
            """
                state BACKUP
                priority 150
                advert_int 2
                version 2
                preempt
                preempt_delay 30.5
                unicast_src_ip 192.0.2.2
                unicast_peer {
                    192.0.2.3 min_ttl 250 max_ttl 255
                    192.0.2.4
                }
                unicast_ttl 64
                authentication {
                    auth_type PASS
                    auth_pass s3cret
                }
                virtual_ipaddress {
                    192.0.2.100/24 brd 192.0.2.255 dev eth1 scope global label eth1:vip
                    192.0.2.101 no_track
                    192.0.2.102/24 brd + scope 200
                }
                virtual_ipaddress_excluded {
                    2001:db8::100/64 dev eth1
                }
                track_interface {
                    eth1 weight -20
                    eth2 weight 10 reverse
                    eth3
                }
                garp_master_delay 10
                garp_master_repeat 3
                garp_master_refresh 60
                garp_master_refresh_repeat 2
                garp_lower_prio_delay 4
                garp_lower_prio_repeat 6
                lower_prio_no_advert
                higher_prio_send_advert no
                skip_check_adv_addr on
                check_unicast_src
                use_vmac vrrp.51 02:00:5e:00:01
                vmac_xmit_base
                no_accept
                dont_track_primary
                notify_master "/usr/local/bin/notify master" keepalived_script
                notify_backup /usr/local/bin/backup
                notify_fault "/usr/local/bin/notify fault" nobody nogroup
                notify_stop /usr/local/bin/stop
                notify /usr/local/bin/any
                notify_master_rx_lower_pri /usr/local/bin/lower
                smtp_alert
                debug 2
                down_timer_adverts 5
                strict_mode false
                v3_checksum_as_v2
                old_unicast_checksum never
                kernel_rx_buf_size 262144

            """)
        #expect(lines == [])
        let vrrp = try #require(parsed)
        #expect(vrrp.name == "VI_1" && vrrp.interface == "eth0" && vrrp.virtualRouterID == 51)
        #expect(vrrp.initialState == .backup && vrrp.priority == 150 && vrrp.version == .v2)
        #expect(vrrp.advertisementInterval == .seconds(2) && vrrp.noPreempt == false)
        #expect(vrrp.preemptDelay == .milliseconds(30_500))
        #expect(vrrp.sourceAddress == IPAddress("192.0.2.2") && vrrp.unicastTTL == 64)
        #expect(
            vrrp.unicastPeers == [
                VRRPUnicastPeerDefinition(
                    address: try #require(IPAddress("192.0.2.3")), minimumTTL: 250, maximumTTL: 255),
                VRRPUnicastPeerDefinition(address: try #require(IPAddress("192.0.2.4"))),
            ])
        #expect(vrrp.authentication == VRRPAuthenticationSettings(type: .password, password: Array("s3cret".utf8)))
        var first = VRRPVirtualAddress(address: try #require(IPAddress("192.0.2.100")), prefixLength: 24)
        first.broadcast = .address(try #require(IPAddress("192.0.2.255")))
        first.device = "eth1"
        first.scope = .global
        first.label = "eth1:vip"
        var second = VRRPVirtualAddress(address: try #require(IPAddress("192.0.2.101")))
        second.noTrack = true
        var third = VRRPVirtualAddress(address: try #require(IPAddress("192.0.2.102")), prefixLength: 24)
        third.broadcast = .allOnes
        third.scope = .number(200)
        #expect(vrrp.virtualAddresses == [first, second, third])
        #expect(second.prefixLength == 32 && third.scope?.value == 200)
        var excluded = VRRPVirtualAddress(address: try #require(IPAddress("2001:db8::100")), prefixLength: 64)
        excluded.device = "eth1"
        #expect(vrrp.excludedVirtualAddresses == [excluded])
        #expect(
            vrrp.trackedInterfaces == [
                VRRPTrackedInterface(name: "eth1", weight: -20),
                VRRPTrackedInterface(name: "eth2", weight: 10, reverse: true),
                VRRPTrackedInterface(name: "eth3"),
            ])
        var garp = VRRPGratuitousARPSettings()
        garp.masterDelay = .seconds(10)
        garp.masterRepeat = 3
        garp.masterRefresh = .seconds(60)
        garp.masterRefreshRepeat = 2
        garp.lowerPriorityDelay = .seconds(4)
        garp.lowerPriorityRepeat = 6
        #expect(vrrp.gratuitousARP == garp)
        #expect(vrrp.lowerPriorityNoAdvert == true && vrrp.higherPrioritySendAdvert == false)
        #expect(vrrp.skipCheckAdvertisementAddresses == true && vrrp.checkUnicastSource)
        #expect(vrrp.virtualMAC == VRRPVirtualMAC(interfaceName: "vrrp.51", address: [0x02, 0x00, 0x5E, 0x00, 0x01]))
        #expect(vrrp.virtualMACTransmitBase && vrrp.acceptMode == false && vrrp.dontTrackPrimary)
        #expect(vrrp.notify.master == ScriptCommand(command: "/usr/local/bin/notify master", user: "keepalived_script"))
        #expect(vrrp.notify.backup == ScriptCommand(command: "/usr/local/bin/backup"))
        #expect(
            vrrp.notify.fault == ScriptCommand(command: "/usr/local/bin/notify fault", user: "nobody", group: "nogroup")
        )
        #expect(vrrp.notify.stop?.command == "/usr/local/bin/stop" && vrrp.notify.any?.command == "/usr/local/bin/any")
        #expect(vrrp.notify.masterReceivedLowerPriority?.command == "/usr/local/bin/lower")
        #expect(vrrp.smtpAlert == true && vrrp.debugLevel == 2 && vrrp.downTimerAdverts == 5)
        #expect(vrrp.strictMode == false && vrrp.v3ChecksumAsV2 == true && vrrp.oldUnicastChecksum == .never)
        #expect(vrrp.kernelReceiveBufferSize == 262_144)
    }

    @Test func keywordsNotGivenStayNil() throws {
        let (parsed, lines) = instance("")
        #expect(lines == [])
        let vrrp = try #require(parsed)
        #expect(vrrp.initialState == nil && vrrp.priority == nil && vrrp.advertisementInterval == nil)
        #expect(vrrp.version == nil && vrrp.noPreempt == nil && vrrp.acceptMode == nil && vrrp.smtpAlert == nil)
        #expect(vrrp.gratuitousARP == VRRPGratuitousARPSettings() && vrrp.authentication == nil)
        #expect(vrrp.effectivePriority == 100 && vrrp.effectiveInitialState == .backup && vrrp.effectivePreempt)
        #expect(vrrp.effectiveVersion(VRRPGlobalDefinitions()) == .v2)
        #expect(vrrp.effectiveAdvertisementInterval(version: .v2) == .seconds(1))
        #expect(vrrp.effectiveMulticastDestination(VRRPGlobalDefinitions()) == IPAddress("224.0.0.18"))
    }

    @Test func stateMasterWithoutPriorityIsTheOwner() throws {
        // keepalived vrrp_complete_instance: no priority and state MASTER → 255.
        let (master, _) = instance("    state MASTER\n")
        #expect(try #require(master).effectivePriority == 255)
        let (owner, _) = instance("    priority 255\n")
        #expect(try #require(owner).effectiveInitialState == .master)
        let (backup, _) = instance("    state BACKUP\n")
        #expect(try #require(backup).effectivePriority == 100)
    }

    @Test func preemptAfterNopreemptTurnsItBackOn() throws {
        let (vrrp, lines) = instance("    nopreempt\n    preempt\n")
        #expect(lines == [])
        #expect(try #require(vrrp).noPreempt == false)
    }

    @Test(arguments: [
        (
            "    state master\n",
            "keepalived.conf:4:11: error: unknown state \"master\"; use MASTER or BACKUP (in capitals)"
        ),
        ("    priority 0\n", "keepalived.conf:4:14: error: priority 0 is out of range; use 1 to 255"),
        ("    priority 256\n", "keepalived.conf:4:14: error: priority 256 is out of range; use 1 to 255"),
        (
            "    advert_int 0.001\n",
            "keepalived.conf:4:16: error: advert_int 0.001 is out of range; use 0.01 to 255 seconds"
        ),
        (
            "    advert_int fast\n",
            "keepalived.conf:4:16: error: advert_int \"fast\" is not a time; write seconds such as 6 or 2.5"
        ),
        ("    version 4\n", "keepalived.conf:4:13: error: version \"4\" is not a VRRP version; use 2 or 3"),
        (
            "    preempt_delay 1001\n",
            "keepalived.conf:4:19: error: preempt_delay 1001 is out of range; use 0 to 1000 seconds"
        ),
        (
            "    down_timer_adverts 0\n",
            "keepalived.conf:4:24: error: down_timer_adverts 0 is out of range; use 1 to 100"
        ),
        ("    debug 5\n", "keepalived.conf:4:11: error: debug 5 is out of range; use 0 to 4"),
        (
            "    interface averyveryverylongname\n",
            "keepalived.conf:4:15: error: interface \"averyveryverylongname\" is not an interface name; use 1 to 15 characters without / or :"
        ),
        (
            "    mcast_dst_ip 192.0.2.1\n",
            "keepalived.conf:4:18: error: mcast_dst_ip 192.0.2.1 is not a multicast address; use e.g. 224.0.0.18 or ff02::12"
        ),
        (
            "    smtp_alert maybe\n",
            "keepalived.conf:4:16: error: smtp_alert \"maybe\" is not yes or no; write smtp_alert yes or smtp_alert no"
        ),
        (
            "    old_unicast_checksum always\n",
            "keepalived.conf:4:26: error: old_unicast_checksum takes nothing or never, not \"always\""
        ),
        (
            "    use_vmac 01:00:5e:00:01:33\n",
            "keepalived.conf:4:14: error: use_vmac \"01:00:5e:00:01:33\" is not a unicast MAC address; write 6 bytes (or 5, the VRID is appended) such as 02:00:5e:00:01"
        ),
        (
            "    authentication {\n        auth_type MD5\n    }\n",
            "keepalived.conf:5:19: error: unknown auth_type \"MD5\"; use PASS or AH"
        ),
        (
            "    virtual_ipaddress {\n        192.0.2.1/33\n    }\n",
            "keepalived.conf:5:9: error: prefix length of \"192.0.2.1/33\" is not a number from 0 to 32"
        ),
        (
            "    virtual_ipaddress {\n        192.0.2.1 dev\n    }\n",
            "keepalived.conf:5:19: error: dev of 192.0.2.1 needs a value"
        ),
        (
            "    virtual_ipaddress {\n        192.0.2.1 colour blue\n    }\n",
            "keepalived.conf:5:19: error: unknown option \"colour\" for virtual address 192.0.2.1; use brd, dev, scope, label or no_track"
        ),
        (
            "    virtual_ipaddress {\n        2001:db8::1 brd +\n    }\n",
            "keepalived.conf:5:21: error: brd only applies to IPv4 addresses; remove it"
        ),
        (
            "    unicast_peer {\n        192.0.2.3 ttl 3\n    }\n",
            "keepalived.conf:5:19: error: unknown unicast_peer option \"ttl\"; use min_ttl or max_ttl"
        ),
        (
            "    track_interface {\n        eth1 weight 300\n    }\n",
            "keepalived.conf:5:21: error: weight \"300\" is not a number from -253 to 253"
        ),
        (
            "    track_interface {\n        eth1 weight 5 upside-down\n    }\n",
            "keepalived.conf:5:23: error: unknown weight option \"upside-down\"; use reverse"
        ),
    ])
    func mistakesAreErrorsAtTheirWord(text: String, expected: String) {
        let (_, lines) = instance(text)
        #expect(lines == [expected])
    }

    @Test func correctionsKeepaliveMakesAreWarnings() throws {
        let (vrrp, lines) = instance(
            """
                authentication {
                    auth_type PASS
                    auth_pass 123456789
                }
                track_interface {
                    eth1 weight 254
                    eth1
                }
                garp_master_repeat 0
                virtual_ipaddress {
                    192.0.2.1
                    192.0.2.1 label eth0:1
                    2001:db8::1 scope link label x
                    192.0.2.2 preferred_lft forever
                }
                unicast_peer {
                    192.0.2.3 min_ttl 200 max_ttl 100
                }
                virtual_routes {
                    192.0.2.0/24 dev eth0
                }
                track_file {
                    f weight 1
                }
                garp_interval 0.01

            """)
        #expect(
            lines == [
                "keepalived.conf:6:19: warning: auth_pass is longer than 8 characters; only the first 8 are used, as keepalived does",
                "keepalived.conf:9:21: warning: weight 254 is not allowed; 253 is used",
                "keepalived.conf:10:9: warning: track_interface eth1 is listed twice in vrrp_instance VI_1; it is ignored",
                "keepalived.conf:12:24: warning: garp_master_repeat 0 means nothing would be sent; 1 is used",
                "keepalived.conf:15:9: warning: virtual address 192.0.2.1 is listed twice in this instance; it is ignored",
                "keepalived.conf:16:21: warning: scope only applies to IPv4 addresses; it is ignored",
                "keepalived.conf:16:32: warning: label only applies to IPv4 addresses; it is ignored",
                "keepalived.conf:16:9: error: virtual_ipaddress 2001:db8::1 is IPv6 but this instance is IPv4 (from virtual_ipaddress 192.0.2.1); one instance serves one family, so use a second vrrp_instance",
                "keepalived.conf:17:19: warning: virtual address option preferred_lft is not supported by lvsd; ignored",
                "keepalived.conf:20:9: warning: unicast_peer 192.0.2.3: min_ttl 200 is above max_ttl 100, so every advertisement from it is dropped",
                "keepalived.conf:22:5: warning: vrrp_instance virtual_routes is not supported by lvsd; ignored",
                "keepalived.conf:25:5: warning: vrrp_instance track_file is not supported by lvsd; ignored",
                "keepalived.conf:28:5: warning: garp_interval is not a vrrp_instance keyword in keepalived 2.2; set vrrp_garp_interval in global_defs (lvsd does not support garp_group); it is ignored",
            ])
        let parsed = try #require(vrrp)
        #expect(parsed.authentication?.password == Array("12345678".utf8))
        #expect(parsed.trackedInterfaces == [VRRPTrackedInterface(name: "eth1", weight: 253)])
        #expect(parsed.gratuitousARP.masterRepeat == 1)
        #expect(parsed.virtualAddresses.map(\.address) == [IPAddress("192.0.2.1"), IPAddress("192.0.2.2")])
    }

    @Test func advertisementIntervalIsRoundedPerVersion() {
        var vrrp = VRRPInstanceDefinition(name: "x", location: ConfigurationLocation(file: "f", line: 1, column: 1))
        vrrp.advertisementInterval = .milliseconds(1500)
        #expect(vrrp.effectiveAdvertisementInterval(version: .v2) == .seconds(2))
        #expect(vrrp.effectiveAdvertisementInterval(version: .v3) == .milliseconds(1500))
        vrrp.advertisementInterval = .milliseconds(400)
        #expect(vrrp.effectiveAdvertisementInterval(version: .v2) == .seconds(1))
        vrrp.advertisementInterval = .microseconds(12_345)
        #expect(vrrp.effectiveAdvertisementInterval(version: .v3) == .milliseconds(10))
        vrrp.advertisementInterval = .seconds(100)
        #expect(vrrp.effectiveAdvertisementInterval(version: .v3) == .milliseconds(40_950))
        #expect(vrrp.effectiveAdvertisementInterval(version: .v2) == .seconds(100))
    }
}
