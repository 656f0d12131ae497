import Foundation
import Testing

/// Five network namespaces for active-active directors behind ECMP (docs/design/0029):
///
///     C (client) 10.202.0.2 ── 10.202.0.1 R (router, BIRD, AS 65000, ECMP, L4 hash)
///                                  R 10.201.1.1 ── 10.201.1.2 D1 (lvsd + its BIRD, AS 65001)
///                                  R 10.201.2.1 ── 10.201.2.2 D2 (lvsd + its BIRD, AS 65001)
///     D1 10.203.1.1 ── 10.203.1.2 S ── 10.203.2.2 … 10.203.2.1 D2
///     S: real servers 10.204.0.1:8080 and 10.204.0.2:8080 (on lo), each answering one line
///        "<name> <peer address>" per connection, so the client sees which director proxied it.
///
/// The VIP 10.200.0.10 is on each director's lo; the directors run the proxy engine. The
/// direct-routing variant (`Engine.directRouting`, ECMPLab+DirectRouting.swift) wires the
/// directors and two real-server namespaces to one LAN behind the router instead. Unique names;
/// traffic stays inside; `tearDown` kills every process in the namespaces by id and deletes
/// them. Every wait polls with a bound.
final class ECMPLab: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `started` is only touched under `lock`; the rest is
    // immutable after init.
    /// How the directors forward: the proxy engine, or the packet engine by direct routing.
    enum Engine { case proxy, directRouting }

    let engine: Engine
    let router: String
    let client: String
    /// The real servers' namespace (proxy: one holding both; direct routing: the first of two).
    let servers: String
    /// Every real-server namespace (direct routing: one per real server, each with the VIP).
    let serverHosts: [String]
    let directors: [String]
    let directory: String
    private let lock = NSLock()
    private var started: [Process] = []

    static let vip = "10.200.0.10"
    static let realServers = ["10.204.0.1", "10.204.0.2"]
    /// The address each director uses towards the real servers (what they see as the peer).
    static let directorInside = ["10.203.1.1", "10.203.2.1"]

    static var unavailableReason: String? {
        if geteuid() != 0 { return "ECMP tests need root (network namespaces)" }
        for tool in ["ip", "bird", "birdc", "python3", "setpriv"] where VRRPLab.tool(tool) == nil {
            return "ECMP tests need \(tool) (apt-get install iproute2 bird2 python3 util-linux)"
        }
        return nil
    }

    static func available() -> Bool {
        guard let reason = unavailableReason else { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("CI=true and an ECMP test cannot run: \(reason)")
        } else {
            print("skipped: \(reason)")
        }
        return false
    }

    /// Builds a lab, runs `body` with it and tears it down whether `body` returned or threw.
    static func run(engine: Engine = .proxy, _ body: (ECMPLab) async throws -> Void) async throws {
        let lab = try await ECMPLab(engine: engine)
        do {
            try await body(lab)
        } catch {
            lab.dumpLogs()
            await lab.tearDown()
            throw error
        }
        await lab.tearDown()
    }

    private init(engine: Engine) async throws {
        let suffix = String(UInt32.random(in: 0x1000_0000...0xFFFF_FFFF), radix: 16)
        self.engine = engine
        router = "lvsbr-\(suffix)"
        client = "lvsbc-\(suffix)"
        servers = "lvsbs-\(suffix)"
        serverHosts = engine == .proxy ? [servers] : [servers, "lvsbt-\(suffix)"]
        directors = ["lvsb1-\(suffix)", "lvsb2-\(suffix)"]
        directory = "/tmp/lvsb-\(suffix)"
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let script = engine == .proxy ? proxyTopology : directRoutingTopology
        let result = try await VRRPLab.shell(script)
        guard result.status == 0 else {
            await tearDown()
            throw VRRPLabError("topology: \(result.error)")
        }
    }

    /// Proxy engine: each director has its own link to the real servers' namespace.
    private var proxyTopology: String {
        let (d1, d2) = (directors[0], directors[1])
        return """
            set -e
            for n in \(router) \(client) \(servers) \(d1) \(d2); do ip netns add $n; ip -n $n link set lo up; done
            ip link add eth0 netns \(client) type veth peer name c0 netns \(router)
            ip link add eth0 netns \(d1) type veth peer name d1 netns \(router)
            ip link add eth0 netns \(d2) type veth peer name d2 netns \(router)
            ip link add eth1 netns \(d1) type veth peer name s1 netns \(servers)
            ip link add eth1 netns \(d2) type veth peer name s2 netns \(servers)
            ip -n \(router) addr add 10.202.0.1/24 dev c0
            ip -n \(router) addr add 10.201.1.1/24 dev d1
            ip -n \(router) addr add 10.201.2.1/24 dev d2
            for d in c0 d1 d2; do ip -n \(router) link set $d up; done
            ip netns exec \(router) sysctl -qw net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1
            ip -n \(client) addr add 10.202.0.2/24 dev eth0; ip -n \(client) link set eth0 up
            ip -n \(client) route add default via 10.202.0.1
            ip -n \(d1) addr add 10.201.1.2/24 dev eth0; ip -n \(d1) addr add 10.203.1.1/24 dev eth1
            ip -n \(d2) addr add 10.201.2.2/24 dev eth0; ip -n \(d2) addr add 10.203.2.1/24 dev eth1
            ip -n \(d1) route add default via 10.201.1.1 2>/dev/null || true
            for n in \(d1) \(d2); do
              ip -n $n link set eth0 up; ip -n $n link set eth1 up
              ip -n $n addr add \(Self.vip)/32 dev lo
            done
            ip -n \(d1) route replace default via 10.201.1.1
            ip -n \(d2) route replace default via 10.201.2.1
            ip -n \(d1) route add 10.204.0.0/24 via 10.203.1.2
            ip -n \(d2) route add 10.204.0.0/24 via 10.203.2.2
            ip -n \(servers) addr add 10.203.1.2/24 dev s1; ip -n \(servers) addr add 10.203.2.2/24 dev s2
            ip -n \(servers) link set s1 up; ip -n \(servers) link set s2 up
            ip -n \(servers) addr add 10.204.0.1/32 dev lo; ip -n \(servers) addr add 10.204.0.2/32 dev lo
            """
    }

    /// Kills every process this lab started and whatever else runs in its namespaces (the
    /// directors' BIRDs), by id, then deletes the namespaces.
    func tearDown() async {
        let processes = lock.withLock { started }
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        let all = ([router, client] + serverHosts + directors).joined(separator: " ")
        _ = try? await VRRPLab.shell(
            "for n in \(all); do for p in $(ip netns pids $n 2>/dev/null); do kill -9 $p 2>/dev/null; done; done; true")
        _ = await poll(within: 5) { processes.allSatisfy { !$0.isRunning } }
        _ = try? await VRRPLab.shell("for n in \(all); do ip netns del $n 2>/dev/null; done; true")
        try? FileManager.default.removeItem(atPath: directory)
    }

    func dumpLogs() {
        let logs = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.filter { $0.hasSuffix(".log") }
        for name in (logs ?? []).sorted() { print("----- \(name)\n\(contents(file(name)))") }
    }

    func file(_ name: String) -> String { directory + "/" + name }

    func contents(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// Writes `text` readable by every process of the lab (the test's umask may be strict).
    func write(_ text: String, to name: String) throws {
        try text.write(toFile: file(name), atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file(name))
    }

    /// Starts `arguments` inside `namespace`; stdout and stderr go to `log` (appended).
    @discardableResult
    func start(in namespace: String, _ arguments: [String], log: String) throws -> Process {
        let process = try VRRPLab.launch(in: namespace, arguments, logPath: file(log))
        lock.withLock { started.append(process) }
        return process
    }

    /// Polls `condition` every 50 ms until it holds or `seconds` pass; returns whether it held.
    func poll(within seconds: Double, _ condition: () async throws -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while true {
            if (try? await condition()) == true { return true }
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}
