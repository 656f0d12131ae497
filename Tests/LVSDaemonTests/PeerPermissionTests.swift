import Foundation
import LVSControl
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The SO_PEERCRED check end to end: a real `lvsadm` process whose uid is neither root nor the
/// daemon's user may read but not change anything.
@Suite("Peer permission over the control socket")
struct PeerPermissionTests {
    /// A uid that is neither 0 nor the daemon's (the policy below names a third one).
    static let outsiderUID: UInt32 = 65534

    /// Runs lvsadm as an outsider: as root through setpriv (the socket opened to everyone for the
    /// test), otherwise as ourselves, since our uid is then neither 0 nor the policy's.
    static func lvsadmAsOutsider(_ daemon: TestDaemon, _ arguments: [String]) async throws -> ProcessResult {
        let lvsadm = try Subprocess.executable("lvsadm").path
        if geteuid() == 0 {
            try #require(chmod(daemon.socketPath, 0o666) == 0)
            try #require(chmod(daemon.directory.path, 0o755) == 0)
            try #require(
                FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "setpriv (util-linux) is needed")
            return try await Subprocess.run(
                "setpriv",
                [
                    "--reuid=\(outsiderUID)", "--regid=\(outsiderUID)", "--clear-groups", lvsadm, "--control-socket",
                    daemon.socketPath,
                ] + arguments, executableOverride: "/usr/bin/setpriv")
        }
        return try await Subprocess.run("lvsadm", ["--control-socket", daemon.socketPath] + arguments)
    }

    @Test("an outsider may list but not change the table")
    func outsider() async throws {
        let daemonUser = geteuid() == 0 ? 4242 : geteuid() &+ 1
        let daemon = try await TestDaemon.start(policy: ControlAccessPolicy(daemonUserID: daemonUser))
        let change = try await Self.lvsadmAsOutsider(daemon, ["-A", "-t", "10.0.0.1:80"])
        #expect(
            change
                == ProcessResult(
                    status: 255, standardOutput: "", standardError: "Permission denied (you must be root)\n"))
        let restore = try await Self.lvsadmAsOutsider(daemon, ["-C"])
        #expect(restore.status == 255)
        let list = try await Self.lvsadmAsOutsider(daemon, ["-L", "-n"])
        #expect(list.status == 0)
        #expect(list.standardOutput.hasPrefix("IP Virtual Server version 1.2.1 (size=4096)\n"))
        await daemon.stop()
    }
}
