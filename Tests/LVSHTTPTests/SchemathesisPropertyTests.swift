import Foundation
import LVSCore
import Testing

@testable import LVSHTTP

/// The API driven from its OpenAPI document by schemathesis (PyPI; `pip install schemathesis`):
/// generated requests against a running host on loopback must never get a 5xx, and every response
/// must match the status codes, content types and schemas the document promises.
@Suite("REST API property test (schemathesis)")
struct SchemathesisPropertyTests {
    /// `schemathesis` on PATH, or nil.
    static func executable() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/schemathesis"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    @Test("no 5xx and every response conforms to docs/openapi.json", .timeLimit(.minutes(3)))
    func propertyTest() async throws {
        guard let schemathesis = Self.executable() else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("schemathesis is not installed (pip install schemathesis), and CI=true requires it")
            }
            return
        }
        // A pyenv shim exits with an error when the active Python lacks the package.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lvs-schemathesis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: directory) }
        let logPath = directory.appendingPathComponent("schemathesis.log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil, attributes: [.posixPermissions: 0o600])

        try await HTTPTestDaemon.with { daemon in
            // The document's examples name these, so generated requests also reach existing
            // services and real servers rather than only 404s.
            let vip = VirtualServiceID(protocol: .tcp, address: IPAddress("10.0.0.1")!, port: 80)
            let mark = VirtualServiceID(firewallMark: 1, family: .inet)
            let realServer = RealServerConfig(address: IPAddress("192.168.10.1")!, port: 80, forwarding: .masquerading)
            let seeded = try await daemon.host.handle(
                .applyBatch([
                    .addService(VirtualServiceConfig(id: vip)), .addService(VirtualServiceConfig(id: mark)),
                    .addRealServer(vip, realServer), .addRealServer(mark, realServer),
                ])
            ).get()
            #expect(seeded == .ok)
            let base = "http://127.0.0.1:\(daemon.server.port)"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: schemathesis)
            process.arguments = [
                "--no-color", "run", "\(base)/api/v1/openapi.json", "--url", base,
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                "--phases", "examples,fuzzing", "--max-examples", "15", "--seed", "1", "--workers", "1",
                "--request-timeout", "10", "--max-time", "60",
            ]
            var environment = ProcessInfo.processInfo.environment
            environment["SCHEMATHESIS_HOOKS"] = nil
            environment["NO_COLOR"] = "1"
            process.environment = environment
            process.currentDirectoryURL = directory
            process.standardInput = FileHandle.nullDevice
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            process.standardOutput = log
            process.standardError = log
            try process.run()
            // Bounded: schemathesis stops itself after --max-time (60 s); 150 s is the hard stop.
            for _ in 0..<1500 where process.isRunning {
                try await Task.sleep(for: .milliseconds(100))
            }
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
                Issue.record("schemathesis did not finish within 150 s")
            }
            try? log.close()
            let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            #expect(process.terminationStatus == 0, "schemathesis failed:\n\(output.suffix(6000))")
            // It tested something: an empty run would also exit 0.
            #expect(output.contains("passed") || output.contains("Passed"), "\(output.suffix(2000))")
        }
    }
}
