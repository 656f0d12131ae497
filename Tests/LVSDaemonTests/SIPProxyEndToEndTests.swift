import Foundation
import Glibc
import LVSReactor
import Testing

/// SIP calls through the proxy engine on loopback, with SIPp (Debian `sip-tester`): one UAC
/// places many calls from one address and port (`-t u1 -p`), two UAS answer as real servers of
/// a `-o -p --pe sip` UDP service (reference §4.14, §4.9). Every message of a call must reach
/// one real server, and the calls must spread over both.
@Suite("SIP calls through the proxy engine (sipp)", .serialized)
struct SIPProxyEndToEndTests {
    static let calls = 40

    /// Skips (returns nil) with a reason, or fails under CI=true (DESIGN.md §7).
    static func sipp() -> String? {
        for directory in ["/usr/bin", "/usr/local/bin", "/usr/sbin"]
        where FileManager.default.isExecutableFile(atPath: "\(directory)/sipp") {
            return "\(directory)/sipp"
        }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("CI=true: the SIP end-to-end test needs sipp (apt-get install sip-tester)")
        } else {
            print("skipped: the SIP end-to-end test needs sipp (apt-get install sip-tester)")
        }
        return nil
    }

    static func freeUDPPort() -> UInt16 {
        let fd = (try? Socket.makeUDPSocket(UDPSocketOptions(address: .loopbackIPv4(port: 0), reusePort: false))) ?? -1
        defer { close(fd) }
        return (try? Socket.localAddress(fd))?.port ?? 0
    }

    /// A started sipp, its output in files of `directory`; stopped by `stop` (by its pid).
    final class SIPp {
        let process = Process()
        let name: String
        let directory: String

        init(_ path: String, _ arguments: [String], name: String, directory: String) throws {
            self.name = name
            self.directory = directory
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            for stream in ["out", "err"] {
                _ = FileManager.default.createFile(atPath: "\(directory)/\(name).\(stream)", contents: nil)
            }
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(directory)/\(name).out"))
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(directory)/\(name).err"))
            // Spawned with no signal blocked (test threads block most; a child inherits the mask).
            var empty = sigset_t()
            var saved = sigset_t()
            sigemptyset(&empty)
            pthread_sigmask(SIG_SETMASK, &empty, &saved)
            defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
            try process.run()
        }

        /// Waits at most `seconds` for the process to end by itself.
        func wait(seconds: Double) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { usleep(50_000) }
            return !process.isRunning
        }

        func stop() {
            guard process.isRunning else { return }
            // sipp ends on SIGINT (it ignores SIGTERM).
            kill(process.processIdentifier, SIGINT)
            if !wait(seconds: 5) { kill(process.processIdentifier, SIGKILL) }
            _ = wait(seconds: 5)
        }

        var errors: String {
            (try? String(contentsOfFile: "\(directory)/\(name).err", encoding: .utf8)) ?? ""
        }
    }

    /// The requests a UAS's message log (`-trace_msg`) shows it received: Call-ID → methods.
    static func receivedRequests(_ log: String) -> [String: Set<String>] {
        var calls: [String: Set<String>] = [:]
        for block in log.components(separatedBy: "message received") {
            // SIP lines end in CRLF, one Character in Swift: split on any newline.
            let lines = block.split(whereSeparator: \.isNewline).map {
                $0.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            // The line after "[N] bytes :" is the request line.
            guard let start = lines.firstIndex(where: { $0.hasSuffix("bytes :") }), start + 1 < lines.count else {
                continue
            }
            let method = String(lines[start + 1].prefix { $0 != " " })
            guard method != "SIP/2.0",
                let header = lines[(start + 1)...].first(where: { $0.lowercased().hasPrefix("call-id:") })
            else { continue }
            let callID = header.dropFirst("call-id:".count).trimmingCharacters(in: .whitespaces)
            calls[callID, default: []].insert(method)
        }
        return calls
    }

    @Test("40 calls from one UAC socket: each call's messages reach one UAS, the calls spread 40–60 %")
    func callsThroughTheProxyEngine() async throws {
        guard let sipp = Self.sipp() else { return }
        let daemon = try await TestDaemon.start(dryRun: false)
        let directory = daemon.directory.path
        var processes: [SIPp] = []
        defer { for process in processes { process.stop() } }
        let vip = "127.0.0.1:\(Self.freeUDPPort())"
        #expect(
            try await LVSAdminEndToEndTests.lvsadm(
                daemon, ["-A", "-u", vip, "-s", "rr", "-p", "60", "-o", "--pe", "sip"]
            )
            .status == 0)
        let listing = try await LVSAdminEndToEndTests.lvsadm(daemon, ["-L", "-n"]).standardOutput
        #expect(listing.contains("UDP  \(vip) rr persistent 60 pe sip ops"), "\(listing)")
        var uasPorts: [UInt16] = []
        for index in 0..<2 {
            let port = Self.freeUDPPort()
            uasPorts.append(port)
            processes.append(
                try SIPp(
                    sipp,
                    [
                        "-sn", "uas", "-i", "127.0.0.1", "-p", String(port), "-t", "u1", "-nostdin", "-trace_msg",
                        "-message_file", "\(directory)/uas\(index).msg", "-timeout", "120s",
                    ], name: "uas\(index)", directory: directory))
            #expect(
                try await LVSAdminEndToEndTests.lvsadm(daemon, ["-a", "-u", vip, "-r", "127.0.0.1:\(port)", "--proxy"])
                    .status == 0)
        }
        let uac = try SIPp(
            sipp,
            [
                "-sn", "uac", vip, "-i", "127.0.0.1", "-p", String(Self.freeUDPPort()), "-t", "u1", "-nostdin",
                "-m", String(Self.calls), "-r", "20", "-l", "10", "-timeout", "90s", "-timeout_error",
                "-trace_stat", "-stf", "\(directory)/uac.csv",
            ], name: "uac", directory: directory)
        processes.append(uac)
        let finished = uac.wait(seconds: 100)
        #expect(finished, "sipp uac did not finish")
        #expect(!finished || uac.process.terminationStatus == 0, "sipp uac failed: \(uac.errors)")
        let stats = (try? String(contentsOfFile: "\(directory)/uac.csv", encoding: .utf8)) ?? ""
        let lastLine = stats.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        let header =
            stats.split(whereSeparator: \.isNewline).first.map { $0.split(separator: ";").map(String.init) } ?? []
        let row = lastLine.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        if let successful = header.firstIndex(of: "SuccessfulCall(C)"), successful < row.count {
            #expect(row[successful] == String(Self.calls), "\(lastLine)")
        } else {
            Issue.record("no SuccessfulCall(C) column in sipp's statistics: \(stats)")
        }
        for uas in processes.prefix(2) { uas.stop() }

        let perServer = (0..<2).map {
            Self.receivedRequests((try? String(contentsOfFile: "\(directory)/uas\($0).msg", encoding: .utf8)) ?? "")
        }
        let first = Set(perServer[0].keys)
        let second = Set(perServer[1].keys)
        #expect(first.isDisjoint(with: second), "calls split between servers: \(first.intersection(second))")
        #expect(first.count + second.count == Self.calls, "\(first.count) + \(second.count)")
        for server in perServer {
            for (callID, methods) in server {
                #expect(methods.isSuperset(of: ["INVITE", "ACK", "BYE"]), "\(callID): \(methods)")
            }
        }
        let share = Double(first.count) / Double(max(first.count + second.count, 1))
        #expect((0.4...0.6).contains(share), "first real server's share \(share)")
        let templates = try await LVSAdminEndToEndTests.lvsadm(daemon, ["-L", "-n", "-c", "--persistent-conn"])
        // One template per call, named by its Call-ID (the `pe name` column says sip).
        let sipTemplates = templates.standardOutput.split(separator: "\n").filter {
            $0.split(separator: " ").contains("sip")
        }
        #expect(sipTemplates.count == Self.calls, "\(templates.standardOutput)")
        await daemon.stop()
    }
}
