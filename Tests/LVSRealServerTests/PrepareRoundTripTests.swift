import Foundation
import Testing

/// prepare → status → prepare again → undo inside a namespace this test creates (addresses and
/// /proc/sys/net/ipv4/conf/* are per network namespace, so nothing outside it changes).
@Suite(.serialized) struct PrepareRoundTripTests {
    static let vip = "207.175.44.110"

    @Test(.enabled(if: NamespaceSupport.shouldRun, "needs root, ip and /dev/net/tun"))
    func prepareStatusUndo() throws {
        guard NamespaceSupport.requirementsMet() else { return }
        let suffix = NamespaceSupport.uniqueSuffix()
        let namespace = try TestNamespace("lvsrs-\(suffix)")
        defer { namespace.remove() }
        let device = "rs\(suffix)"
        try IP.run(["-n", namespace.name, "link", "add", device, "type", "veth", "peer", "name", "rp\(suffix)"])
        let stateFile = "/tmp/lvsrs-state-\(suffix)"
        defer { try? FileManager.default.removeItem(atPath: stateFile) }
        let options = ["--vip", Self.vip, "--method", "dr", "--interface", device, "--state-file", stateFile]
        let sysctls = [
            "net/ipv4/conf/all/arp_ignore", "net/ipv4/conf/all/arp_announce", "net/ipv4/conf/\(device)/arp_ignore",
            "net/ipv4/conf/\(device)/arp_announce",
        ]
        // A fresh namespace starts with the kernel defaults and rp_filter 1 on the interface to
        // show that prepare records and restores a non-default original.
        let before = try sysctls.map { try IP.sysctl($0, in: namespace.name) }
        #expect(before == ["0", "0", "0", "0"])
        _ = try HelperProcess.run(
            #require(HelperProcess.tool("ip")),
            ["netns", "exec", namespace.name, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/conf/\(device)/rp_filter"])
        #expect(try IP.sysctl("net/ipv4/conf/\(device)/rp_filter", in: namespace.name) == "1")

        let missing = try HelperProcess.realServer(in: namespace.name, ["status"] + options)
        #expect(missing.status == 1)
        #expect(
            missing.standardOutput.contains(
                "MISSING  \(Self.vip)/32 on lo\n         fix: ip address add \(Self.vip)/32 dev lo\n"))
        #expect(
            missing.standardOutput.contains(
                "MISSING  net.ipv4.conf.\(device).rp_filter = 1 (needs 0: ")
                && missing.standardOutput.contains("fix: sysctl -w net.ipv4.conf.\(device).rp_filter=0\n"))

        let prepared = try HelperProcess.realServer(in: namespace.name, ["prepare"] + options)
        #expect(prepared.status == 0, "\(prepared.standardError)")
        #expect(
            prepared.standardOutput == """
                done: ip address add \(Self.vip)/32 dev lo
                done: sysctl -w net.ipv4.conf.all.arp_ignore=1 (was 0)
                done: sysctl -w net.ipv4.conf.all.arp_announce=2 (was 0)
                done: sysctl -w net.ipv4.conf.\(device).arp_ignore=1 (was 0)
                done: sysctl -w net.ipv4.conf.\(device).arp_announce=2 (was 0)
                already: net.ipv4.conf.all.rp_filter = 0
                done: sysctl -w net.ipv4.conf.\(device).rp_filter=0 (was 1)

                """)
        #expect(try sysctls.map { try IP.sysctl($0, in: namespace.name) } == ["1", "2", "1", "2"])
        #expect(try IP.sysctl("net/ipv4/conf/\(device)/rp_filter", in: namespace.name) == "0")
        #expect(try IP.run(["-n", namespace.name, "-o", "address", "show", "dev", "lo"]).contains("\(Self.vip)/32"))
        let state = try String(contentsOfFile: stateFile, encoding: .utf8)
        #expect(
            state == """
                # lvs-realserver state: what prepare changed, for undo
                address \(Self.vip)/32 lo
                sysctl net/ipv4/conf/all/arp_ignore 0
                sysctl net/ipv4/conf/all/arp_announce 0
                sysctl net/ipv4/conf/\(device)/arp_ignore 0
                sysctl net/ipv4/conf/\(device)/arp_announce 0
                sysctl net/ipv4/conf/\(device)/rp_filter 1

                """)

        let inPlace = try HelperProcess.realServer(in: namespace.name, ["status"] + options)
        #expect(inPlace.status == 0)
        #expect(!inPlace.standardOutput.contains("MISSING"))
        #expect(inPlace.standardOutput.hasPrefix("ok       \(Self.vip)/32 on lo\n"))

        // Idempotent: a second prepare changes nothing and keeps the first originals.
        let again = try HelperProcess.realServer(in: namespace.name, ["prepare"] + options)
        #expect(again.status == 0)
        #expect(!again.standardOutput.contains("done:"))
        #expect(again.standardOutput.components(separatedBy: "already:").count - 1 == 7)
        #expect(try String(contentsOfFile: stateFile, encoding: .utf8) == state)

        // status without --vip finds the VIPs in the state file.
        let fromState = try HelperProcess.realServer(
            in: namespace.name, ["status", "--interface", device, "--state-file", stateFile])
        #expect(fromState.status == 0)
        #expect(fromState.standardOutput.hasPrefix("ok       \(Self.vip)/32 on lo\n"))

        let undone = try HelperProcess.realServer(in: namespace.name, ["undo", "--state-file", stateFile])
        #expect(undone.status == 0, "\(undone.standardError)")
        #expect(
            undone.standardOutput == """
                done: ip address del \(Self.vip)/32 dev lo
                done: sysctl -w net.ipv4.conf.all.arp_ignore=0
                done: sysctl -w net.ipv4.conf.all.arp_announce=0
                done: sysctl -w net.ipv4.conf.\(device).arp_ignore=0
                done: sysctl -w net.ipv4.conf.\(device).arp_announce=0
                done: sysctl -w net.ipv4.conf.\(device).rp_filter=1

                """)
        #expect(try sysctls.map { try IP.sysctl($0, in: namespace.name) } == ["0", "0", "0", "0"])
        #expect(try IP.sysctl("net/ipv4/conf/\(device)/rp_filter", in: namespace.name) == "1")
        #expect(try !IP.run(["-n", namespace.name, "-o", "address", "show", "dev", "lo"]).contains(Self.vip))
        #expect(!FileManager.default.fileExists(atPath: stateFile))
        let afterUndo = try HelperProcess.realServer(in: namespace.name, ["status"] + options)
        #expect(afterUndo.status == 1)
    }
}
