import LVSConfig
import LVSCore
import LVSVRRP
import LVSVRRPTransport
import Testing

@testable import LVSDaemon

/// A configuration's VRRP part as the driver runs it: keepalived's defaults, the global ones, and
/// what the system's interfaces supply.
@Suite struct VRRPPlanTests {
    struct Facts: VRRPInterfaceFacts {
        var table: [String: [IPAddress]] = [
            "eth0": [IPAddress(ipv4: 0x0A00_0001), IPAddress(ipv6High: 0xFE80_0000_0000_0000, low: 0x1)],
            "eth1": [IPAddress(ipv4: 0xAC10_0001)],
            "eth2": [],
        ]
        func addresses(of interface: String) -> [IPAddress]? { table[interface] }
    }

    static func plan(_ text: String) throws -> VRRPPlan {
        let parsed = KeepalivedConfigurationParser(fileSystem: InMemoryFileSystem()).parse(text: text)
        #expect(!parsed.hasErrors, "\(parsed.diagnostics)")
        return try VRRPPlan(parsed.configuration, facts: Facts())
    }

    static func address(_ text: String) -> IPAddress {
        IPAddress.parseIPv4(text) ?? IPAddress.parseIPv6(text) ?? .ipv4Any
    }

    @Test func keepalivedsDefaultsAndTheInterfacesPrimaryAddress() throws {
        let plan = try Self.plan(
            """
            vrrp_instance VI_1 {
                interface eth0
                virtual_router_id 51
                virtual_ipaddress {
                    192.168.1.100/24 dev eth1 label eth1:vip
                    192.168.1.101
                }
            }
            """)
        let instance = try #require(plan.instances.first)
        #expect(instance.machine.version == .v2)
        #expect(instance.machine.priority == 100)
        #expect(instance.machine.initialState == .backup)
        #expect(instance.machine.advertisementIntervalCentiseconds == 100)
        #expect(instance.machine.gratuitous == VRRPGratuitousSettings())
        #expect(instance.source == Self.address("10.0.0.1"))
        #expect(instance.socket.destinations == [Self.address("224.0.0.18")])
        #expect(instance.expectations.authentication == .none)
        #expect(instance.addresses.map(\.device) == ["eth1", "eth0"])
        #expect(instance.addresses.map(\.prefixLength) == [24, 32])
        #expect(instance.addresses.first?.label == "eth1:vip")
        // The instance's own interface is tracked (FAULT when it goes down), as keepalived does.
        #expect(instance.machine.trackedObjects.map(\.name) == ["interface eth0"])
        #expect(plan.managedAddresses == [Self.address("192.168.1.100"), Self.address("192.168.1.101")])
        #expect(plan.interfaces == ["eth0"])
    }

    @Test func stateMasterWithoutPriorityIsTheOwner() throws {
        let plan = try Self.plan(
            """
            vrrp_instance VI_1 {
                state MASTER
                interface eth0
                virtual_router_id 7
                virtual_ipaddress {
                    192.168.1.100
                }
            }
            """)
        #expect(plan.instances.first?.machine.priority == 255)
        #expect(plan.instances.first?.machine.initialState == .master)
    }

    @Test func versionThreeUnicastAuthenticationAndTracking() throws {
        let plan = try Self.plan(
            """
            global_defs {
                vrrp_version 3
                vrrp_garp_master_repeat 2
                vrrp_garp_interval 0.01
            }
            vrrp_script chk {
                script "/bin/true"
                weight -30
            }
            vrrp_instance VI_1 {
                interface eth0
                virtual_router_id 9
                priority 120
                advert_int 0.25
                unicast_src_ip 10.0.0.5
                unicast_peer {
                    10.0.0.2 min_ttl 250
                }
                track_interface {
                    eth1 weight -20
                }
                track_script {
                    chk
                }
                garp_master_delay 0
                virtual_ipaddress {
                    192.168.1.100
                }
            }
            vrrp_instance VI_2 {
                interface eth0
                version 2
                virtual_router_id 10
                authentication {
                    auth_type AH
                    auth_pass longersecret
                }
                virtual_ipaddress {
                    192.168.1.101
                }
            }
            """)
        let first = try #require(plan.instances.first)
        #expect(first.machine.version == .v3)
        #expect(first.machine.advertisementIntervalCentiseconds == 25)
        #expect(first.machine.usesUnicastPeers)
        #expect(first.source == Self.address("10.0.0.5"))
        #expect(first.socket.destinations == [Self.address("10.0.0.2")])
        #expect(
            first.expectations.unicastPeers == [VRRPUnicastPeer(address: Self.address("10.0.0.2"), minimumTTL: 250)])
        #expect(first.machine.gratuitous.masterRepeat == 2)
        #expect(first.machine.gratuitous.masterDelay == .zero)
        #expect(first.machine.gratuitous.spacing == .milliseconds(10))
        #expect(
            first.machine.trackedObjects == [
                VRRPTrackedObject(name: "interface eth0", kind: .interface),
                VRRPTrackedObject(name: "interface eth1", kind: .interface, weight: -20),
                VRRPTrackedObject(name: "script chk", kind: .script, weight: -30),
            ])
        #expect(plan.scripts.map(\.tracker.name) == ["chk"])
        let second = try #require(plan.instances.last)
        #expect(second.machine.version == .v2)
        #expect(second.expectations.authentication == .authenticationHeader(Array("longerse".utf8)))
        #expect(second.socket.ipProtocol == 51)
    }

    @Test func ipv6UsesTheLinkLocalSourceAndVersionThree() throws {
        let plan = try Self.plan(
            """
            vrrp_instance VI_6 {
                interface eth0
                virtual_router_id 60
                virtual_ipaddress {
                    fd00:99::100/64
                }
            }
            """)
        let instance = try #require(plan.instances.first)
        #expect(instance.machine.version == .v3)
        #expect(instance.source == Self.address("fe80::1"))
        #expect(instance.socket.destinations == [Self.address("ff02::12")])
    }

    @Test func aMissingInterfaceOrSourceAddressIsAnErrorThatSaysSo() throws {
        #expect(throws: VRRPPlanError.self) {
            try Self.plan(
                """
                vrrp_instance VI_1 {
                    interface eth9
                    virtual_router_id 1
                    virtual_ipaddress {
                        192.168.1.100
                    }
                }
                """)
        }
        do {
            _ = try Self.plan(
                """
                vrrp_instance VI_1 {
                    interface eth2
                    virtual_router_id 1
                    virtual_ipaddress {
                        192.168.1.100
                    }
                }
                """)
            Issue.record("an interface without an address was accepted")
        } catch {
            #expect("\(error)".contains("interface eth2 has no IPv4 address"))
        }
    }

    @Test func syncGroupsAndUseVMAC() throws {
        let plan = try Self.plan(
            """
            vrrp_sync_group G1 {
                group {
                    OUT
                    IN
                }
            }
            vrrp_instance OUT {
                interface eth0
                virtual_router_id 1
                use_vmac
                virtual_ipaddress {
                    192.168.1.100
                }
            }
            vrrp_instance IN {
                interface eth1
                virtual_router_id 2
                virtual_ipaddress {
                    172.16.0.254/24
                }
            }
            """)
        #expect(plan.groups.map(\.machine) == [VRRPSyncGroupConfiguration(name: "G1", members: ["OUT", "IN"])])
        let out = try #require(plan.instances.first)
        #expect(out.virtualMAC?.name == "vrrp.1")
        #expect(
            "\(out.virtualMAC?.mac ?? VirtualMACManager.virtualMAC(virtualRouterID: 0, family: .inet))"
                == "00:00:5e:00:01:01")
        #expect(out.socket.interfaceName == "vrrp.1")
        #expect(out.addresses.first?.device == "vrrp.1")
    }
}
