import CLinuxNet
import Foundation
import Testing

/// What a finished subprocess left behind.
struct ProcessResult: Sendable, Equatable {
    var status: Int32
    var standardOutput: String
    var standardError: String
}

/// Runs `lvs-realserver` and system tools (`ip`, `socat`) as subprocesses.
enum HelperProcess {
    /// The built `lvs-realserver`: next to the test bundle (.build/debug), whatever the
    /// configuration is.
    static func executable() throws -> String {
        let name = "lvs-realserver"
        var candidates: [URL] = []
        if let bundleDirectory = Bundle.main.executableURL?.deletingLastPathComponent() {
            candidates.append(bundleDirectory.appendingPathComponent(name))
        }
        for bundle in Bundle.allBundles {
            candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent(name))
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent(".build/debug/\(name)"))
        let found = candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
        return try #require(found, "\(name) is not built next to the tests (looked in \(candidates.map(\.path)))").path
    }

    /// The first of `names` found in the usual system directories.
    static func tool(_ name: String) -> String? {
        ["/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"].map { $0 + name }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// Runs `path arguments` and waits for it (output read before waiting, so no pipe fills).
    static func run(_ path: String, _ arguments: [String]) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let errorReader = DispatchQueue(label: "stderr")
        // Written once by the reader before group.wait() returns, read only after it.
        nonisolated(unsafe) var errorData = Data()
        let group = DispatchGroup()
        errorReader.async(group: group) { errorData = errors.fileHandleForReading.readDataToEndOfFile() }
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus, standardOutput: String(decoding: outData, as: UTF8.self),
            standardError: String(decoding: errorData, as: UTF8.self))
    }

    /// Runs `lvs-realserver arguments`.
    static func realServer(_ arguments: [String]) throws -> ProcessResult {
        try run(executable(), arguments)
    }

    /// Runs `lvs-realserver arguments` inside network namespace `namespace`.
    static func realServer(in namespace: String, _ arguments: [String]) throws -> ProcessResult {
        try run(#require(tool("ip")), ["netns", "exec", namespace, executable()] + arguments)
    }
}

/// A subprocess that keeps running while the test talks to it, with its standard output and
/// error readable with a deadline. Every wait is bounded; it is stopped by process id, so start
/// the program itself (no `timeout` or shell wrapper whose child would outlive a kill).
///
/// Children of the test process inherit its blocked-signal mask, in which SIGTERM may be
/// blocked: only SIGKILL is sure to stop a program that does not unblock it (decap does).
final class RunningProcess {
    let process = Process()
    private let output = Pipe()
    private var reachedEOF = false
    private(set) var collected = ""

    init(_ path: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Reads output until `done()` holds (true), or EOF or the deadline (false).
    private func read(timeoutMilliseconds: Int32, until done: () -> Bool) -> Bool {
        let fd = output.fileHandleForReading.fileDescriptor
        let deadline = clinuxnet_monotonic_ns() &+ UInt64(timeoutMilliseconds) * 1_000_000
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if done() { return true }
            let now = clinuxnet_monotonic_ns()
            guard !reachedEOF, now < deadline else { return false }
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, Int32(clamping: (deadline - now) / 1_000_000 + 1)) > 0 else { return false }
            let count = Glibc.read(fd, &chunk, chunk.count)
            if count <= 0 {
                reachedEOF = true
                continue
            }
            collected += String(decoding: chunk[0..<count], as: UTF8.self)
        }
    }

    /// Reads output until a line starting with `prefix` arrives (true), or EOF or the deadline (false).
    func waitForLine(startingWith prefix: String, timeoutMilliseconds: Int32 = 10_000) -> Bool {
        read(timeoutMilliseconds: timeoutMilliseconds) {
            collected.split(separator: "\n").contains { $0.hasPrefix(prefix) }
        }
    }

    /// Reads output until it contains `text` (true), or EOF or the deadline (false).
    func waitForOutput(containing text: String, timeoutMilliseconds: Int32 = 10_000) -> Bool {
        read(timeoutMilliseconds: timeoutMilliseconds) { collected.contains(text) }
    }

    /// Sends `signal` (0: none, just wait) by process id, reads the rest of the output and
    /// waits for the exit. If it has not finished by the deadline it is killed and
    /// `finishedInTime` is false.
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeoutMilliseconds: Int32 = 10_000) -> String {
        if signal != 0 && process.isRunning { kill(process.processIdentifier, signal) }
        finishedInTime = read(timeoutMilliseconds: timeoutMilliseconds) { reachedEOF }
        killIfRunning()
        return collected
    }

    /// False when the last `stop` had to kill the process.
    private(set) var finishedInTime = true

    /// Kills the process by id if it still runs (cleanup in every path).
    func killIfRunning() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
