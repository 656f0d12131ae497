import LVSCore
import Testing

@testable import LVSConfig

/// Checks that need a whole instance, the global defaults or the whole file, reported where
/// keepalived 2.2 would complain.
@Suite struct VRRPCrossCheckTests {
    @Test func requiredKeywordsAndNames() {
        let result = Support.parse(
            """
            global_defs {
                default_interface eth9
            }
            vrrp_instance A {
                priority 50
            }
            vrrp_instance A {
                interface eth0
                virtual_router_id 9
            }
            vrrp_instance U {
                virtual_router_id 10
                unicast_peer {
                    192.0.2.3
                }
            }
            vrrp_instance {
            }

            """)
        #expect(
            Support.lines(result) == [
                "keepalived.conf:7:15: error: vrrp_instance \"A\" is defined twice (first at keepalived.conf:4:1); rename one",
                "keepalived.conf:17:1: error: vrrp_instance needs a name, e.g. vrrp_instance VI_1 {",
                "keepalived.conf:4:1: error: vrrp_instance A has no virtual_router_id; add virtual_router_id 1..255 (the same on every peer)",
                "keepalived.conf:4:1: error: vrrp_instance A has no interface; add e.g. interface eth0 (default_interface eth9 only applies to static addresses)",
                "keepalived.conf:11:1: error: vrrp_instance U uses unicast without an interface; add interface or unicast_src_ip",
            ])
    }

    @Test func unicastWithSourceAddressNeedsNoInterface() {
        let result = Support.parse(
            "vrrp_instance U {\n  virtual_router_id 10\n  unicast_src_ip 192.0.2.2\n  unicast_peer {\n    192.0.2.3\n  }\n}\n"
        )
        #expect(Support.lines(result) == [])
    }

    @Test func duplicateRouterIDsOnOneInterfaceAndFamily() {
        let result = Support.parse(
            """
            vrrp_instance A {
                interface eth0
                virtual_router_id 7
            }
            vrrp_instance B {
                interface eth0
                virtual_router_id 7
            }
            vrrp_instance OtherInterface {
                interface eth1
                virtual_router_id 7
            }
            vrrp_instance OtherFamily {
                interface eth0
                virtual_router_id 7
                virtual_ipaddress {
                    2001:db8::7
                }
            }
            vrrp_instance OtherGroup {
                interface eth0
                virtual_router_id 7
                mcast_dst_ip 224.0.0.99
            }
            vrrp_instance UnicastA {
                interface eth0
                virtual_router_id 7
                unicast_peer {
                    192.0.2.3
                }
            }
            vrrp_instance UnicastB {
                interface eth0
                virtual_router_id 7
                unicast_peer {
                    192.0.2.3
                }
            }

            """)
        #expect(
            Support.lines(result) == [
                "keepalived.conf:7:5: error: vrrp_instance B uses virtual_router_id 7 like vrrp_instance A (keepalived.conf:1:1) on the same interface and family; give each a different VRID",
                "keepalived.conf:34:5: error: vrrp_instance UnicastB uses virtual_router_id 7 like vrrp_instance UnicastA (keepalived.conf:25:1) on the same interface and family; give each a different VRID",
            ])
    }

    @Test func preemptionAndOwnerWarnings() throws {
        let result = Support.parse(
            """
            vrrp_instance M {
                state MASTER
                interface eth0
                virtual_router_id 1
                priority 150
                nopreempt
                preempt_delay 10
            }
            vrrp_instance O {
                state BACKUP
                interface eth0
                virtual_router_id 2
                priority 255
                nopreempt
            }

            """)
        #expect(
            Support.lines(result) == [
                "keepalived.conf:6:5: warning: vrrp_instance M: nopreempt does not work with state MASTER; it is ignored (use state BACKUP on every peer)",
                "keepalived.conf:7:5: warning: vrrp_instance M: preempt_delay does not work with state MASTER; it is ignored",
                "keepalived.conf:14:5: warning: vrrp_instance O: nopreempt has no effect with priority 255 (the address owner always takes over); it is ignored",
            ])
        #expect(try #require(result.configuration.vrrpInstance(named: "M")).effectivePreempt)
        #expect(try #require(result.configuration.vrrpInstance(named: "O")).effectivePreempt)
    }

    @Test func versionAuthenticationAndInterval() throws {
        let result = Support.parse(
            """
            vrrp_instance V3 {
                interface eth0
                virtual_router_id 1
                version 3
                advert_int 0.125
                authentication {
                    auth_type PASS
                    auth_pass secret
                }
            }
            vrrp_instance V2 {
                interface eth0
                virtual_router_id 2
                advert_int 2.5
                authentication {
                    auth_pass secret
                }
            }
            vrrp_instance V6 {
                interface eth0
                virtual_router_id 3
                version 2
                virtual_ipaddress {
                    fe80::1
                    2001:db8::1/64
                }
                authentication {
                    auth_type AH
                    auth_pass secret
                }
            }

            """)
        #expect(
            Support.lines(result) == [
                "keepalived.conf:5:5: warning: vrrp_instance V3: advert_int 0.125 is used as 0.13 s (VRRPv3 carries hundredths of a second up to 40.95)",
                "keepalived.conf:6:5: warning: vrrp_instance V3: VRRP version 3 has no authentication (RFC 5798 §9); it is ignored",
                "keepalived.conf:14:5: warning: vrrp_instance V2: advert_int 2.5 is used as 3 s (VRRPv2 carries whole seconds from 1 to 255)",
                "keepalived.conf:15:5: warning: vrrp_instance V2: authentication has no auth_type; it is ignored (add auth_type PASS)",
                "keepalived.conf:22:5: warning: vrrp_instance V6: VRRP version 2 is defined for IPv4 only (RFC 3768); lvsd uses version 3 for IPv6 — keepalived only does so with vrrp_strict, so set version 3 on the keepalived peers too",
                "keepalived.conf:27:5: warning: vrrp_instance V6: VRRP version 3 has no authentication (RFC 5798 §9); it is ignored",
            ])
        let v6 = try #require(result.configuration.vrrpInstance(named: "V6"))
        #expect(v6.addressFamily == .inet6 && v6.effectiveVersion(VRRPGlobalDefinitions()) == .v3)
        #expect(v6.effectiveMulticastDestination(VRRPGlobalDefinitions()) == IPAddress("ff02::12"))
    }

    @Test func unicastPeerOfAnotherFamily() throws {
        let result = Support.parse(
            """
            vrrp_instance U {
                interface eth0
                virtual_router_id 4
                unicast_src_ip 192.0.2.2
                unicast_peer {
                    2001:db8::3
                    192.0.2.3
                    192.0.2.3
                }
                mcast_dst_ip 224.0.0.18
            }

            """)
        #expect(
            Support.lines(result) == [
                "keepalived.conf:6:9: error: unicast_peer 2001:db8::3 is IPv6 but this instance is IPv4 (from unicast_src_ip 192.0.2.2); peers must be of the instance's family",
                "keepalived.conf:8:9: warning: unicast_peer 192.0.2.3 is listed twice; the second is ignored",
                "keepalived.conf:10:5: warning: vrrp_instance U: mcast_dst_ip is ignored with unicast_peer",
            ])
        #expect(try #require(result.configuration.vrrpInstances.first).unicastPeers.count == 1)
    }

    @Test func namesThatMustExist() {
        let result = Support.parse(
            """
            global_defs {
                lvs_sync_daemon eth1 inst VI_9 id 3
            }
            vrrp_script chk { script "/bin/true" }
            vrrp_instance VI_1 {
                interface eth0
                virtual_router_id 1
                track_script {
                    chk
                    chk_typo weight 2
                }
            }
            vrrp_sync_group G1 {
                group {
                    VI_1
                    VI_2
                }
                track_script {
                    missing
                }
            }
            vrrp_sync_group G2 {
                group {
                    VI_1
                }
            }
            vrrp_sync_group G3 {
                VI_1
            }

            """)
        #expect(
            Support.lines(result) == [
                "keepalived.conf:28:5: warning: unknown keyword \"VI_1\" in vrrp_sync_group; it is ignored (check the spelling)",
                "keepalived.conf:27:1: warning: vrrp_sync_group G3 has no group { … } block naming its instances; it is ignored",
                "keepalived.conf:10:9: error: vrrp_instance VI_1 tracks vrrp_script \"chk_typo\", which is not defined; define vrrp_script chk_typo { … } or fix the name",
                "keepalived.conf:19:9: error: vrrp_sync_group G1 tracks vrrp_script \"missing\", which is not defined; define vrrp_script missing { … } or fix the name",
                "keepalived.conf:16:9: error: vrrp_sync_group G1 names vrrp_instance \"VI_2\", which is not defined; define it or fix the name",
                "keepalived.conf:24:9: error: vrrp_instance VI_1 is already in vrrp_sync_group G1; an instance belongs to one sync group",
                "keepalived.conf:2:31: error: lvs_sync_daemon names vrrp_instance \"VI_9\", which is not defined; define it or fix the name",
            ])
    }

    @Test func deprecatedSyncDaemonInterfaceBecomesTheGlobalOne() throws {
        let result = Support.parse(
            "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n  lvs_sync_daemon_interface eth1\n}\n")
        #expect(
            Support.lines(result) == [
                "keepalived.conf:4:3: warning: lvs_sync_daemon_interface is deprecated; write lvs_sync_daemon eth1 VI_1 in global_defs (used as such)"
            ])
        let sync = try #require(result.configuration.globalDefinitions.lvsSyncDaemon)
        #expect(sync.interface == "eth1" && sync.vrrpInstance == "VI_1")
    }

    @Test func syncKeyFileIsKeptForTheSyncDaemons() throws {
        let result = Support.parse(
            "global_defs {\n  lvs_sync_daemon eth1 VI_1 id 7\n  lvs_sync_key_file /etc/lvsd/sync.key\n}\n"
                + "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n}\n")
        #expect(Support.lines(result).isEmpty)
        #expect(result.configuration.globalDefinitions.lvsSyncKeyFile == "/etc/lvsd/sync.key")
        let missing = Support.parse("global_defs {\n  lvs_sync_key_file\n}\n")
        #expect(Support.lines(missing).count == 1)
    }
}
