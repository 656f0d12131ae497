import Dispatch
import Foundation
import Testing

@Suite("lvsd executable")
struct LVSDSignalTests {
    /// Starts `lvsd`, waits for its "listening" line, runs `whileRunning`, sends SIGTERM and waits
    /// for it to exit.
    static func runUntilTerminated(
        socket: String, extraArguments: [String] = [], whileRunning: () throws -> Void = {}
    ) throws -> (status: Int32, output: String, socketExisted: Bool) {
        let process = Process()
        process.executableURL = try Subprocess.executable("lvsd")
        process.arguments = ["--control-socket", socket, "--log-level", "warning", "--dry-run"] + extraArguments
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
        do {
            if existed { try whileRunning() }
        } catch {
            process.terminate()
            process.waitUntilExit()
            throw error
        }
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

    @Test("lvsd --rules resolves host and service names through libc, as ipvsadm -R does")
    func rulesWithNames() async throws {
        let directory = try TemporaryDirectory()
        let socket = directory.file("lvsd.sock")
        let rules = directory.file("names.rules")
        try """
        -A -t localhost:http -s rr
        -a -t localhost:http -r localhost:http-alt -m -w 2
        -A -u 127.0.0.1:domain -s sh
        """.write(toFile: rules, atomically: true, encoding: .utf8)
        let saved = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String, Error>) in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result {
                        var saved = ""
                        _ = try Self.runUntilTerminated(socket: socket, extraArguments: ["--rules", rules]) {
                            saved = try Subprocess.runSynchronously("lvsadm", ["--control-socket", socket, "-S", "-n"])
                                .standardOutput
                        }
                        return saved
                    })
            }
        }
        #expect(
            saved == """
                -A -t 127.0.0.1:80 -s rr
                -a -t 127.0.0.1:80 -r 127.0.0.1:8080 -m -w 2
                -A -u 127.0.0.1:53 -s sh

                """)
        directory.remove()
    }

    @Test("lvsd refuses an unreadable rules file with a message naming it")
    func badRulesFile() async throws {
        let directory = try TemporaryDirectory()
        let result = try await Subprocess.run(
            "lvsd",
            ["--control-socket", directory.file("s.sock"), "--dry-run", "--rules", directory.file("missing.rules")])
        #expect(result.status == 1)
        #expect(result.standardError.contains("lvsd: \(directory.file("missing.rules")): cannot read"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("s.sock")))
        directory.remove()
    }
}
