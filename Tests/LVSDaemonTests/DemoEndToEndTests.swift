import Dispatch
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The real `lvsd --demo` as a user runs it: curl-like requests through the proxy engine, then
/// `lvsadm`, then Ctrl-C. Needs the proxy engine (it fails before it is built in).
@Suite("lvsd --demo end to end")
struct DemoEndToEndTests {
    /// The ports `lvsd --demo` printed.
    struct Printed {
        var virtualPort: Int
        var realServerPorts: [Int]
    }

    static func parse(_ output: String) throws -> Printed {
        var virtualPort: Int?
        var realServerPorts: [Int] = []
        for line in output.split(separator: "\n") {
            let words = line.split(separator: " ")
            if line.hasPrefix("SwiftLVS demo: virtual service TCP "), words.count > 5 {
                virtualPort = words[5].split(separator: ":").last.flatMap { Int($0.trimmingCharacters(in: [","])) }
            }
            if line.hasPrefix("  real server "), words.count > 3, let port = words[3].split(separator: ":").last {
                realServerPorts.append(try #require(Int(port), "bad real server line: \(line)"))
            }
        }
        return Printed(
            virtualPort: try #require(virtualPort, "no virtual service in:\n\(output)"),
            realServerPorts: realServerPorts)
    }

    /// What one run of the demo showed; gathered on a Dispatch thread, checked in the test.
    struct Observed: Sendable {
        var printed = ""
        var bodies: [String] = []
        var list = ProcessResult(status: -1, standardOutput: "", standardError: "")
        var stats = ProcessResult(status: -1, standardOutput: "", standardError: "")
        var failure: String?
        /// The reply to `GET /` at the dashboard address the demo printed.
        var dashboard = ""
        var status: Int32 = -1
        var standardError = ""
    }

    @Test(
        "curl through the demo rotates over the three real servers; lvsadm sees them; SIGINT stops it",
        .timeLimit(.minutes(2)))
    func demo() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let socket = directory.file("lvsd.sock")
        let observed = try await offPool { try Self.runDemo(socket: socket) }
        #expect(observed.failure == nil, "lvsd stderr:\n\(observed.standardError)")
        let printed = try Self.parse(observed.printed)
        try #require(printed.realServerPorts.count == 3, "expected three real servers in:\n\(observed.printed)")
        let names = printed.realServerPorts.enumerated().map { index, port in
            "Hello from real server \(index + 1) (127.0.0.1:\(port))\n"
        }
        // Six new connections: rr hands them to real servers 1, 2, 3, 1, 2, 3.
        #expect(observed.bodies == names + names)

        #expect(observed.list.status == 0)
        let vip = "127.0.0.1:\(printed.virtualPort)"
        #expect(observed.list.standardOutput.contains("\nTCP  \(vip) rr\n"))
        let listRows = Self.rows(of: observed.list.standardOutput)
        for port in printed.realServerPorts {
            let fields = try #require(
                Self.row(listRows, "->", "127.0.0.1:\(port)"),
                "no real server :\(port) in:\n\(observed.list.standardOutput)")
            try #require(fields.count == 6, "\(fields)")
            #expect(fields[2] == "Proxy")
            #expect(fields[3] == "1")
            // Each real server took two connections, open or closing.
            let active = Int(fields[4]) ?? 0
            let inactive = Int(fields[5]) ?? 0
            #expect(active + inactive > 0, "\(fields)")
        }

        #expect(observed.stats.status == 0)
        let statsRows = Self.rows(of: observed.stats.standardOutput)
        let serviceConns = Self.row(statsRows, "TCP", vip).flatMap { $0.count > 2 ? $0[2] : nil }
        #expect(serviceConns == "6", "\(observed.stats.standardOutput)")
        for port in printed.realServerPorts {
            let conns = Self.row(statsRows, "->", "127.0.0.1:\(port)").flatMap { $0.count > 2 ? $0[2] : nil }
            #expect(conns == "2", "\(observed.stats.standardOutput)")
        }

        #expect(observed.dashboard.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(observed.printed)")
        #expect(observed.dashboard.contains("<title>lvsd dashboard</title>"))

        #expect(observed.status == 0, "lvsd --demo exited \(observed.status); stderr:\n\(observed.standardError)")
        #expect(!FileManager.default.fileExists(atPath: socket))
    }

    /// Runs the scenario on the calling (Dispatch) thread and records what it saw. A watchdog
    /// terminates lvsd after 90 s whatever happens, so every blocking read below ends.
    static func runDemo(socket: String) throws -> Observed {
        let process = Process()
        process.executableURL = try Subprocess.executable("lvsd")
        process.arguments = ["--demo", "--control-socket", socket, "--log-level", "warning"]
        let output = Pipe()
        let errorPath = socket + ".stderr"
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        try process.run()
        let watchdog = DispatchWorkItem { [process] in if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 90, execute: watchdog)
        defer { watchdog.cancel() }
        var observed = Observed()
        while !observed.printed.contains("Ctrl-C stops the demo") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }  // lvsd exited
            observed.printed += String(decoding: chunk, as: UTF8.self)
        }
        do {
            let printed = try parse(observed.printed)
            for _ in 0..<6 {
                let reply = try HTTPTestClient.exchange(
                    port: printed.virtualPort, request: "GET / HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\r\n")
                observed.bodies.append(String(reply.split(separator: "\r\n\r\n", maxSplits: 1).last ?? ""))
            }
            observed.list = try Subprocess.runSynchronously("lvsadm", ["--control-socket", socket, "-L", "-n"])
            observed.stats = try Subprocess.runSynchronously(
                "lvsadm", ["--control-socket", socket, "-L", "-n", "--stats"])
            let dashboardLine = observed.printed.split(separator: "\n").first {
                $0.hasPrefix("  dashboard http://127.0.0.1:")
            }
            let dashboardPort = dashboardLine.flatMap { Int($0.dropFirst(29).prefix { $0.isNumber }) }
            observed.dashboard = try HTTPTestClient.exchange(
                port: try #require(dashboardPort, "no dashboard line"),
                request: "GET / HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\r\n")
        } catch {
            observed.failure = "\(error)"
        }
        process.interrupt()  // SIGINT, as Ctrl-C
        process.waitUntilExit()
        observed.status = process.terminationStatus
        observed.standardError = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        return observed
    }

    /// Each line of an lvsadm listing as its space-separated fields.
    static func rows(of listing: String) -> [[String]] {
        listing.split(separator: "\n").map { line in line.split(separator: " ").map(String.init) }
    }

    /// The first row whose first two fields are `first` and `second`.
    static func row(_ rows: [[String]], _ first: String, _ second: String) -> [String]? {
        rows.first { fields in fields.count > 1 && fields[0] == first && fields[1] == second }
    }
}

/// A minimal blocking HTTP client for loopback tests: one connection, one write, read to EOF.
enum HTTPTestClient {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Sends `request` to 127.0.0.1:`port` and returns everything read until the server closes.
    /// Reads time out after 10 s, so a silent server cannot hang the test.
    static func exchange(port: Int, request: String) throws -> String {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(truncatingIfNeeded: port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Failure(description: "connect to 127.0.0.1:\(port): errno \(errno)") }
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send: errno \(errno)") }
            sent += n
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            guard n > 0 else { throw Failure(description: "recv from 127.0.0.1:\(port): errno \(errno)") }
            received += chunk[0..<n]
        }
        return String(decoding: received, as: UTF8.self)
    }
}
