import Dispatch
import Foundation
import Testing

/// `lvsd` run as a subprocess, for what only a process can show: signals, exit statuses, the
/// command line. Its stderr (the log) goes to a file the test can read while it runs.
final class LVSDProcess: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `process` is only started in `start` and then only
    // signalled and waited for; Process itself is thread-safe for those calls.
    let process: Process
    let socket: String
    let logPath: String
    /// What lvsd printed on stdout before it was ready (its "listening" line).
    let banner: String

    private init(process: Process, socket: String, logPath: String, banner: String) {
        self.process = process
        self.socket = socket
        self.logPath = logPath
        self.banner = banner
    }

    /// Starts `lvsd --control-socket DIR/lvsd.sock ARGUMENTS` and waits until it printed its
    /// first line (or exited). Bounded by the pipe: if lvsd dies, the read returns empty.
    static func start(_ arguments: [String], in directory: TemporaryDirectory) async throws -> LVSDProcess {
        let url = try Subprocess.executable("lvsd")
        let socket = directory.file("lvsd.sock")
        let logPath = directory.file("lvsd.log")
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result {
                        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
                        let process = Process()
                        process.executableURL = url
                        process.arguments = ["--control-socket", socket, "--log-level", "info"] + arguments
                        let pipe = Pipe()
                        process.standardOutput = pipe
                        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
                        try process.run()
                        var output = Data()
                        while !String(decoding: output, as: UTF8.self).contains("\n") {
                            let chunk = pipe.fileHandleForReading.availableData
                            if chunk.isEmpty { break }
                            output.append(chunk)
                        }
                        return LVSDProcess(
                            process: process, socket: socket, logPath: logPath,
                            banner: String(decoding: output, as: UTF8.self))
                    })
            }
        }
    }

    var isReady: Bool { banner == "lvsd: listening on \(socket)\n" }

    /// What lvsd logged so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func hangUp() { kill(process.processIdentifier, SIGHUP) }

    /// `lvsadm --control-socket SOCKET ARGUMENTS`.
    func lvsadm(_ arguments: [String]) async throws -> ProcessResult {
        try await Subprocess.run("lvsadm", ["--control-socket", socket] + arguments)
    }

    /// `lvsadm -S -n`'s output.
    func saved() async throws -> String { try await lvsadm(["-S", "-n"]).standardOutput }

    /// SIGTERM, then waits for the exit; returns the status.
    func stop() async -> Int32 {
        if process.isRunning { process.terminate() }
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                self.process.waitUntilExit()
                continuation.resume(returning: self.process.terminationStatus)
            }
        }
    }
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass; returns whether it held.
func eventually(within seconds: Double = 10, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while true {
        if try await condition() { return true }
        if ContinuousClock.now >= deadline { return false }
        try? await Task.sleep(for: .milliseconds(20))
    }
}
