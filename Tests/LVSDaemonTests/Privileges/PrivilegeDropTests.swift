import Foundation
import Glibc
import Testing

/// lvsd started as root with a proxy-only configuration keeps only `net_bind_service` in every
/// thread (docs/design/0032), still forwards, and a reload that adds a service on a port below
/// 1024 works with what it kept.
@Suite("lvsd privilege drop", .serialized)
struct PrivilegeDropTests {
    /// CapEff of every thread of `pid` (/proc/PID/task/TID/status), as masks.
    static func effectiveSets(of pid: Int32) -> [UInt64] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.compactMap { task in
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/status", encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") })
            else { return nil }
            return UInt64(line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        }
    }

    /// A port below 1024 nothing listens on (bound and closed to be sure), from 900 up.
    static func freeLowPort() throws -> UInt16 {
        for port in UInt16(900)..<UInt16(1000) {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = TestSockets.loopback(port: port)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if bound == 0 { return port }
        }
        throw SoloNamespaceError(message: "no free port between 900 and 999")
    }

    @Test("a proxy-only lvsd keeps net_bind_service alone, serves, and reloads onto a low port")
    func proxyOnly() async throws {
        guard getuid() == 0 else {
            print("skipped: the privilege drop is seen only when lvsd starts as root")
            return
        }
        let setup = try await ConfigReloadTests.Setup.start()
        #expect(setup.lvsd.isReady, "lvsd did not start: \(setup.lvsd.log)")
        let pid = setup.lvsd.process.processIdentifier
        let sets = Self.effectiveSets(of: pid)
        #expect(!sets.isEmpty)
        #expect(sets.allSatisfy { $0 == 0x400 }, "CapEff per thread: \(sets.map { String($0, radix: 16) })")
        #expect(
            setup.lvsd.log.contains(
                "capabilities: only net_bind_service (reloads may add ports below 1024) from now on"),
            "\(setup.lvsd.log)")

        let client = try TestSockets.connect(port: setup.web)
        defer { close(client) }
        let reply = TestSockets.exchange(client, "hello", expectedLength: 7)
        #expect(reply == "A:hello" || reply == "B:hello")

        let low = try Self.freeLowPort()
        try ConfigReloadTests.configuration(
            web: setup.web, mail: low, servers: [(setup.a.port, 1), (setup.b.port, 2)],
            mailServer: setup.mailServer.port
        ).write(toFile: setup.configPath, atomically: true, encoding: .utf8)
        let reload = try await setup.lvsd.lvsadm(["--reload"])
        #expect(reload.status == 0, "reload: \(reload)")
        let mail = try TestSockets.connect(port: low)
        defer { close(mail) }
        let mailReply = TestSockets.exchange(mail, "x", expectedLength: 3)
        #expect(mailReply.hasPrefix("M:PROXY TCP4 127.0.0.1 127.0.0.1 "), "through port \(low): \(mailReply)")
        await setup.stop()
    }

    @Test("--keep-capabilities all keeps everything it started with")
    func keepAll() async throws {
        guard getuid() == 0 else {
            print("skipped: the privilege drop is seen only when lvsd starts as root")
            return
        }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let lvsd = try await LVSDProcess.start(["--keep-capabilities", "all", "--reactors", "1"], in: directory)
        #expect(lvsd.isReady, "lvsd did not start: \(lvsd.log)")
        let sets = Self.effectiveSets(of: lvsd.process.processIdentifier)
        let own = Self.effectiveSets(of: getpid()).first ?? 0
        #expect(!sets.isEmpty && sets.allSatisfy { $0 == own }, "CapEff per thread: \(sets), the test's: \(own)")
        _ = await lvsd.stop()
    }
}
