import Foundation
import Testing

/// One network namespace with a veth pair `eth0`/`peer0` (eth0 10.98.0.1/24) running one `lvsd --config`: for
/// what a single director shows alone (notify order, fault on link loss, VMACs, leftovers after a
/// crash). Adverts go to the peer inside the namespace and nowhere else. `tearDown` kills lvsd by pid and
/// deletes the namespace, on every path.
final class SoloNamespace: @unchecked Sendable {
    // Invariant for @unchecked Sendable: used by one test at a time; `process` is only started,
    // signalled and waited for.
    let name: String
    let directory: TemporaryDirectory
    private(set) var process: Process?

    /// Why these tests cannot run here (nil when they can).
    static var unavailableReason: String? {
        if getuid() != 0 { return "VRRP namespace tests need root" }
        if !FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip")
            && !FileManager.default.isExecutableFile(atPath: "/sbin/ip")
        {
            return "VRRP namespace tests need ip (iproute2)"
        }
        return nil
    }

    /// Skips (false) with a reason, or fails under CI=true (docs/DESIGN.md §7).
    static func available() -> Bool {
        guard let reason = unavailableReason else { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("CI=true: \(reason)")
        } else {
            print("skipped: \(reason)")
        }
        return false
    }

    init() throws {
        name = "lvsvrrp-\(String(UInt32.random(in: 0..<UInt32.max), radix: 16))"
        directory = try TemporaryDirectory()
        _ = chmod(directory.path, 0o755)
        try sh("ip netns add \(name)")
        try sh("ip -n \(name) link set lo up")
        try sh("ip -n \(name) link add eth0 type veth peer name peer0")
        try sh("ip -n \(name) addr add 10.98.0.1/24 dev eth0")
        try sh("ip -n \(name) link set peer0 up")
        try sh("ip -n \(name) link set eth0 up")
    }

    func tearDown() {
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        // Whatever else runs in the namespace (a test's server, a script) goes with it.
        if let pids = try? sh("ip netns pids \(name)") {
            for pid in pids.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
        }
        _ = try? sh("ip netns del \(name)")
        directory.remove()
    }

    /// Starts `lvsd --config` with `configuration`.
    func start(_ configuration: String) throws {
        try configuration.write(toFile: directory.file("keepalived.conf"), atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = [
            "netns", "exec", name, try Subprocess.executable("lvsd").path, "--control-socket",
            directory.file("lvsd.sock"), "--reactors", "1", "--config", directory.file("keepalived.conf"),
        ]
        _ = FileManager.default.createFile(atPath: directory.file("lvsd.log"), contents: nil)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.file("lvsd.log")))
        try process.run()
        self.process = process
    }

    func signal(_ number: Int32) {
        guard let process else { return }
        kill(process.processIdentifier, number)
        if number == SIGKILL || number == SIGTERM {
            let stopped = waitUntil(seconds: 10) { !process.isRunning }
            #expect(stopped, "lvsd did not stop: \(log)")
        }
    }

    var log: String { (try? String(contentsOfFile: directory.file("lvsd.log"), encoding: .utf8)) ?? "" }

    func contents(_ file: String) -> String {
        (try? String(contentsOfFile: directory.file(file), encoding: .utf8)) ?? ""
    }

    /// `ip -o addr show` in the namespace.
    func addresses() throws -> String { try sh("ip -n \(name) -o addr show") }

    func links() throws -> String { try sh("ip -n \(name) -o link show") }

    /// Polls `condition` every 20 ms until it holds or `seconds` pass.
    @discardableResult
    func waitUntil(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        try Self.poll(seconds: seconds, every: 20_000, condition)
    }

    @discardableResult
    func sh(_ command: String) throws -> String { try Self.shell(command) }

    /// Polls `condition` every `interval` microseconds until it holds or `seconds` pass;
    /// returns whether it held (the namespace labs of this target share it).
    @discardableResult
    static func poll(seconds: Double, every interval: UInt32, _ condition: () throws -> Bool) rethrows -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if try condition() { return true }
            usleep(interval)
        }
        return try condition()
    }

    /// `command` through /bin/sh, its output; a non-zero exit throws with the output.
    @discardableResult
    static func shell(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let out = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw SoloNamespaceError(message: "\(command): exit \(process.terminationStatus): \(text)")
        }
        return text
    }
}

struct SoloNamespaceError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
