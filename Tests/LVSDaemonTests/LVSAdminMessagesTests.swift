import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import LVSDaemon

/// What a new user reads from the real `lvsadm` binary: the help and a bad `-R` line (issue 13).
@Suite("lvsadm messages")
struct LVSAdminMessagesTests {
    @Test("lvsadm -h lists our options and every scheduler, twos included, without a daemon")
    func help() async throws {
        let result = try await Subprocess.run("lvsadm", ["-h"], environment: ["LVSD_SOCKET": "/nonexistent/lvsd.sock"])
        #expect(result.status == 0)
        #expect(result.standardError == "")
        #expect(
            result.standardOutput.hasPrefix("ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\nUsage:\n"))
        for option in [
            "--control-socket", "--reload", "--health", "--engine-stats", "--json", "--vrrp", "--sync", "--events",
            "--explain",
        ] {
            #expect(result.standardOutput.contains("\n  \(option)"), "missing \(option)")
        }
        #expect(
            result.standardOutput.contains("\nSchedulers (-s): rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos\n"))
    }

    @Test("a bad -R line names its line number and what is wrong, and nothing is applied")
    func badRestoreLine() async throws {
        let daemon = try await TestDaemon.start()
        let input = "-A -t 10.0.0.1:80 -s rr\n# comment\n-a -t 10.0.0.1:80 -r 10.0.0.2:80 --bogus\n"
        let result = try await LVSAdminEndToEndTests.lvsadm(daemon, ["-R"], input: input)
        #expect(
            result
                == ProcessResult(
                    status: 2, standardOutput: "",
                    standardError: "lvsadm: line 3: unknown option '--bogus'\nlvsadm: nothing was restored\n"))
        let listing = try await LVSAdminEndToEndTests.lvsadm(daemon, ["-S", "-n"])
        #expect(listing == ProcessResult(status: 0, standardOutput: "", standardError: ""))
        await daemon.stop()
    }

    @Test("lvsd --help points to the docs and shows each default once")
    func lvsdHelp() async throws {
        let result = try await Subprocess.run("lvsd", ["--help"])
        #expect(result.status == 0)
        let text = result.standardOutput
        for pointer in ["man lvsd(8)", "docs/configuration.md", "docs/lvsadm.md", "lvsd --demo"] {
            #expect(text.contains(pointer), "missing \(pointer)")
        }
        // One block per option (ArgumentParser indents continuation lines further).
        let blocks = text.components(separatedBy: "\n  -").dropFirst()
        #expect(blocks.count > 20)
        for block in blocks {
            let mentions = block.components(separatedBy: "default").count - 1
            #expect(mentions <= 1, "default repeated in: \(block)")
        }
        #expect(text.components(separatedBy: "3,50").count - 1 == 1)
    }

    @Test("a control socket with mode 0 gets the permission message (run as nobody when we are root)")
    func permissionDenied() async throws {
        let directory = NSTemporaryDirectory() + "lvsadm-perm-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(chmod(directory, 0o755) == 0)
        let path = directory + "/lvsd.sock"
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let listener = try await ServerBootstrap(group: group).bind(unixDomainSocketPath: path).get()
        #expect(chmod(path, 0) == 0)
        let arguments = ["--control-socket", path, "-L", "-n"]
        let result: ProcessResult
        if geteuid() == 0 {
            // Root passes every permission check: drop to nobody for the one call.
            let setpriv = "/usr/bin/setpriv"
            try #require(FileManager.default.isExecutableFile(atPath: setpriv), "setpriv (util-linux) is needed")
            let lvsadm = try Subprocess.executable("lvsadm").path
            result = try await Subprocess.run(
                "setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", lvsadm] + arguments,
                executableOverride: setpriv)
        } else {
            result = try await Subprocess.run("lvsadm", arguments)
        }
        try? await listener.close()
        try await group.shutdownGracefully()
        #expect(
            result
                == ProcessResult(
                    status: 2, standardOutput: "",
                    standardError:
                        "lvsadm: permission denied on lvsd's control socket \(path): it is open only to root and the user lvsd runs as\n"
                        + "lvsadm: run lvsadm as root or as the user lvsd runs as, or start lvsd with a --control-socket you may open\n"
                ))
    }
}
