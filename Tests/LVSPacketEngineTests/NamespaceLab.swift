import Foundation
import Testing

/// The kernel selftest topology (reference §9) in network namespaces with a random suffix, for
/// end-to-end runs of the built `lvsd` with the packet engine. Dual stack: every address of the
/// selftest has an IPv6 twin. Traffic stays on the veth pairs and bridges inside these
/// namespaces; `tearDown` deletes them and stops every process the lab started (every path).
///
/// With one real server the wiring is the selftest's own (veth12/veth21 joins director and real
/// server). With more, the inside network is a bridge `br1` (in the client namespace, which has
/// no address on it) joining the director's veth12 and every real server's veth21; real server
/// `i` has 172.16.0.(2+i) and, for direct routing and tunnelling, 10.0.0.(3+i) on the client LAN.
final class NamespaceLab {
    enum Mode { case masquerading, directRouting, tunnelling }

    static let vip = "207.175.44.110"
    static let vip6 = "2001:db8:44::110"

    let mode: Mode
    let client: String
    let director: String
    let servers: [String]
    let directory: String
    private var processes: [Process] = []
    private var decapsulators: [Process] = []
    /// UDP real servers (`serve(udp: true)`), stopped by `tearDown`.
    var responders: [UDPResponder] = []

    /// Why the lab cannot run here (nil when it can): root, `ip`, `nft` and `socat` are needed.
    static var unavailableReason: String? {
        if getuid() != 0 { return "namespace tests need root" }
        for tool in ["ip", "nft", "socat", "timeout"] where Self.which(tool) == nil {
            return "namespace tests need '\(tool)' on PATH"
        }
        return nil
    }

    /// Skips (returns false) with a reason, or fails under CI=true (DESIGN.md §7).
    static func available() -> Bool {
        guard let reason = unavailableReason else { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("CI=true: \(reason)")
        } else {
            print("skipped: \(reason)")
        }
        return false
    }

    init(mode: Mode, servers count: Int = 1) throws {
        let suffix = String(UInt32.random(in: 0..<UInt32.max), radix: 16)
        self.mode = mode
        client = "lvspe0-\(suffix)"
        director = "lvspe1-\(suffix)"
        servers = (0..<max(count, 1)).map { "lvspe\(2 + $0)-\(suffix)" }
        directory = "/tmp/lvspe-\(suffix)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        _ = chmod(directory, 0o755)  // lvsd, without dac_override after start-up, must enter it
        do {
            try build()
        } catch {
            tearDown()
            throw error
        }
    }

    /// Real server `index`'s address on the inside network.
    static func serverAddress(_ index: Int, ipv6: Bool = false) -> String {
        ipv6 ? "fd00:172::\(2 + index)" : "172.16.0.\(2 + index)"
    }

    /// `address:port` as `lvsadm` and socat write it (IPv6 in brackets).
    static func endpoint(_ address: String, _ port: Int) -> String {
        address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
    }

    /// True when two textual addresses are the same (socat prints IPv6 peers in full, bracketed).
    static func sameAddress(_ a: String, _ b: String) -> Bool {
        func bytes(_ text: String) -> [UInt8]? {
            let bare = text.trimmingCharacters(in: CharacterSet(charactersIn: "[] \n"))
            var storage = in6_addr()
            if inet_pton(AF_INET6, bare, &storage) == 1 { return withUnsafeBytes(of: storage) { Array($0) } }
            var v4 = in_addr()
            if inet_pton(AF_INET, bare, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
            return nil
        }
        guard let left = bytes(a), let right = bytes(b) else { return false }
        return left == right
    }

    private func build() throws {
        var script = """
            set -e
            for n in \(client) \(director) \(servers.joined(separator: " ")); do
              ip netns add $n; ip -n $n link set lo up
              ip netns exec $n sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
            done
            ip link add veth01 netns \(client) type veth peer name veth10 netns \(director)
            ip -n \(client) link add br0 type bridge
            ip -n \(client) link set veth01 master br0
            ip -n \(client) addr add 10.0.0.2/24 dev br0
            ip -n \(client) addr add fd00:10::2/64 dev br0 nodad
            ip -n \(director) addr add 10.0.0.1/24 dev veth10
            ip -n \(director) addr add fd00:10::1/64 dev veth10 nodad

            """
        if servers.count == 1 {
            script += "ip link add veth12 netns \(director) type veth peer name veth21 netns \(servers[0])\n"
        } else {
            script += """
                ip -n \(client) link add br1 type bridge
                ip link add veth12 netns \(director) type veth peer name veth1d netns \(client)
                ip -n \(client) link set veth1d master br1
                ip -n \(client) link set veth1d up
                ip -n \(client) link set br1 up

                """
        }
        script += """
            ip -n \(director) addr add 172.16.0.1/24 dev veth12
            ip -n \(director) addr add fd00:172::1/64 dev veth12 nodad
            for l in veth10 veth12; do ip -n \(director) link set $l up; done
            for l in br0 veth01; do ip -n \(client) link set $l up; done
            ip -n \(client) route add \(Self.vip) via 10.0.0.1 dev br0
            ip -n \(client) -6 route add \(Self.vip6) via fd00:10::1 dev br0

            """
        for (index, server) in servers.enumerated() {
            if servers.count > 1 {
                script += """
                    ip link add veth21 netns \(server) type veth peer name veth1s\(index) netns \(client)
                    ip -n \(client) link set veth1s\(index) master br1
                    ip -n \(client) link set veth1s\(index) up

                    """
            }
            script += """
                ip -n \(server) addr add \(Self.serverAddress(index))/24 dev veth21
                ip -n \(server) addr add \(Self.serverAddress(index, ipv6: true))/64 dev veth21 nodad
                ip -n \(server) link set veth21 up

                """
            switch mode {
            case .masquerading:
                script += """
                    ip -n \(server) route add default via 172.16.0.1
                    ip -n \(server) -6 route add default via fd00:172::1

                    """
            case .directRouting, .tunnelling:
                // The direct return path to the client LAN (veth02/veth20 in the selftest).
                let peer = servers.count == 1 ? "veth02" : "veth0s\(index)"
                script += """
                    ip link add veth20 netns \(server) type veth peer name \(peer) netns \(client)
                    ip -n \(client) link set \(peer) master br0
                    ip -n \(client) link set \(peer) up
                    ip -n \(server) addr add 10.0.0.\(3 + index)/24 dev veth20
                    ip -n \(server) addr add fd00:10::\(3 + index)/64 dev veth20 nodad
                    ip -n \(server) link set veth20 up

                    """
            }
        }
        let result = try Self.shell(script)
        guard result.status == 0 else { throw LabError("topology: \(result.error)") }
        try settle()
        switch mode {
        case .masquerading: break
        case .directRouting, .tunnelling: try prepareRealServers()
        }
    }

    /// Waits (bounded) until the hosts have resolved their next hops: the client its gateway,
    /// each real server the director (NAT) or the client (direct return path). A fresh link may
    /// lose or delay the first resolution by a second (the selftest sleeps a second instead);
    /// a test must not mistake that for the director losing a packet. Each probe is one UDP
    /// datagram to the discard port, answered (by port unreachable) by the kernel. The
    /// director's own neighbours are left alone: the engine resolves the real servers itself.
    private func settle() throws {
        var pairs: [(namespace: String, device: String, address: String)] = [
            (client, "br0", "10.0.0.1"), (client, "br0", "fd00:10::1"),
        ]
        for server in servers {
            switch mode {
            case .masquerading:
                pairs += [(server, "veth21", "172.16.0.1"), (server, "veth21", "fd00:172::1")]
            case .directRouting, .tunnelling:
                pairs += [(server, "veth20", "10.0.0.2"), (server, "veth20", "fd00:10::2")]
            }
        }
        var script = """
            probe() {
              for i in $(seq 50); do
                printf x | ip netns exec $1 socat -u - "UDP:$3:9" 2>/dev/null
                ip -n $1 neigh show "$(echo $3 | tr -d '[]')" dev $2 | grep -q lladdr && return 0
                sleep 0.1
              done
              echo "$1 did not resolve $3 on $2" >&2; return 1
            }

            """
        for pair in pairs {
            let target = pair.address.contains(":") ? "[\(pair.address)]" : pair.address
            script += "probe \(pair.namespace) \(pair.device) \(target) || exit 1\n"
        }
        let result = try Self.shell(script)
        guard result.status == 0 else { throw LabError("settle: \(result.error)") }
    }

    /// Direct routing and tunnelling: each real server is prepared with `lvs-realserver prepare`
    /// (VIPs on lo, arp_ignore/arp_announce, rp_filter), as docs/realserver.md tells users; for
    /// tunnelling its user-space decapsulator runs (this kernel has no ipip module).
    private func prepareRealServers() throws {
        let helper = try Self.executable("lvs-realserver")
        let method = mode == .tunnelling ? "tun" : "dr"
        for (index, server) in servers.enumerated() {
            let prepared = try run(
                in: server,
                "\(helper) prepare --vip \(Self.vip) --vip \(Self.vip6) --method \(method) --interface veth20 "
                    + "--interface veth21 --state-file \(file("rs\(index).state"))")
            guard prepared.status == 0 else { throw LabError("prepare \(server): \(prepared.error)") }
            guard mode == .tunnelling else { continue }
            decapsulators.append(
                try start(
                    in: server, [helper, "decap", "--vip", Self.vip, "--vip", Self.vip6], name: "decap\(index)"))
            let ready = waitUntil(seconds: 10) { contents(file("decap\(index).out")).contains("ready:") }
            guard ready else { throw LabError("decap did not start: \(contents(file("decap\(index).err")))") }
        }
    }

    /// Stops real server `index`'s decapsulator (by its process id) and returns what it printed:
    /// its counters.
    func stopDecapsulator(_ index: Int) -> String {
        guard decapsulators.indices.contains(index) else { return "" }
        let process = decapsulators[index]
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            _ = waitUntil(seconds: 10) { !process.isRunning }
        }
        return contents("decap\(index).out")
    }

    /// Deletes the namespaces and stops every process this lab started (by their ids). Children
    /// inherit the test runner's signal mask, in which SIGTERM may be blocked (socat does not
    /// unblock it; lvsd and lvs-realserver do): SIGTERM first, SIGKILL after a bounded grace.
    /// Whatever is left in the namespaces (forked socat children, orphans) is found with `ip
    /// netns pids` and killed by id before the namespaces go.
    func tearDown() {
        for responder in responders { responder.stop() }
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGTERM) }
        _ = waitUntil(seconds: 2) { processes.allSatisfy { !$0.isRunning } }
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        let all = ([client, director] + servers).joined(separator: " ")
        _ = try? Self.shell(
            "for n in \(all); do for p in $(ip netns pids $n 2>/dev/null); do kill -9 $p 2>/dev/null; done; done; true")
        _ = waitUntil(seconds: 5) { processes.allSatisfy { !$0.isRunning } }
        _ = try? Self.shell("for n in \(all); do ip netns del $n 2>/dev/null; done; true")
        try? FileManager.default.removeItem(atPath: directory)
    }

    func file(_ name: String) -> String { directory + "/" + name }

    func contents(_ name: String) -> String {
        (try? String(contentsOfFile: name.hasPrefix("/") ? name : file(name), encoding: .utf8)) ?? ""
    }

    /// Starts `command` inside `namespace` in the background; output goes to files in the lab.
    @discardableResult
    func start(in namespace: String, _ arguments: [String], name: String, input: Pipe? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.which("ip")))
        process.arguments = ["netns", "exec", namespace] + arguments
        _ = FileManager.default.createFile(atPath: file("\(name).out"), contents: nil)
        _ = FileManager.default.createFile(atPath: file("\(name).err"), contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: file("\(name).out")))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: file("\(name).err")))
        if let input { process.standardInput = input }
        try Self.runUnmasked(process)
        processes.append(process)
        return process
    }

    /// Starts `process` with no signal blocked. Test threads are dispatch workers, which block
    /// most signals, and a spawned child inherits that mask: socat would then never see the
    /// SIGUSR1 its forking UDP listener waits for, nor SIGTERM.
    static func runUnmasked(_ process: Process) throws {
        var empty = sigset_t()
        var saved = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        try process.run()
    }

    /// Runs a command inside `namespace` and waits for it.
    func run(in namespace: String, _ command: String) throws -> (status: Int32, output: String, error: String) {
        try Self.shell("ip netns exec \(namespace) \(command)")
    }

    /// Polls `condition` every 50 ms for at most `seconds` (bounded waits for processes in other
    /// namespaces to get ready; no assertion depends on timing).
    func waitUntil(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }

    static func shell(_ script: String) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try runUnmasked(process)
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self)
        )
    }

    static func which(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        for directory in path.split(separator: ":") + ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"] {
            let candidate = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// A built executable of this package (next to the test bundle, or in .build/debug).
    static func executable(_ name: String) throws -> String {
        var candidates: [String] = []
        for bundle in Bundle.allBundles {
            candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent(name).path)
        }
        if let first = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: first).deletingLastPathComponent().appendingPathComponent(name).path)
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/\(name)").path)
        let found = candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
        return try #require(found, "\(name) is not built (looked in \(candidates))")
    }
}

struct LabError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
