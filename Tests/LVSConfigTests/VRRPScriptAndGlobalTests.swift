import LVSCore
import Testing

@testable import LVSConfig

/// vrrp_script, vrrp_sync_group and the VRRP items of global_defs.
@Suite struct VRRPScriptAndGlobalTests {
    @Test func scriptKeywords() throws {
        let result = Support.parse(
            """
            vrrp_script chk_haproxy {
                script "/usr/bin/pgrep -x haproxy"
                interval 2
                timeout 1.5
                weight -20 reverse
                rise 3
                fall 2
                user keepalived_script keepalived
                init_fail
            }
            vrrp_script bare {
                script /bin/check one two
            }

            """)
        #expect(Support.lines(result) == [])
        let script = try #require(result.configuration.vrrpScript(named: "chk_haproxy"))
        #expect(
            script.command
                == ScriptCommand(command: "/usr/bin/pgrep -x haproxy", user: "keepalived_script", group: "keepalived"))
        #expect(script.interval == .seconds(2) && script.timeout == .milliseconds(1500))
        #expect(script.weight == -20 && script.reverse && script.rise == 3 && script.fall == 2 && script.initFail)
        let bare = try #require(result.configuration.vrrpScript(named: "bare"))
        #expect(bare.command == ScriptCommand(command: "/bin/check one two"))
        #expect(bare.interval == nil && bare.weight == nil && bare.rise == nil && !bare.reverse && !bare.initFail)
    }

    @Test func scriptMistakes() {
        let result = Support.parse(
            """
            vrrp_script a {
                interval 0
                weight 254
                rise 0
                weight 5 backwards
            }
            vrrp_script b {
                script "/bin/true"
            }
            vrrp_script b {
                script "/bin/false"
            }

            """)
        #expect(
            Support.lines(result) == [
                "keepalived.conf:2:14: warning: interval must be above 0; 1 second is used",
                "keepalived.conf:3:12: error: weight \"254\" is not a number from -253 to 253",
                "keepalived.conf:4:10: error: rise 0 is out of range; use 1 to 2147483647",
                "keepalived.conf:5:14: error: unknown weight option \"backwards\"; use reverse",
                "keepalived.conf:1:1: error: vrrp_script a needs a script, e.g. script \"/usr/bin/pgrep haproxy\"",
                "keepalived.conf:10:13: error: vrrp_script \"b\" is defined twice (first at keepalived.conf:7:1); rename one",
            ])
    }

    @Test func syncGroupKeywords() throws {
        let result = Support.parse(
            """
            vrrp_script chk { script "/bin/true" }
            vrrp_sync_group VG_1 {
                group {
                    VI_1
                    VI_2 VI_3
                }
                notify_master "/usr/local/bin/vg master"
                notify_backup /usr/local/bin/vg-backup
                notify_fault /usr/local/bin/vg-fault
                notify_stop /usr/local/bin/vg-stop
                notify /usr/local/bin/vg-any
                track_interface {
                    eth2 weight -10
                }
                track_script {
                    chk weight 5 noreverse
                }
                sync_group_tracking_weight
                smtp_alert no
            }
            vrrp_instance VI_1 {
                interface eth0
                virtual_router_id 1
            }
            vrrp_instance VI_2 {
                interface eth0
                virtual_router_id 2
            }
            vrrp_instance VI_3 {
                interface eth1
                virtual_router_id 1
            }

            """)
        #expect(Support.lines(result) == [])
        let group = try #require(result.configuration.vrrpSyncGroups.first)
        #expect(group.name == "VG_1" && group.members == ["VI_1", "VI_2", "VI_3"])
        #expect(group.notify.master?.command == "/usr/local/bin/vg master" && group.notify.any != nil)
        #expect(group.notify.backup != nil && group.notify.fault != nil && group.notify.stop != nil)
        #expect(group.trackedInterfaces == [VRRPTrackedInterface(name: "eth2", weight: -10)])
        #expect(group.trackedScripts == [VRRPTrackedScript(name: "chk", weight: 5, reverse: false)])
        #expect(group.trackingWeight && group.smtpAlert == false)
    }

    @Test func globalVRRPItems() throws {
        let result = Support.parse(
            """
            global_defs {
                router_id DIRECTOR_A
                default_interface eth0
                notify_fifo /run/keepalived.fifo
                notify_fifo_script /usr/local/bin/fifo.sh
                vrrp_notify_fifo /run/vrrp.fifo
                vrrp_notify_fifo_script "/usr/local/bin/vrrp-fifo.sh arg" nobody
                vrrp_version 3
                vrrp_mcast_group4 224.0.0.19
                vrrp_mcast_group6 ff02::13
                vrrp_garp_master_delay 2
                vrrp_garp_master_repeat 4
                vrrp_garp_master_refresh 120
                vrrp_garp_master_refresh_repeat 2
                vrrp_garp_lower_prio_delay 3
                vrrp_garp_lower_prio_repeat 1
                vrrp_garp_interval 0.001
                vrrp_gna_interval 0.000001
                vrrp_min_garp true
                vrrp_garp_extra_if 60 all
                vrrp_lower_prio_no_advert
                vrrp_higher_prio_send_advert off
                vrrp_skip_check_adv_addr
                vrrp_check_unicast_src
                vrrp_strict
                vrrp_down_timer_adverts 4
                vrrp_priority -10
                vrrp_no_swap
                vrrp_rt_priority 50
                vrrp_startup_delay 5.5
            }

            """)
        #expect(Support.lines(result) == [])
        let g = result.configuration.globalDefinitions
        #expect(g.routerID == "DIRECTOR_A" && g.defaultInterface == "eth0")
        #expect(g.notifyFifo == "/run/keepalived.fifo" && g.notifyFifoScript?.command == "/usr/local/bin/fifo.sh")
        let v = g.vrrp
        #expect(v.notifyFifo == "/run/vrrp.fifo")
        #expect(v.notifyFifoScript == ScriptCommand(command: "/usr/local/bin/vrrp-fifo.sh arg", user: "nobody"))
        #expect(
            v.version == .v3 && v.multicastGroup4 == IPAddress("224.0.0.19")
                && v.multicastGroup6 == IPAddress("ff02::13"))
        #expect(v.gratuitousARP.masterDelay == .seconds(2) && v.gratuitousARP.masterRepeat == 4)
        #expect(v.gratuitousARP.masterRefresh == .seconds(120) && v.gratuitousARP.masterRefreshRepeat == 2)
        #expect(v.gratuitousARP.lowerPriorityDelay == .seconds(3) && v.gratuitousARP.lowerPriorityRepeat == 1)
        #expect(v.garpInterval == .milliseconds(1) && v.gnaInterval == .microseconds(1) && v.minimalGARP == true)
        #expect(v.garpExtraInterface == VRRPExtraInterfaceGARP(interval: .seconds(60), allInterfaces: true))
        #expect(v.lowerPriorityNoAdvert == true && v.higherPrioritySendAdvert == false)
        #expect(v.skipCheckAdvertisementAddresses == true && v.checkUnicastSource == true && v.strict == true)
        #expect(v.downTimerAdverts == 4 && v.processPriority == -10 && v.noSwap && v.realtimePriority == 50)
        #expect(v.startupDelay == .milliseconds(5500))
    }

    @Test func globalVRRPMistakes() {
        let result = Support.parse(
            """
            global_defs {
                vrrp_version 1
                vrrp_mcast_group4 192.0.2.1
                vrrp_mcast_group6 224.0.0.18
                vrrp_priority 20
                vrrp_rt_priority 0
                vrrp_garp_extra_if all
                vrrp_ipsets keepalived
            }

            """)
        #expect(
            Support.lines(result) == [
                "keepalived.conf:2:18: error: vrrp_version \"1\" is not a VRRP version; use 2 or 3",
                "keepalived.conf:3:23: error: vrrp_mcast_group4 192.0.2.1 is not an IPv4 multicast address",
                "keepalived.conf:4:23: error: vrrp_mcast_group6 224.0.0.18 is not an IPv6 multicast address",
                "keepalived.conf:5:19: error: vrrp_priority \"20\" is not a nice value; use -20 to 19",
                "keepalived.conf:6:22: error: vrrp_rt_priority 0 is out of range; use 1 to 99",
                "keepalived.conf:7:5: error: vrrp_garp_extra_if needs a number of seconds",
                "keepalived.conf:8:5: warning: global_defs vrrp_ipsets is not supported by lvsd; ignored",
            ])
    }

    @Test func globalDefaultsApplyToInstancesThatDoNotOverride() throws {
        let result = Support.parse(
            """
            vrrp_instance A {
                interface eth0
                virtual_router_id 1
            }
            vrrp_instance B {
                interface eth0
                virtual_router_id 2
                version 2
                mcast_dst_ip 224.0.0.20
            }
            global_defs {
                vrrp_version 3
                vrrp_mcast_group4 224.0.0.19
            }

            """)
        #expect(Support.lines(result) == [])
        let g = result.configuration.globalDefinitions.vrrp
        let a = try #require(result.configuration.vrrpInstance(named: "A"))
        let b = try #require(result.configuration.vrrpInstance(named: "B"))
        #expect(a.version == nil && a.effectiveVersion(g) == .v3 && b.effectiveVersion(g) == .v2)
        #expect(a.effectiveMulticastDestination(g) == IPAddress("224.0.0.19"))
        #expect(b.effectiveMulticastDestination(g) == IPAddress("224.0.0.20"))
    }
}
