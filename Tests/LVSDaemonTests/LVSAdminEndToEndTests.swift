import Foundation
import LVSCore
import Testing

@testable import LVSDaemon

/// The real `lvsadm` executable against an in-process daemon, replaying ipvsadm(8)'s EXAMPLES.
@Suite("lvsadm against lvsd")
struct LVSAdminEndToEndTests {
    /// ipvsadm(8) EXAMPLE 1 (simple virtual service, NAT) and EXAMPLE 2 (firewall-mark service).
    static let manPageExamples: [[String]] = [
        ["-A", "-t", "207.175.44.110:80", "-s", "rr"],
        ["-a", "-t", "207.175.44.110:80", "-r", "192.168.10.1:80", "-m"],
        ["-a", "-t", "207.175.44.110:80", "-r", "192.168.10.2:80", "-m"],
        ["-a", "-t", "207.175.44.110:80", "-r", "192.168.10.3:80", "-m"],
        ["-a", "-t", "207.175.44.110:80", "-r", "192.168.10.4:80", "-m"],
        ["-a", "-t", "207.175.44.110:80", "-r", "192.168.10.5:80", "-m"],
        ["-A", "-f", "1", "-s", "rr"],
        ["-a", "-f", "1", "-r", "192.168.10.1:0", "-m"],
        ["-a", "-f", "1", "-r", "192.168.10.2:0", "-m"],
        ["-a", "-f", "1", "-r", "192.168.10.3:0", "-m"],
        ["-a", "-f", "1", "-r", "192.168.10.4:0", "-m"],
        ["-a", "-f", "1", "-r", "192.168.10.5:0", "-m"],
    ]

    /// `ipvsadm -L -n` after the examples, written from reference §2.1: real-server lines are
    /// `  -> %-28s %-7s %-6d %-10u %-10u`, so they end in nine spaces of padding.
    static let manPageListing = """
        IP Virtual Server version 1.2.1 (size=4096)
        Prot LocalAddress:Port Scheduler Flags
          -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
        TCP  207.175.44.110:80 rr
          -> 192.168.10.1:80              Masq    1      0          0         
          -> 192.168.10.2:80              Masq    1      0          0         
          -> 192.168.10.3:80              Masq    1      0          0         
          -> 192.168.10.4:80              Masq    1      0          0         
          -> 192.168.10.5:80              Masq    1      0          0         
        FWM  1 rr
          -> 192.168.10.1:0               Masq    1      0          0         
          -> 192.168.10.2:0               Masq    1      0          0         
          -> 192.168.10.3:0               Masq    1      0          0         
          -> 192.168.10.4:0               Masq    1      0          0         
          -> 192.168.10.5:0               Masq    1      0          0         

        """

    static let manPageSave = """
        -A -t 207.175.44.110:80 -s rr
        -a -t 207.175.44.110:80 -r 192.168.10.1:80 -m -w 1
        -a -t 207.175.44.110:80 -r 192.168.10.2:80 -m -w 1
        -a -t 207.175.44.110:80 -r 192.168.10.3:80 -m -w 1
        -a -t 207.175.44.110:80 -r 192.168.10.4:80 -m -w 1
        -a -t 207.175.44.110:80 -r 192.168.10.5:80 -m -w 1
        -A -f 1 -s rr
        -a -f 1 -r 192.168.10.1:0 -m -w 1
        -a -f 1 -r 192.168.10.2:0 -m -w 1
        -a -f 1 -r 192.168.10.3:0 -m -w 1
        -a -f 1 -r 192.168.10.4:0 -m -w 1
        -a -f 1 -r 192.168.10.5:0 -m -w 1

        """

    /// Runs lvsadm against `daemon` through `--control-socket`.
    static func lvsadm(_ daemon: TestDaemon, _ arguments: [String], input: String = "") async throws -> ProcessResult {
        try await Subprocess.run("lvsadm", ["--control-socket", daemon.socketPath] + arguments, input: input)
    }

    static func replayExamples(on daemon: TestDaemon) async throws {
        for example in manPageExamples {
            let result = try await lvsadm(daemon, example)
            #expect(result == ProcessResult(status: 0, standardOutput: "", standardError: ""), "\(example)")
        }
    }

    @Test("the ipvsadm(8) examples list exactly as ipvsadm prints them")
    func manPageExamplesList() async throws {
        let daemon = try await TestDaemon.start()
        try await Self.replayExamples(on: daemon)
        let listing = try await Self.lvsadm(daemon, ["-L", "-n"])
        #expect(listing.standardError == "")
        #expect(listing.status == 0)
        #expect(listing.standardOutput == Self.manPageListing)
        let bundled = try await Self.lvsadm(daemon, ["-Ln"])
        #expect(bundled.standardOutput == Self.manPageListing)
        #expect(try await Self.lvsadm(daemon, ["-S", "-n"]).standardOutput == Self.manPageSave)
        await daemon.stop()
    }

    @Test("lvsadm -S -n | lvsadm -R into a second daemon reproduces the configuration")
    func saveRestoreRoundTrip() async throws {
        let first = try await TestDaemon.start()
        try await Self.replayExamples(on: first)
        for extra in [
            ["-A", "-u", "207.175.44.110:53", "-s", "sh", "-b", "sh-fallback,sh-port"],
            ["-a", "-u", "207.175.44.110:53", "-r", "10.1.1.7:53", "-i", "-x", "100", "-y", "50"],
            ["-A", "-t", "207.175.44.110:443", "-s", "wlc", "-p", "360", "-M", "255.255.255.0"],
            ["-a", "-t", "207.175.44.110:443", "-r", "10.1.1.5:443", "-g", "-w", "3"],
            ["-A", "-t", "[2001:db8::80]:80", "-s", "mh", "-b", "mh-port"],
            ["-a", "-t", "[2001:db8::80]:80", "-r", "[2001:db8::a0a0]:80", "-m"],
        ] {
            #expect(try await Self.lvsadm(first, extra).status == 0, "\(extra)")
        }
        let saved = try await Self.lvsadm(first, ["-S", "-n"])
        #expect(saved.status == 0)
        let second = try await TestDaemon.start()
        // The second daemon is found through LVSD_SOCKET this time.
        let restored = try await Subprocess.run(
            "lvsadm", ["-R"], input: saved.standardOutput, environment: ["LVSD_SOCKET": second.socketPath])
        #expect(restored == ProcessResult(status: 0, standardOutput: "", standardError: ""))
        let again = try await Self.lvsadm(second, ["-S", "-n"])
        #expect(again.standardOutput == saved.standardOutput)
        #expect(again.standardOutput.contains("-a -u 207.175.44.110:53 -r 10.1.1.7:53 -i -w 1 --tun-type ipip"))
        await first.stop()
        await second.stop()
    }

    @Test("-R with a line ipvsadm would refuse applies nothing and names the line")
    func restoreUsageError() async throws {
        let daemon = try await TestDaemon.start()
        let input = """
            -A -t 10.0.0.1:80 -s rr
            # a comment, then a blank line

            -a -t 10.0.0.1:80 -r 10.0.0.2:80 -w 70000
            -a -t 10.0.0.1:80 -r 10.0.0.3:80
            """
        let result = try await Self.lvsadm(daemon, ["-R"], input: input)
        #expect(result.status == 2)
        #expect(result.standardError == "lvsadm: line 4: illegal weight specified\nlvsadm: nothing was restored\n")
        #expect(try await Self.lvsadm(daemon, ["-S", "-n"]).standardOutput == "")
        await daemon.stop()
    }

    @Test("-R with a line the director refuses applies nothing and names the line")
    func restoreKernelError() async throws {
        let daemon = try await TestDaemon.start()
        let input = """
            ipvsadm -A -t 10.0.0.1:80 -s rr
            ipvsadm -a -t 10.0.0.1:80 -r 10.0.0.2:80 -m
            ipvsadm -a -t 10.0.0.9:80 -r 10.0.0.3:80 -m
            """
        let result = try await Self.lvsadm(daemon, ["-R"], input: input)
        #expect(result.status == 255)
        #expect(result.standardError == "lvsadm: line 3: Service not defined\nlvsadm: nothing was restored\n")
        #expect(try await Self.lvsadm(daemon, ["-S", "-n"]).standardOutput == "")
        await daemon.stop()
    }

    @Test("errors print ipvsadm's messages with ipvsadm's exit statuses")
    func errors() async throws {
        let daemon = try await TestDaemon.start()
        #expect(try await Self.lvsadm(daemon, ["-A", "-t", "10.0.0.1:80"]).status == 0)
        #expect(
            try await Self.lvsadm(daemon, ["-A", "-t", "10.0.0.1:80"])
                == ProcessResult(status: 255, standardOutput: "", standardError: "Service already exists\n"))
        #expect(
            try await Self.lvsadm(daemon, ["-L", "-n", "-t", "10.9.9.9:80"])
                == ProcessResult(status: 1, standardOutput: "", standardError: "No such service\n"))
        #expect(
            try await Self.lvsadm(daemon, ["-A", "-t", "10.0.0.2:80", "-s", "nosuch"])
                == ProcessResult(
                    status: 255, standardOutput: "", standardError: "Scheduler or persistence engine not found\n"))
        let usage = try await Self.lvsadm(daemon, ["-n", "-L"])
        #expect(usage.status == 255)
        #expect(usage.standardError == "Try `lvsadm -h' or 'lvsadm --help' for more information.\n")
        let weight = try await Self.lvsadm(daemon, ["-a", "-t", "10.0.0.1:80", "-r", "10.0.0.5", "-w", "x"])
        #expect(weight == ProcessResult(status: 2, standardOutput: "", standardError: "illegal weight specified\n"))
        await daemon.stop()
    }

    @Test("single-service listing, timeouts, help and version")
    func listingsAndInfo() async throws {
        let daemon = try await TestDaemon.start()
        try await Self.replayExamples(on: daemon)
        let single = try await Self.lvsadm(daemon, ["-L", "-n", "-t", "207.175.44.110:80"])
        #expect(single.status == 0)
        let expected =
            Self.manPageListing.split(separator: "\n", omittingEmptySubsequences: false)[1...8]
            .joined(separator: "\n") + "\n"
        #expect(single.standardOutput == expected)
        #expect(try await Self.lvsadm(daemon, ["--set", "100", "0", "30"]).status == 0)
        #expect(
            try await Self.lvsadm(daemon, ["-L", "--timeout"])
                == ProcessResult(status: 0, standardOutput: "Timeout (tcp tcpfin udp): 100 120 30\n", standardError: "")
        )
        #expect(
            try await Self.lvsadm(daemon, ["-L", "-c", "-n"]).standardOutput
                == "IPVS connection entries\npro expire state       source             virtual            destination\n"
        )
        let help = try await Self.lvsadm(daemon, ["-h"])
        #expect(help.status == 0)
        #expect(
            help.standardOutput.hasPrefix("ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\nUsage:\n"))
        #expect(
            try await Self.lvsadm(daemon, ["-v"])
                == ProcessResult(
                    status: 0, standardOutput: "ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\n",
                    standardError: ""))
        await daemon.stop()
    }

    @Test("no arguments lists the table")
    func noArguments() async throws {
        let daemon = try await TestDaemon.start()
        let result = try await Self.lvsadm(daemon, [])
        #expect(
            result
                == ProcessResult(
                    status: 0,
                    standardOutput: """
                        IP Virtual Server version 1.2.1 (size=4096)
                        Prot LocalAddress:Port Scheduler Flags
                          -> RemoteAddress:Port           Forward Weight ActiveConn InActConn

                        """, standardError: ""))
        await daemon.stop()
    }

    @Test("with no daemon lvsadm says where it looked and exits 2")
    func noDaemon() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("absent.sock")
        let result = try await Subprocess.run("lvsadm", ["-L", "-n"], environment: ["LVSD_SOCKET": path])
        #expect(result.status == 2)
        #expect(result.standardOutput == "")
        #expect(
            result.standardError
                == "lvsadm: no lvsd is listening at \(path): the socket file does not exist\n"
                + "lvsadm: start lvsd (e.g. `lvsd --control-socket \(path)`), or point lvsadm at the running daemon's socket with --control-socket PATH or LVSD_SOCKET\n"
        )
        directory.remove()
    }
}
