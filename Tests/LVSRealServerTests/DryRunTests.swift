import Foundation
import Testing

/// `--dry-run` prints exactly the commands each subcommand would run and changes nothing;
/// none of this needs root.
@Suite struct DryRunTests {
    static let kernelHasIPIP =
        FileManager.default.fileExists(atPath: "/sys/module/ipip")
        || FileManager.default.fileExists(atPath: "/sys/class/net/tunl0")

    @Test func prepareDirectRouting() throws {
        let result = try HelperProcess.realServer(
            ["prepare", "--vip", "207.175.44.110", "--method", "dr", "--interface", "eth1", "--dry-run"])
        #expect(result.status == 0)
        #expect(result.standardError == "")
        #expect(
            result.standardOutput == """
                ip address add 207.175.44.110/32 dev lo
                sysctl -w net.ipv4.conf.all.arp_ignore=1
                sysctl -w net.ipv4.conf.all.arp_announce=2
                sysctl -w net.ipv4.conf.eth1.arp_ignore=1
                sysctl -w net.ipv4.conf.eth1.arp_announce=2
                sysctl -w net.ipv4.conf.all.rp_filter=0
                sysctl -w net.ipv4.conf.eth1.rp_filter=0

                """)
    }

    @Test func prepareDirectRoutingDefaultsToDRAndTakesIPv6() throws {
        let result = try HelperProcess.realServer(
            ["prepare", "--vip", "2001:db8:0:0::10", "--vip", "192.0.2.7", "--vip", "192.0.2.7", "--dry-run"])
        #expect(result.status == 0)
        #expect(
            result.standardOutput == """
                ip address add 2001:db8::10/128 dev lo
                ip address add 192.0.2.7/32 dev lo
                sysctl -w net.ipv4.conf.all.arp_ignore=1
                sysctl -w net.ipv4.conf.all.arp_announce=2
                sysctl -w net.ipv4.conf.all.rp_filter=0

                """)
    }

    @Test func prepareIPv6OnlyNeedsNoIPv4Sysctls() throws {
        let result = try HelperProcess.realServer(["prepare", "--vip", "2001:db8::1", "--dry-run"])
        #expect(result.status == 0)
        #expect(result.standardOutput == "ip address add 2001:db8::1/128 dev lo\n")
    }

    @Test func prepareTunnelling() throws {
        let result = try HelperProcess.realServer(
            ["prepare", "--vip", "207.175.44.110", "--method", "tun", "--interface", "veth21", "--dry-run"])
        #expect(result.status == 0)
        let expected: String
        if Self.kernelHasIPIP {
            expected = """
                ip address add 207.175.44.110/32 dev lo
                ip link set dev tunl0 up
                sysctl -w net.ipv4.conf.all.arp_ignore=1
                sysctl -w net.ipv4.conf.all.arp_announce=2
                sysctl -w net.ipv4.conf.veth21.arp_ignore=1
                sysctl -w net.ipv4.conf.veth21.arp_announce=2
                sysctl -w net.ipv4.conf.all.rp_filter=0
                sysctl -w net.ipv4.conf.veth21.rp_filter=0
                sysctl -w net.ipv4.conf.tunl0.rp_filter=0

                """
        } else {
            expected = """
                ip address add 207.175.44.110/32 dev lo
                sysctl -w net.ipv4.conf.all.arp_ignore=1
                sysctl -w net.ipv4.conf.all.arp_announce=2
                sysctl -w net.ipv4.conf.veth21.arp_ignore=1
                sysctl -w net.ipv4.conf.veth21.arp_announce=2
                sysctl -w net.ipv4.conf.all.rp_filter=0
                sysctl -w net.ipv4.conf.veth21.rp_filter=0
                note: this kernel has no ipip module; run `lvs-realserver decap --vip 207.175.44.110` to decapsulate in user space

                """
        }
        #expect(result.standardOutput == expected)
    }

    @Test func decap() throws {
        let result = try HelperProcess.realServer(
            ["decap", "--vip", "207.175.44.110", "--device", "lvstun7", "--dry-run"])
        #expect(result.status == 0)
        #expect(
            result.standardOutput == """
                open /dev/net/tun: TUNSETIFF lvstun7 (IFF_TUN | IFF_NO_PI)
                ip link set dev lvstun7 up
                sysctl -w net.ipv4.conf.lvstun7.rp_filter=0
                raw socket AF_INET protocol 4: IPv4 in IPv4
                raw socket AF_INET protocol 41: IPv6 in IPv4
                raw socket AF_INET6 protocol 4: IPv4 in IPv6
                raw socket AF_INET6 protocol 41: IPv6 in IPv6
                inject inner packets for 207.175.44.110 into lvstun7; drop the rest

                """)
    }

    @Test func undoFromStateFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lvsrs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
        # lvs-realserver state: what prepare changed, for undo
        address 207.175.44.110/32 lo
        sysctl net/ipv4/conf/all/arp_ignore 0
        sysctl net/ipv4/conf/eth0.100/rp_filter 1

        """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try HelperProcess.realServer(
            ["undo", "--state-file", path, "--vip", "198.51.100.9", "--dry-run"])
        #expect(result.status == 0)
        #expect(
            result.standardOutput == """
                ip address del 207.175.44.110/32 dev lo
                ip address del 198.51.100.9/32 dev lo
                sysctl -w net.ipv4.conf.all.arp_ignore=0
                sysctl -w net.ipv4.conf.eth0/100.rp_filter=1

                """)
        #expect(FileManager.default.fileExists(atPath: path), "a dry run leaves the state file")
    }

    @Test func undoWithNothingToUndo() throws {
        let result = try HelperProcess.realServer(["undo", "--state-file", "/nonexistent/lvs-rs-state", "--dry-run"])
        #expect(result.status == 1)
        #expect(result.standardOutput == "")
        #expect(
            result.standardError
                == "Error: nothing to undo: no state file at /nonexistent/lvs-rs-state and no --vip given\n")
    }

    @Test func badArgumentsAreUsageErrors() throws {
        let noVIP = try HelperProcess.realServer(["prepare", "--dry-run"])
        #expect(noVIP.status == 64)
        #expect(noVIP.standardError.hasPrefix("Error: give at least one --vip\n"))
        let badVIP = try HelperProcess.realServer(["prepare", "--vip", "207.175.44.300", "--dry-run"])
        #expect(badVIP.status == 64)
        #expect(badVIP.standardError.contains("'207.175.44.300'"))
        let badMethod = try HelperProcess.realServer(["prepare", "--vip", "10.0.0.1", "--method", "nat"])
        #expect(badMethod.status == 64)
        let badDevice = try HelperProcess.realServer(["decap", "--vip", "10.0.0.1", "--device", "a/b", "--dry-run"])
        #expect(badDevice.status == 64)
        #expect(badDevice.standardError.hasPrefix("Error: 'a/b' is not a valid interface name"))
    }

    /// Without CAP_NET_ADMIN every changing subcommand says so and changes nothing. As root,
    /// the helper runs as nobody through setpriv.
    @Test func withoutRootItSaysWhatItNeeds() throws {
        let arguments: [[String]] = [
            ["prepare", "--vip", "192.0.2.1", "--state-file", "/nonexistent/state"],
            ["decap", "--vip", "192.0.2.1"],
        ]
        for command in arguments {
            let result: ProcessResult
            if geteuid() == 0 {
                guard let setpriv = HelperProcess.tool("setpriv") else {
                    if NamespaceSupport.underCI { Issue.record("CI=true and setpriv is missing") }
                    return
                }
                result = try HelperProcess.run(
                    setpriv,
                    ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", HelperProcess.executable()]
                        + command)
            } else {
                result = try HelperProcess.realServer(command)
            }
            #expect(result.status == 1, "\(command)")
            #expect(result.standardError.hasPrefix("Error: needs root (CAP_NET_ADMIN) to "), "\(command)")
        }
    }
}
