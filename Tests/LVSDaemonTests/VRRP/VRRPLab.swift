import Dispatch
import Foundation
import Testing

/// Three network namespaces for running lvsd and keepalived against each other: routers A and
/// B, each with two veths (`eth0` outside, `eth1` inside) into two bridges in the observer
/// namespace O (`br0`, `br1`; multicast snooping off so groups flood like on a plain segment).
/// Unique names; traffic stays inside; `tearDown` kills every process in the namespaces by id
/// and deletes them. Use `VRRPLab.run`, which tears down in every path.
///
///     A: eth0 10.99.0.1/24 fd00:99::1/64   O: br0 10.99.0.3/24 fd00:99::3/64 (ports pa0 pb0)
///        eth1 10.98.0.1/24                    br1 10.98.0.3/24               (ports pa1 pb1)
///     B: eth0 10.99.0.2/24 fd00:99::2/64
///        eth1 10.98.0.2/24
///
/// Every wait polls (every 50 ms) with a bound; nothing sleeps a fixed time.
final class VRRPLab: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `started` is only touched under `lock`; the rest is
    // immutable after init.
    let a: String
    let b: String
    let observer: String
    let directory: String
    private let lock = NSLock()
    private var started: [Process] = []

    /// Why the lab cannot run here (nil when it can): root, `ip`, keepalived.
    static var unavailableReason: String? {
        if geteuid() != 0 { return "VRRP interop tests need root (network namespaces)" }
        if tool("ip") == nil { return "VRRP interop tests need the ip tool (iproute2)" }
        if tool("keepalived") == nil { return "VRRP interop tests need keepalived (apt-get install keepalived)" }
        return nil
    }

    /// True when the test may run; otherwise prints why it skips, or under CI=true records the
    /// missing requirement as a failure (DESIGN.md §7).
    static func available() -> Bool {
        guard let reason = unavailableReason else { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("CI=true and a VRRP interop test cannot run: \(reason)")
        } else {
            print("skipped: \(reason)")
        }
        return false
    }

    /// Builds a lab, runs `body` with it and tears it down whether `body` returned or threw.
    static func run(_ body: (VRRPLab) async throws -> Void) async throws {
        let lab = try await VRRPLab()
        do {
            try await body(lab)
        } catch {
            lab.dumpLogs()
            await lab.tearDown()
            throw error
        }
        await lab.tearDown()
    }

    private init() async throws {
        let suffix = String(UInt32.random(in: 0x1000_0000...0xFFFF_FFFF), radix: 16)
        a = "lvsia-\(suffix)"
        b = "lvsib-\(suffix)"
        observer = "lvsio-\(suffix)"
        directory = "/tmp/lvsi-\(suffix)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        _ = chmod(directory, 0o755)  // the umask is shared with in-process control servers (0177 while they bind)
        let script = """
            set -e
            for n in \(a) \(b) \(observer); do
              ip netns add $n; ip -n $n link set lo up
              ip netns exec $n sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
            done
            for br in br0 br1; do ip -n \(observer) link add $br type bridge mcast_snooping 0; done
            for i in 0 1; do
              ip link add eth$i netns \(a) type veth peer name pa$i netns \(observer)
              ip link add eth$i netns \(b) type veth peer name pb$i netns \(observer)
              for p in pa$i pb$i; do ip -n \(observer) link set $p master br$i; ip -n \(observer) link set $p up; done
              ip -n \(observer) link set br$i up
            done
            ip -n \(observer) addr add 10.99.0.3/24 dev br0
            ip -n \(observer) addr add fd00:99::3/64 dev br0 nodad
            ip -n \(observer) addr add 10.98.0.3/24 dev br1
            ip -n \(a) addr add 10.99.0.1/24 dev eth0
            ip -n \(a) addr add fd00:99::1/64 dev eth0 nodad
            ip -n \(a) addr add 10.98.0.1/24 dev eth1
            ip -n \(b) addr add 10.99.0.2/24 dev eth0
            ip -n \(b) addr add fd00:99::2/64 dev eth0 nodad
            ip -n \(b) addr add 10.98.0.2/24 dev eth1
            for n in \(a) \(b); do ip -n $n link set eth0 up; ip -n $n link set eth1 up; done
            """
        let result = try await Self.shell(script)
        guard result.status == 0 else {
            await tearDown()
            throw VRRPLabError("topology: \(result.error)")
        }
        // keepalived and lvsd take the IPv6 link-local address as the source of v3 adverts: wait
        // until the kernel has made it (bounded).
        let linkLocal = await poll(within: 15) {
            let a = try await self.ip(self.a, "-6 -o addr show dev eth0 scope link")
            let b = try await self.ip(self.b, "-6 -o addr show dev eth0 scope link")
            return a.contains("fe80::") && b.contains("fe80::")
        }
        guard linkLocal else {
            await tearDown()
            throw VRRPLabError("no IPv6 link-local address on eth0")
        }
    }

    /// Kills every process this lab started and whatever else runs in its namespaces (notify
    /// and track scripts, keepalived's VRRP child), by id, then deletes the namespaces.
    func tearDown() async {
        let processes = lock.withLock { started }
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        _ = try? await Self.shell(
            "for n in \(a) \(b) \(observer); do for p in $(ip netns pids $n 2>/dev/null); do kill -9 $p 2>/dev/null;"
                + " done; done; true")
        _ = await poll(within: 5) { processes.allSatisfy { !$0.isRunning } }
        _ = try? await Self.shell("for n in \(a) \(b) \(observer); do ip netns del $n 2>/dev/null; done; true")
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Prints the daemons' logs (on failure, before they go with the lab's directory).
    func dumpLogs() {
        let logs = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.filter { $0.hasSuffix(".log") }
        for name in (logs ?? []).sorted() {
            print("----- \(name)\n\(contents(file(name)))")
        }
    }

    func file(_ name: String) -> String { directory + "/" + name }

    func contents(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// Starts `arguments` inside `namespace`; stdout and stderr go to `log` (appended).
    func start(in namespace: String, _ arguments: [String], log: String) throws -> Process {
        let process = try Self.launch(in: namespace, arguments, logPath: log)
        lock.withLock { started.append(process) }
        return process
    }

    /// Runs `arguments` inside `namespace` with stdin from /dev/null and stdout and stderr
    /// appended to the file `logPath` (the labs of this target keep the process to stop it).
    static func launch(in namespace: String, _ arguments: [String], logPath: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(tool("ip")))
        process.arguments = ["netns", "exec", namespace] + arguments
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try runUnmasked(process)
        return process
    }

    // MARK: - Looking at the namespaces

    /// `ip -n namespace arguments…`'s standard output (bounded by `timeout`).
    @discardableResult
    func ip(_ namespace: String, _ arguments: String) async throws -> String {
        let result = try await Self.shell("timeout 10 ip -n \(namespace) \(arguments)")
        guard result.status == 0 else { throw VRRPLabError("ip -n \(namespace) \(arguments): \(result.error)") }
        return result.output
    }

    /// Which of A and B hold `address` (written without prefix) on `device`, as names "A"/"B".
    func holders(of address: String, device: String = "eth0") async throws -> [String] {
        let family = address.contains(":") ? "-6" : "-4"
        let result = try await Self.shell(
            "timeout 10 ip -n \(a) \(family) -o addr show dev \(device); echo ---;"
                + " timeout 10 ip -n \(b) \(family) -o addr show dev \(device)")
        let parts = result.output.components(separatedBy: "---\n")
        func has(_ text: String) -> Bool { text.contains(" \(address)/") }
        var names: [String] = []
        if has(parts.first ?? "") { names.append("A") }
        if parts.count > 1 && has(parts[1]) { names.append("B") }
        return names
    }

    /// The MAC address of `device` in `namespace`.
    func mac(_ namespace: String, _ device: String = "eth0") async throws -> String {
        let line = try await ip(namespace, "-o link show dev \(device)")
        guard let range = line.range(of: "link/ether ") else { throw VRRPLabError("no MAC on \(device): \(line)") }
        return String(line[range.upperBound...].prefix(17))
    }

    /// Gives the observer a neighbour entry for `address` with a MAC nobody has: Linux only
    /// updates an existing entry from a gratuitous ARP (creating one needs arp_accept), and a
    /// fresh bogus value shows that the next announcement arrived.
    func primeObserver(_ address: String, bridge: String = "br0") async throws {
        let family = address.contains(":") ? "-6" : "-4"
        try await ip(observer, "\(family) neigh replace \(address) lladdr 00:00:00:00:00:01 dev \(bridge) nud stale")
    }

    /// The observer's neighbour entry for `address` (its MAC), if any.
    func observedMAC(_ address: String, bridge: String = "br0") async throws -> String? {
        let family = address.contains(":") ? "-6" : "-4"
        let line = try await ip(observer, "\(family) neigh show \(address) dev \(bridge)")
        guard let range = line.range(of: "lladdr ") else { return nil }
        return String(line[range.upperBound...].prefix(17))
    }

    // MARK: - Waiting

    /// Polls `condition` every 50 ms until it holds or `seconds` pass; returns whether it held.
    func poll(within seconds: Double, _ condition: () async throws -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while true {
            if (try? await condition()) == true { return true }
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Polls until exactly `side` ("A" or "B") holds `address` on `device`; returns how long it
    /// took (nil when it did not happen within `seconds`).
    func waitForHolder(
        _ side: String, of address: String, device: String = "eth0", within seconds: Double
    ) async -> Duration? {
        let begin = ContinuousClock.now
        let held = await poll(within: seconds) { try await self.holders(of: address, device: device) == [side] }
        return held ? ContinuousClock.now - begin : nil
    }

    // MARK: - Processes

    /// Runs a shell script off the cooperative pool and waits for it.
    static func shell(_ script: String) async throws -> (status: Int32, output: String, error: String) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try shellBlocking(script) })
            }
        }
    }

    private static func shellBlocking(_ script: String) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try runUnmasked(process)
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self)
        )
    }

    /// Starts `process` with no signal blocked: test threads block most signals and a child
    /// inherits the mask.
    static func runUnmasked(_ process: Process) throws {
        var empty = sigset_t()
        var saved = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        try process.run()
    }

    static func tool(_ name: String) -> String? {
        ["/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"].map { $0 + name }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }
}

struct VRRPLabError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
