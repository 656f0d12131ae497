import Dispatch
import Foundation
import Testing

/// What a finished subprocess left behind.
struct ProcessResult: Sendable, Equatable {
    var status: Int32
    var standardOutput: String
    var standardError: String
}

/// Runs the package's own executables (`lvsadm`, `lvsd`) as subprocesses.
///
/// Waiting happens on a Dispatch thread, never on the Swift concurrency pool, so an in-process
/// daemon in the same test keeps being served while the subprocess talks to it.
enum Subprocess {
    /// The directory holding the built executables: next to the test bundle, whatever the
    /// build configuration is.
    static func executable(_ name: String) throws -> URL {
        var candidates: [URL] = []
        if let bundleDirectory = Bundle.main.executableURL?.deletingLastPathComponent() {
            candidates.append(bundleDirectory.appendingPathComponent(name))
        }
        for bundle in Bundle.allBundles {
            candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent(name))
        }
        if let first = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: first).deletingLastPathComponent().appendingPathComponent(name))
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent(".build/debug/\(name)"))
        let found = candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
        return try #require(found, "\(name) is not built next to the tests (looked in \(candidates.map(\.path)))")
    }

    /// Runs `name arguments` with `input` on stdin and waits for it to exit.
    static func run(
        _ name: String, _ arguments: [String], input: String = "", environment: [String: String] = [:],
        executableOverride: String? = nil
    ) async throws -> ProcessResult {
        let url = try executableOverride.map { URL(fileURLWithPath: $0) } ?? executable(name)
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result { try runBlocking(url, arguments, input: input, environment: environment) })
            }
        }
    }

    /// `run` for callers already off the cooperative pool (blocking).
    static func runSynchronously(_ name: String, _ arguments: [String], input: String = "") throws -> ProcessResult {
        try runBlocking(executable(name), arguments, input: input, environment: [:])
    }

    private static func runBlocking(
        _ url: URL, _ arguments: [String], input: String, environment: [String: String]
    ) throws -> ProcessResult {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lvsproc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let inPath = scratch.appendingPathComponent("in")
        let outPath = scratch.appendingPathComponent("out")
        let errPath = scratch.appendingPathComponent("err")
        try Data(input.utf8).write(to: inPath)
        _ = FileManager.default.createFile(atPath: outPath.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath.path, contents: nil)
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["LVSD_SOCKET"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardInput = try FileHandle(forReadingFrom: inPath)
        process.standardOutput = try FileHandle(forWritingTo: outPath)
        process.standardError = try FileHandle(forWritingTo: errPath)
        try process.run()
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus,
            standardOutput: String(decoding: try Data(contentsOf: outPath), as: UTF8.self),
            standardError: String(decoding: try Data(contentsOf: errPath), as: UTF8.self))
    }
}

/// A fresh directory under the system temporary directory, with a short path (Unix socket
/// paths are limited to 107 bytes).
struct TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        path = "/tmp/lvsd-test-\(UUID().uuidString.prefix(12))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        // An explicit mode: the process umask is shared with in-process control servers that
        // narrow it while they bind, and lvsd — which drops CAP_DAC_OVERRIDE after start-up —
        // must still enter the directory to reload its configuration or remove its socket.
        _ = chmod(path, 0o755)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
