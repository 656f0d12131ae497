import CLinuxNet
import Foundation
import Testing

/// Two network namespaces joined by one veth pair, for the sync sockets' tests: master M and
/// backup B. Unique names; traffic stays inside; `tearDown` deletes both (call it in a
/// `defer`; `init` cleans up itself on failure). Every child process gets pipes or files, never
/// the test runner's standard streams.
///
///     M: sm 10.78.0.1/24 fd00:78::1/64 ── sb 10.78.0.2/24 fd00:78::2/64 :B
final class SyncLab {
    let master: String
    let backup: String

    /// Why the lab cannot run here (nil when it can): root, `ip` and `timeout`.
    static var unavailableReason: String? {
        if geteuid() != 0 { return "namespace tests need root (CAP_NET_ADMIN, CAP_SYS_ADMIN)" }
        if tool("ip") == nil { return "namespace tests need the ip tool (iproute2)" }
        if tool("timeout") == nil { return "namespace tests need timeout (coreutils)" }
        return nil
    }

    /// True when the test may run; otherwise prints why it skips, or under CI=true records the
    /// missing requirement as a failure (DESIGN.md §7).
    static func available(needing tools: [String] = []) -> Bool {
        let missing = tools.first { tool($0) == nil }.map { "this test needs \($0)" }
        guard let reason = unavailableReason ?? missing else { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("CI=true and a namespace test cannot run: \(reason)")
        } else {
            print("skipped: \(reason)")
        }
        return false
    }

    init() throws {
        let suffix = String(UInt32.random(in: 0x1000_0000...0xFFFF_FFFF), radix: 16)
        master = "lvssyncm-\(suffix)"
        backup = "lvssyncb-\(suffix)"
        let script = """
            set -e
            for n in \(master) \(backup); do
              ip netns add $n; ip -n $n link set lo up
              ip netns exec $n sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
            done
            ip link add sm netns \(master) type veth peer name sb netns \(backup)
            ip -n \(master) addr add 10.78.0.1/24 dev sm
            ip -n \(master) addr add fd00:78::1/64 dev sm nodad
            ip -n \(backup) addr add 10.78.0.2/24 dev sb
            ip -n \(backup) addr add fd00:78::2/64 dev sb nodad
            ip -n \(master) link set sm up
            ip -n \(backup) link set sb up
            """
        do {
            let result = try Self.shell(script)
            guard result.status == 0 else { throw LabError("topology: \(result.error)") }
            // IPv6 takes a veth up only when linkwatch reports its carrier, which the kernel may
            // delay; until then the backup has no multicast route and drops the group's
            // datagrams. The link-local address appears at the same moment: wait for it, bounded.
            let ready = """
                for i in $(seq 100); do
                  ip -n \(master) -6 addr show dev sm scope link | grep -q fe80 &&
                    ip -n \(backup) -6 addr show dev sb scope link | grep -q fe80 && exit 0
                  sleep 0.05
                done
                exit 1
                """
            guard try Self.shell(ready).status == 0 else { throw LabError("IPv6 did not come up on the veth pair") }
        } catch {
            tearDown()
            throw error
        }
    }

    func tearDown() {
        _ = try? Self.shell("for n in \(master) \(backup); do ip netns del $n 2>/dev/null; done; true")
    }

    /// Runs `body` with the calling thread inside `namespace` and moves it back; sockets opened
    /// in `body` stay in that namespace. Synchronous, so the thread cannot change underneath.
    func inside<T>(_ namespace: String, _ body: () throws -> T) throws -> T {
        let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        let target = open("/run/netns/\(namespace)", O_RDONLY | O_CLOEXEC)
        defer {
            if original >= 0 { close(original) }
            if target >= 0 { close(target) }
        }
        try #require(original >= 0 && target >= 0, "cannot open the namespace files of \(namespace)")
        try #require(clinuxtun_setns_net(target) == 0, "setns into \(namespace) failed: errno \(errno)")
        defer { _ = clinuxtun_setns_net(original) }
        return try body()
    }

    /// `ip -n namespace arguments…`, bounded by `timeout`.
    func ip(_ namespace: String, _ arguments: String) throws {
        let result = try Self.shell("timeout 10 ip -n \(namespace) \(arguments)")
        try #require(result.status == 0, "ip -n \(namespace) \(arguments): \(result.error)")
    }

    /// Waits until `fd` is readable, at most `milliseconds`: a bounded wait for the kernel of the
    /// other namespace to deliver; no assertion depends on how long it took.
    static func waitReadable(_ fd: Int32, milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let deadline = clinuxnet_monotonic_ns() + UInt64(milliseconds) * 1_000_000
        while true {
            let now = clinuxnet_monotonic_ns()
            guard now < deadline else { return false }
            let ready = poll(&entry, 1, Int32((deadline - now) / 1_000_000) + 1)
            if ready > 0 { return true }
            if ready < 0 && errno != EINTR { return false }
        }
    }

    static func shell(_ script: String) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        let out = Pipe()
        let err = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self)
        )
    }

    static func tool(_ name: String) -> String? {
        ["/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"].map { $0 + name }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }
}

struct LabError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
