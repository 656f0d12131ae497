import Foundation
import LVSCore
import Testing

@testable import LVSConfig

/// The VRRP configurations in `Configurations/vrrp/`, read from disk: a two-director pair that
/// must parse without a word, and files with the constructs of keepalived's own samples that must
/// parse without an error (their warnings are what keepalived itself would log, or what lvsd
/// does not support).
@Suite struct VRRPConfigurationFileTests {
    private func load(_ name: String) throws -> (KeepalivedParseResult, warnings: [String]) {
        let directory = try Support.configurationsDirectory() + "/vrrp"
        let result = KeepalivedConfigurationParser(fileSystem: SystemFileSystem()).parse(
            path: "\(directory)/\(name).conf")
        return (result, result.diagnostics.map { $0.description.replacingOccurrences(of: directory + "/", with: "") })
    }

    @Test func twoDirectorsOfOnePairParseWithoutAWord() throws {
        let (a, aWarnings) = try load("director-a")
        let (b, bWarnings) = try load("director-b")
        #expect(aWarnings == [] && bWarnings == [])
        let global = a.configuration.globalDefinitions.vrrp
        for (mine, theirs) in zip(a.configuration.vrrpInstances, b.configuration.vrrpInstances) {
            // The peers agree on everything the protocol compares (RFC 5798 §5.2).
            #expect(mine.name == theirs.name && mine.virtualRouterID == theirs.virtualRouterID)
            #expect(mine.virtualAddresses == theirs.virtualAddresses)
            #expect(mine.effectiveVersion(global) == theirs.effectiveVersion(global))
            #expect(
                mine.effectiveAdvertisementInterval(version: .v3) == theirs.effectiveAdvertisementInterval(version: .v3)
            )
            #expect(mine.effectivePriority != theirs.effectivePriority)
        }
        let web = try #require(a.configuration.vrrpInstance(named: "WEB"))
        #expect(web.effectiveInitialState == .master && web.effectivePriority == 150)
        #expect(web.effectiveVersion(global) == .v3)
        #expect(web.effectiveAdvertisementInterval(version: .v3) == .milliseconds(500))
        #expect(web.trackedScripts.map(\.name) == ["chk_lvsd", "chk_uplink"])
        #expect(web.excludedVirtualAddresses.map(\.address) == [IPAddress("192.0.2.81")])
        let mail = try #require(b.configuration.vrrpInstance(named: "MAIL"))
        #expect(mail.effectiveInitialState == .backup && !mail.effectivePreempt)
        #expect(mail.unicastPeers.map(\.address) == [IPAddress("192.0.2.2")])
        #expect(a.configuration.vrrpSyncGroups.first?.members == ["WEB", "GATEWAY"])
        #expect(a.configuration.globalDefinitions.lvsSyncDaemon?.vrrpInstance == "GATEWAY")
        #expect(global.gratuitousARP.masterDelay == .seconds(2) && global.garpInterval == .milliseconds(1))
        #expect(a.configuration.vrrpScript(named: "chk_uplink")?.weight == -30)
    }

    @Test(arguments: [
        (
            "multiple-instances",
            [
                "multiple-instances.conf:29:9: warning: virtual address 198.51.100.11 is listed twice in this instance; it is ignored"
            ]
        ),
        ("sync-groups", []),
        ("local-checks", []),
        (
            "sync-daemon",
            [
                "sync-daemon.conf:5:5: warning: unknown keyword \"S2\" in vrrp_sync_group; it is ignored (check the spelling)",
                "sync-daemon.conf:6:5: warning: unknown keyword \"S3\" in vrrp_sync_group; it is ignored (check the spelling)",
                "sync-daemon.conf:4:1: warning: vrrp_sync_group SYNCED has no group { … } block naming its instances; it is ignored",
                "sync-daemon.conf:12:5: warning: lvs_sync_daemon_interface is deprecated; write lvs_sync_daemon eth1 S1 in global_defs (used as such)",
            ]
        ),
        (
            "tracked-interfaces",
            [
                "tracked-interfaces.conf:8:1: warning: static_routes is not yet supported; the block is read for syntax only and ignored",
                "tracked-interfaces.conf:27:5: warning: vrrp_instance virtual_routes is not supported by lvsd; ignored",
            ]
        ),
        ("ipv6", []),
    ])
    func keepalivedSampleConstructsGiveNoError(name: String, expected: [String]) throws {
        let (result, warnings) = try load(name)
        #expect(!result.hasErrors)
        #expect(warnings == expected)
    }

    @Test func sampleConstructsAreTyped() throws {
        let (multiple, _) = try load("multiple-instances")
        let outside = try #require(multiple.configuration.vrrpInstance(named: "OUTSIDE_A"))
        #expect(outside.authentication == VRRPAuthenticationSettings(type: .password, password: Array("pw21".utf8)))
        #expect(outside.gratuitousARP.masterDelay == .seconds(8) && outside.smtpAlert == true)
        #expect(outside.virtualAddresses.map(\.prefixLength) == [32, 32])
        let (checks, _) = try load("local-checks")
        let checked = try #require(checks.configuration.vrrpInstance(named: "CHECKED_1"))
        #expect(
            checked.trackedInterfaces == [
                VRRPTrackedInterface(name: "eth1", weight: 4), VRRPTrackedInterface(name: "eth2", weight: -4),
                VRRPTrackedInterface(name: "eth3"),
            ])
        #expect(
            checked.trackedScripts == [
                VRRPTrackedScript(name: "chk_nginx"), VRRPTrackedScript(name: "chk_proxy", weight: 4),
                VRRPTrackedScript(name: "chk_web_port"),
            ])
        #expect(checks.configuration.vrrpScript(named: "chk_web_port")?.command?.command == "</dev/tcp/127.0.0.1/8080")
        let (groups, _) = try load("sync-groups")
        #expect(groups.configuration.vrrpSyncGroups.map(\.members) == [["F1", "F2", "F3"], ["B1", "B2"]])
        #expect(
            groups.configuration.vrrpInstance(named: "F1")?.notify.fault?.command
                == "/usr/local/sbin/f1-state   FAULT   F1")
        let (vlan, _) = try load("tracked-interfaces")
        let vlanInstance = try #require(vlan.configuration.vrrpInstances.first)
        #expect(vlanInstance.interface == "eth0.12" && vlanInstance.trackedInterfaces.map(\.name) == ["eth0", "eth1"])
        #expect(vlanInstance.virtualAddresses.map(\.device) == [nil, "eth1", "eth2"])
        let (v6, _) = try load("ipv6")
        let router = try #require(v6.configuration.vrrpInstances.first)
        #expect(router.addressFamily == .inet6 && router.effectiveVersion(VRRPGlobalDefinitions()) == .v3)
        #expect(router.virtualAddresses.first?.address.isIPv6LinkLocal == true)
        #expect(router.effectiveAdvertisementInterval(version: .v3) == .milliseconds(200))
    }
}
