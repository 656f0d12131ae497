import Foundation
import LVSControl
import NIOCore
import NIOPosix
import Testing

/// Rendered exposition text read back: `metrics["name{labels}"]` is the sample's value text.
struct RenderedMetrics {
    var values: [String: String] = [:]
    var types: [String: String] = [:]
    var order: [String] = []

    init(_ text: String) {
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                if parts.count == 4 { types[String(parts[2])] = String(parts[3]) }
                continue
            }
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " ") else { continue }
            let series = String(line[..<space])
            values[series] = String(line[line.index(after: space)...])
            order.append(series)
        }
    }

    subscript(series: String) -> String? { values[series] }

    func type(of family: String) -> String? { types[family] }

    /// Every series of `family`, in the order written.
    func series(of family: String) -> [String] {
        order.filter { $0 == family || $0.hasPrefix(family + "{") }
    }
}

/// Runs `promtool check metrics` on the text: it must print nothing and exit 0. Skips when
/// promtool is absent (Debian package `prometheus`), and fails then under CI=true.
enum PromtoolCheck {
    static func check(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let candidates = ["/usr/bin/promtool", "/usr/local/bin/promtool", "/usr/sbin/promtool"]
        guard let promtool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            let reason = "promtool is not installed (apt-get install prometheus)"
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("CI=true: \(reason)", sourceLocation: sourceLocation)
            } else {
                print("skipped promtool check: \(reason)")
            }
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lvs-metrics-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("metrics.txt")
        let output = directory.appendingPathComponent("promtool.out")
        try Data(text.utf8).write(to: input)
        _ = FileManager.default.createFile(atPath: output.path, contents: nil, attributes: [.posixPermissions: 0o600])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: promtool)
        process.arguments = ["check", "metrics"]
        // Files, never the test runner's own stdout/stderr (an inherited pipe hangs swift test).
        process.standardInput = try FileHandle(forReadingFrom: input)
        let outputHandle = try FileHandle(forWritingTo: output)
        process.standardOutput = outputHandle
        process.standardError = outputHandle
        try process.run()
        // Bounded: promtool answers in well under a second; 60 s for a loaded machine.
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            Issue.record("promtool did not finish within 60 s", sourceLocation: sourceLocation)
            return
        }
        try outputHandle.close()
        let printed = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "promtool: \(printed)", sourceLocation: sourceLocation)
        #expect(printed == "", "promtool printed: \(printed)\n\(text)", sourceLocation: sourceLocation)
    }
}

/// Answers `ping` and fails everything else.
struct FailingHandler: ControlRequestHandler {
    let loop = MultiThreadedEventLoopGroup.singleton.next()

    func handle(_ request: ControlRequestBody) -> EventLoopFuture<ControlReplyBody> {
        switch request {
        case .ping: return loop.makeSucceededFuture(.pong(ControlServerInfo(daemonVersion: "x", dryRun: false)))
        default:
            return loop.makeSucceededFuture(.failure(ControlFailure(kind: .unavailable, message: "shutting down")))
        }
    }
}
