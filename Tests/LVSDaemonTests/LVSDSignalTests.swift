import Dispatch
import Foundation
import Testing

@Suite("lvsd executable")
struct LVSDSignalTests {
    /// Starts `lvsd`, waits for its "listening" line, sends SIGTERM and waits for it to exit.
    static func runUntilTerminated(socket: String) throws -> (status: Int32, output: String, socketExisted: Bool) {
        let process = Process()
        process.executableURL = try Subprocess.executable("lvsd")
        process.arguments = ["--control-socket", socket, "--log-level", "warning"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        var output = Data()
        // Bounded by the pipe closing: if lvsd dies, availableData returns empty.
        while !String(decoding: output, as: UTF8.self).contains("\n") {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            output.append(chunk)
        }
        let existed = FileManager.default.fileExists(atPath: socket)
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), existed)
    }

    @Test("SIGTERM stops lvsd cleanly and removes its socket")
    func sigterm() async throws {
        let directory = try TemporaryDirectory()
        let socket = directory.file("lvsd.sock")
        let result = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try Self.runUntilTerminated(socket: socket) })
            }
        }
        #expect(result.output == "lvsd: listening on \(socket)\n")
        #expect(result.socketExisted)
        #expect(result.status == 0)
        #expect(!FileManager.default.fileExists(atPath: socket))
        directory.remove()
    }

    @Test("lvsd refuses an unreadable rules file with a message naming it")
    func badRulesFile() async throws {
        let directory = try TemporaryDirectory()
        let result = try await Subprocess.run(
            "lvsd", ["--control-socket", directory.file("s.sock"), "--rules", directory.file("missing.rules")])
        #expect(result.status == 1)
        #expect(result.standardError.contains("lvsd: \(directory.file("missing.rules")): cannot read"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("s.sock")))
        directory.remove()
    }
}
