import Foundation
import Testing

/// Three namespaces for what a killed packet-engine `lvsd` leaves and what the next one does
/// with it (docs/design/0032):
///
///     client eth0 10.97.1.2 ── eth0 10.97.1.1 director (VIP 10.97.1.1:80) eth1 10.97.2.1 ── eth0 10.97.2.2 server
///
/// The director masquerades to the server (`-m`), whose default route goes back through it.
/// The server echoes every line; the client keeps one connection open across the restart and
/// sends a line when the test says (a file appears). `tearDown` kills every process of the
/// namespaces by pid and deletes them, on every path.
final class CrashRestartLab: @unchecked Sendable {
    // Invariant for @unchecked Sendable: used by one test at a time; `lvsd` is only started,
    // signalled and waited for.
    let prefix: String
    let directory: TemporaryDirectory
    private(set) var lvsd: Process?
    private var launches = 0

    var client: String { prefix + "-c" }
    var director: String { prefix + "-d" }
    var server: String { prefix + "-s" }

    init() throws {
        prefix = "lvscr-\(String(UInt32.random(in: 0..<UInt32.max), radix: 16))"
        directory = try TemporaryDirectory()
        _ = chmod(directory.path, 0o755)
        try sh(
            """
            set -e
            for n in \(client) \(director) \(server); do ip netns add $n; ip -n $n link set lo up; done
            ip link add eth0 netns \(client) type veth peer name eth0 netns \(director)
            ip link add eth1 netns \(director) type veth peer name eth0 netns \(server)
            ip -n \(client) addr add 10.97.1.2/24 dev eth0; ip -n \(client) link set eth0 up
            ip -n \(client) route add default via 10.97.1.1
            ip -n \(director) addr add 10.97.1.1/24 dev eth0; ip -n \(director) link set eth0 up
            ip -n \(director) addr add 10.97.2.1/24 dev eth1; ip -n \(director) link set eth1 up
            ip -n \(server) addr add 10.97.2.2/24 dev eth0; ip -n \(server) link set eth0 up
            ip -n \(server) route add default via 10.97.2.1
            """)
        try write(
            """
            import socket, threading
            srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            srv.bind(("0.0.0.0", 80)); srv.listen(64)
            def serve(c):
                f = c.makefile("rb")
                for line in f:
                    c.sendall(b"echo " + line)
                c.close()
            while True:
                c, _ = srv.accept()
                threading.Thread(target=serve, args=(c,), daemon=True).start()

            """, to: "server.py")
        // One connection: a line, then (when `go` exists, at most 60 s later) another line; each
        // answer is written to `answers` as it comes, `timeout` when none comes in 5 s, `closed` at
        // an end of stream.
        try write(
            """
            import os, socket, sys, time
            out = open(sys.argv[1] + "/answers", "a", buffering=1)
            c = socket.create_connection(("10.97.1.1", 80), timeout=5)
            f = c.makefile("rb")
            def ask(text):
                try:
                    c.sendall(text.encode() + b"\\n")
                    out.write((f.readline().decode().strip() or "closed") + "\\n")
                except OSError as error:
                    out.write("timeout " + str(error) + "\\n")
            ask("first")
            for _ in range(600):
                if os.path.exists(sys.argv[1] + "/go"): break
                time.sleep(0.1)
            ask("second")

            """, to: "client.py")
        try spawn(in: server, ["/usr/bin/python3", file("server.py")], log: "server.log")
        try write("-A -t 10.97.1.1:80 -s rr\n-a -t 10.97.1.1:80 -r 10.97.2.2:80 -m -w 1\n", to: "rules")
    }

    func tearDown() {
        if let lvsd, lvsd.isRunning {
            kill(lvsd.processIdentifier, SIGKILL)
            lvsd.waitUntilExit()
        }
        for namespace in [client, director, server] {
            if let pids = try? sh("ip netns pids \(namespace)") {
                for pid in pids.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
            }
            _ = try? sh("ip netns del \(namespace)")
        }
        directory.remove()
    }

    func file(_ name: String) -> String { directory.file(name) }

    func contents(_ name: String) -> String {
        (try? String(contentsOfFile: file(name), encoding: .utf8)) ?? ""
    }

    func write(_ text: String, to name: String) throws {
        try text.write(toFile: file(name), atomically: true, encoding: .utf8)
        _ = chmod(file(name), 0o644)
    }

    /// Starts `lvsd --packet-engine` in the director namespace with the rules; waits until its
    /// start-up is done (its "listening" line). Each start logs to its own file (`lvsd-N.log`).
    func startLVSD(sloppyTCP: Bool, extra: [String] = []) throws {
        launches += 1
        let arguments = [
            try Subprocess.executable("lvsd").path, "--control-socket", file("lvsd.sock"), "--rules", file("rules"),
            "--packet-engine", "--interface", "eth0", "--interface", "eth1", "--packet-workers", "1",
            "--reactors", "1",
        ]
        lvsd = try spawn(
            in: director, arguments + (sloppyTCP ? ["--sloppy-tcp"] : []) + extra, log: "lvsd-\(launches).log")
        let ready = waitUntil(seconds: 30) { contents("lvsd-\(launches).log").contains("lvsd: listening on") }
        try #require(ready, "lvsd did not start: \(log)")
    }

    /// The log of the latest lvsd.
    var log: String { contents("lvsd-\(launches).log") }

    func killLVSD() {
        guard let lvsd else { return }
        kill(lvsd.processIdentifier, SIGKILL)
        lvsd.waitUntilExit()
    }

    /// `nft list tables` in the director namespace, one table a line.
    func tables() throws -> [String] {
        try sh("ip netns exec \(director) nft list tables").split(separator: "\n").map(String.init)
    }

    @discardableResult
    func spawn(in namespace: String, _ arguments: [String], log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = ["netns", "exec", namespace] + arguments
        _ = FileManager.default.createFile(atPath: file(log), contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file(log)))
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// Polls `condition` every 50 ms until it holds or `seconds` pass.
    @discardableResult
    func waitUntil(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        try SoloNamespace.poll(seconds: seconds, every: 50_000, condition)
    }

    /// `command` through /bin/sh, bounded to 30 s.
    @discardableResult
    func sh(_ command: String) throws -> String {
        try SoloNamespace.shell("timeout 30 sh -c '\(command.replacingOccurrences(of: "'", with: "'\\''"))'")
    }
}
