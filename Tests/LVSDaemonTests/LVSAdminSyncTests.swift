import Foundation
import LVSControl
import LVSCore
import Logging
import NIOCore
import NIOPosix
import Testing

/// Answers `getSync` with a fixed reply, so that the real `lvsadm` executable's `--sync` output
/// can be checked to the byte.
private struct FixedSyncHandler: ControlRequestHandler {
    let eventLoop: any EventLoop
    let reply: ControlReplyBody

    func handle(_ request: ControlRequestBody) -> EventLoopFuture<ControlReplyBody> {
        switch request {
        case .getSync: return eventLoop.makeSucceededFuture(reply)
        case .apply, .applyBatch, .getTable, .getConnections, .getTimeouts, .getDaemons, .getEngineStats, .ping,
            .reload, .getHealth, .getVRRP, .getAnnouncements, .getEvents, .explain:
            return eventLoop.makeSucceededFuture(
                .failure(ControlFailure(kind: .unavailable, message: "only getSync here")))
        }
    }
}

/// `lvsadm --sync` end to end: the executable against a control server that answers a known
/// report, and against a real lvsd that runs no sync daemon.
@Suite("lvsadm --sync")
struct LVSAdminSyncTests {
    /// Backup listed first (lvsadm prints the master first); the master with every parameter at
    /// its default, the backup with its own group and port, two ports, two peers, drops, and a
    /// counter lvsadm does not know.
    static let report = SyncReport(
        daemons: [
            SyncDaemonReport(
                config: SyncDaemonConfig(
                    role: .backup, multicastInterface: "eth1", syncID: 1,
                    multicastGroup: IPAddress(ipv4: 0xEF00_0009), multicastPort: 9000),
                maxLength: 8972, ports: [9000, 9001], runningFor: 3600.04,
                counters: [
                    "messages_received": 12, "entries_received": 340, "messages_dropped": 4, "messages_truncated": 2,
                ],
                drops: ["size_mismatch": 1, "bad_authentication_code": 3, "sync_id_mismatch": 0],
                peers: [
                    SyncPeerReport(address: "192.0.2.11", messages: 12, entries: 340, lastMessageAgo: 0.4),
                    SyncPeerReport(address: "192.0.2.12", messages: 1, entries: 0, lastMessageAgo: 61),
                ]),
            SyncDaemonReport(
                config: SyncDaemonConfig(role: .master, multicastInterface: "eth0", syncID: 1), maxLength: 1472,
                ports: [8848], runningFor: 83.2,
                counters: ["messages_sent": 12, "entries_sent": 340, "snapshots_sent": 1], drops: [:], peers: []),
        ],
        authenticated: false, version: 1,
        entries: [
            "created": 300, "updated": 40, "bound_later": 2, "created_unbound": 5, "rejected_table_full": 2,
            "rejected_one_packet": 1, "rejected_invalid_state": 0, "queued": 0, "dropped_outbox_full": 0,
        ])

    static let golden = """
        Sync daemon: master (mcast=eth0, syncid=1, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)
          Protocol version: 1, authenticated: no
          Running for: 83.2s
          Ports: 8848
          Messages sent: 12, entries sent: 340, send buffer full: 0, send failed: 0, snapshots sent: 1
        Sync daemon: backup (mcast=eth1, syncid=1, maxlen=8972, group=239.0.0.9, port=9000, ttl=1)
          Protocol version: 0 and 1 accepted, authenticated: no
          Running for: 3600.0s
          Ports: 9000, 9001
          Messages received: 12, entries received: 340, messages dropped: 4, entries dropped: 0, messages truncated: 2
          Peers: 192.0.2.11 (12 messages, 340 entries, last 0.4s ago), 192.0.2.12 (1 message, 0 entries, last 61.0s ago)
          Drops: bad_authentication_code 3, size_mismatch 1
        Entries: created 300, updated 40, replaced 0, ignored_stale 0, bound_later 2, rejected 3 (one_packet 1, table_full 2), created_unbound 5, dropped_outbox_full 0, queued 0

        """

    /// A backup alone that has heard nothing yet, authenticated, without `maxlen` known.
    static let quietBackup = SyncReport(
        daemons: [
            SyncDaemonReport(
                config: SyncDaemonConfig(role: .backup, multicastInterface: "lo", syncID: 7, multicastTTL: 3),
                maxLength: 0, ports: [], runningFor: -5, counters: [:], drops: ["size_mismatch": 0], peers: [])
        ],
        authenticated: true, version: 0, entries: [:])

    static let quietGolden = """
        Sync daemon: backup (mcast=lo, syncid=7, group=224.0.0.81, port=8848, ttl=3)
          Protocol version: 0 and 1 accepted, authenticated: yes
          Running for: 0.0s
          Ports: none
          Messages received: 0, entries received: 0, messages dropped: 0, entries dropped: 0
          Peers: none
          Drops: none
        Entries: created 0, updated 0, replaced 0, ignored_stale 0, bound_later 0, rejected 0

        """

    static let empty = SyncReport(daemons: [], authenticated: false, version: 1, entries: [:])
    static let notRunning = "lvsd runs no connection synchronisation daemon\n"

    /// Runs `lvsadm --control-socket … arguments` against a server answering `reply`.
    static func lvsadm(answering reply: ControlReplyBody, _ arguments: [String]) async throws -> ProcessResult {
        let directory = try TemporaryDirectory()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await ControlServer.start(
            path: directory.file("c.sock"), group: group,
            handler: FixedSyncHandler(eventLoop: group.next(), reply: reply), logger: Logger(label: "test"))
        let result: Result<ProcessResult, any Error>
        do {
            result = .success(try await Subprocess.run("lvsadm", ["--control-socket", server.path] + arguments))
        } catch {
            result = .failure(error)
        }
        await server.close()
        try? await group.shutdownGracefully()
        directory.remove()
        return try result.get()
    }

    @Test("master first, each daemon's parameters, counters, peers and drops, then the entries")
    func text() async throws {
        for arguments in [["--sync"], ["--sync", "-L", "-n"], ["-l", "--numeric", "--sync"]] {
            let result = try await Self.lvsadm(answering: .sync(Self.report), arguments)
            #expect(result == ProcessResult(status: 0, standardOutput: Self.golden, standardError: ""), "\(arguments)")
        }
    }

    @Test("absent counters print 0, empty peers and drops print none, a negative age prints 0")
    func quiet() async throws {
        let result = try await Self.lvsadm(answering: .sync(Self.quietBackup), ["--sync"])
        #expect(result == ProcessResult(status: 0, standardOutput: Self.quietGolden, standardError: ""))
    }

    @Test("--json prints the whole report, keys sorted, and reads back to the same report")
    func json() async throws {
        let result = try await Self.lvsadm(answering: .sync(Self.report), ["--sync", "-L", "--json"])
        #expect(result.status == 0)
        #expect(result.standardError == "")
        let decoded = try JSONDecoder().decode(SyncReport.self, from: Data(result.standardOutput.utf8))
        #expect(decoded == Self.report)
        let output = result.standardOutput
        #expect(output.hasPrefix("{\n  \"authenticated\" : false,\n  \"daemons\" : [\n"))
        #expect(output.hasSuffix("\n  \"version\" : 1\n}\n"))
        // Sorted keys: the top level and a daemon's members come out in alphabetical order.
        let topLevel = ["\n  \"authenticated\"", "\n  \"daemons\"", "\n  \"entries\"", "\n  \"version\""]
        let daemonKeys = ["config", "counters", "drops", "maxLength", "peers", "ports", "runningFor"].map {
            "\n      \"\($0)\" : "
        }
        for keys in [topLevel, daemonKeys] {
            let positions = keys.map { output.range(of: $0)?.lowerBound }
            #expect(!positions.contains(nil), "\(keys)")
            let found = positions.compactMap { $0 }
            #expect(found == found.sorted(), "\(keys)")
        }
        #expect(output.contains("\"bad_authentication_code\" : 3,\n        \"size_mismatch\" : 1,"))
    }

    @Test("no daemon running: one line, exit 0; --json has an empty daemons array")
    func notRunning() async throws {
        let result = try await Self.lvsadm(answering: .sync(Self.empty), ["--sync"])
        #expect(result == ProcessResult(status: 0, standardOutput: Self.notRunning, standardError: ""))
        let json = try await Self.lvsadm(answering: .sync(Self.empty), ["--sync", "--json"])
        #expect(json.status == 0)
        #expect(try JSONDecoder().decode(SyncReport.self, from: Data(json.standardOutput.utf8)) == Self.empty)
        let output = json.standardOutput
        #expect(output.contains("\"daemons\" : [\n\n  ]") || output.contains("\"daemons\" : []"))
    }

    @Test("a refusal prints the daemon's message and exits 255, as the other extension commands")
    func refused() async throws {
        let failure = ControlFailure(kind: .unavailable, message: "lvsd is shutting down")
        let result = try await Self.lvsadm(answering: .failure(failure), ["--sync"])
        #expect(result == ProcessResult(status: 255, standardOutput: "", standardError: "lvsd is shutting down\n"))
    }

    @Test("another reply than sync is reported, exit 2")
    func unexpectedReply() async throws {
        let result = try await Self.lvsadm(answering: .ok, ["--sync"])
        #expect(
            result
                == ProcessResult(
                    status: 2, standardOutput: "", standardError: "lvsadm: unexpected ok reply from lvsd\n"))
    }

    @Test(
        "--sync with anything but -L, -n and --json is a usage error (exit 2, nothing sent)",
        arguments: [
            ["--sync", "-c"], ["--sync", "--daemon"], ["--sync", "--health"], ["-L", "--sync", "-t", "10.0.0.1:80"],
            ["--sync", "--syncid", "3"],
        ])
    func usageErrors(arguments: [String]) async throws {
        // No daemon at the path: a usage error is reported before lvsadm looks for one.
        let directory = try TemporaryDirectory()
        let result = try await Subprocess.run(
            "lvsadm", arguments, environment: ["LVSD_SOCKET": directory.file("absent.sock")])
        directory.remove()
        let offender = arguments.first { !["--sync", "-L"].contains($0) } ?? ""
        #expect(
            result
                == ProcessResult(
                    status: 2, standardOutput: "",
                    standardError: "lvsadm: --sync takes only -L, -n and --json (not '\(offender)')\n"))
    }

    @Test("against lvsd without a sync daemon, lvsadm --sync prints the not-running line")
    func againstLVSD() async throws {
        let daemon = try await TestDaemon.start()
        let result = try await LVSAdminEndToEndTests.lvsadm(daemon, ["--sync"])
        #expect(result == ProcessResult(status: 0, standardOutput: Self.notRunning, standardError: ""))
        let json = try await LVSAdminEndToEndTests.lvsadm(daemon, ["--sync", "-L", "--json"])
        #expect(json.status == 0)
        let decoded = try JSONDecoder().decode(SyncReport.self, from: Data(json.standardOutput.utf8))
        #expect(decoded.daemons.isEmpty)
        await daemon.stop()
    }
}
