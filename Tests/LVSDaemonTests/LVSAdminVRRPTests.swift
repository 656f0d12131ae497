import Foundation
import LVSControl
import Logging
import NIOCore
import NIOPosix
import Testing

/// Answers `getVRRP` with a fixed report (or a fixed failure), so that the real `lvsadm`
/// executable's `--vrrp` output can be checked to the byte.
private struct FixedVRRPHandler: ControlRequestHandler {
    let eventLoop: any EventLoop
    let reply: ControlReplyBody

    func handle(_ request: ControlRequestBody) -> EventLoopFuture<ControlReplyBody> {
        switch request {
        case .getVRRP: return eventLoop.makeSucceededFuture(reply)
        case .apply, .applyBatch, .getTable, .getConnections, .getTimeouts, .getDaemons, .getEngineStats, .ping,
            .reload, .getHealth, .getSync, .getAnnouncements, .getEvents, .explain:
            return eventLoop.makeSucceededFuture(
                .failure(ControlFailure(kind: .unavailable, message: "only getVRRP here")))
        }
    }
}

/// `lvsadm --vrrp` end to end: the executable against a control server that answers a known
/// report, and against a real lvsd without VRRP.
@Suite("lvsadm --vrrp")
struct LVSAdminVRRPTests {
    /// Two instances of one sync group, one of each VRRP version; the second has dropped adverts.
    static let report = VRRPReport(
        running: true,
        instances: [
            VRRPInstanceReport(
                name: "VI_1", interface: "eth0", virtualRouterID: 51, version: 3, state: "BACKUP", priority: 100,
                effectivePriority: 90, advertisementInterval: 1, masterAdvertisementInterval: 0.5,
                masterAddress: "192.0.2.11", sourceAddress: "192.0.2.10",
                virtualAddresses: ["192.0.2.100/32 dev eth0", "192.0.2.101/32 dev eth0"], syncGroup: "VG_1",
                lastTransition: VRRPTransitionReport(
                    from: "INIT", to: "BACKUP", reason: "initial state", secondsAgo: 83.2),
                counters: [
                    VRRPCounter.advertisementsReceived.rawValue: 83, VRRPCounter.becameMaster.rawValue: 1,
                    VRRPCounter.releasedMaster.rawValue: 1, VRRPCounter.priorityZeroReceived.rawValue: 1,
                    VRRPCounter.priorityZeroSent.rawValue: 2,
                ],
                drops: [:]),
            VRRPInstanceReport(
                name: "VI_2", interface: "eth1", virtualRouterID: 52, version: 2, state: "BACKUP", priority: 100,
                effectivePriority: 100, advertisementInterval: 1, masterAdvertisementInterval: 1,
                masterAddress: "198.51.100.3", sourceAddress: "198.51.100.2",
                virtualAddresses: ["198.51.100.100/32 dev eth1"], syncGroup: "VG_1",
                lastTransition: VRRPTransitionReport(
                    from: "MASTER", to: "BACKUP", reason: "higher priority advert received", secondsAgo: 0.04),
                counters: [
                    "advert_rcvd": 12, "advert_sent": 340, "packet_len_err": 1, "ip_ttl_err": 2,
                    "invalid_type_rcvd": 3, "advert_interval_err": 4, "addr_list_err": 5, "invalid_authtype": 6,
                    "authtype_mismatch": 7, "auth_failure": 8,
                ],
                drops: ["bad_ttl": 2, "address_list_mismatch": 5, "authentication_failure": 8]),
        ],
        syncGroups: [
            VRRPSyncGroupReport(
                name: "VG_1", state: "BACKUP", members: ["VI_1", "VI_2"],
                lastTransition: VRRPTransitionReport(
                    from: "MASTER", to: "BACKUP", reason: "member VI_2 left MASTER", secondsAgo: 0.04))
        ])

    static let golden = """
        VRRP Instance: VI_1
          State: BACKUP
          Interface: eth0
          Virtual Router ID: 51
          Version: 3
          Priority: 100
          Effective priority: 90
          Advert interval: 1000 milli-sec
          Master advert interval: 500 milli-sec
          Master router: 192.0.2.11
          Source address: 192.0.2.10
          Last transition: INIT -> BACKUP (initial state), 83.2s ago
          Sync group: VG_1
          Virtual addresses (2):
            192.0.2.100/32 dev eth0
            192.0.2.101/32 dev eth0
          Advertisements:
            Received: 83
            Sent: 0
          Became master: 1
          Released master: 1
          Packet Errors:
            Length: 0
            TTL: 0
            Invalid Type: 0
            Advertisement Interval: 0
            Address List: 0
          Authentication Errors:
            Invalid Type: 0
            Type Mismatch: 0
            Failure: 0
          Priority Zero:
            Received: 1
            Sent: 2
          Dropped adverts: none
        VRRP Instance: VI_2
          State: BACKUP
          Interface: eth1
          Virtual Router ID: 52
          Version: 2
          Priority: 100
          Effective priority: 100
          Advert interval: 1 sec
          Master router: 198.51.100.3
          Source address: 198.51.100.2
          Last transition: MASTER -> BACKUP (higher priority advert received), 0.0s ago
          Sync group: VG_1
          Virtual addresses (1):
            198.51.100.100/32 dev eth1
          Advertisements:
            Received: 12
            Sent: 340
          Became master: 0
          Released master: 0
          Packet Errors:
            Length: 1
            TTL: 2
            Invalid Type: 3
            Advertisement Interval: 4
            Address List: 5
          Authentication Errors:
            Invalid Type: 6
            Type Mismatch: 7
            Failure: 8
          Priority Zero:
            Received: 0
            Sent: 0
          Dropped adverts:
            address_list_mismatch: 5
            authentication_failure: 8
            bad_ttl: 2
        VRRP Sync Group: VG_1
          State: BACKUP
          Members: VI_1, VI_2
          Last transition: MASTER -> BACKUP (member VI_2 left MASTER), 0.0s ago

        """

    static let notRunning =
        "lvsd runs no VRRP instance (started without --config, with --dry-run, or without vrrp_instance)\n"

    /// Runs `lvsadm --control-socket … arguments` against a server answering `reply`.
    static func lvsadm(answering reply: ControlReplyBody, _ arguments: [String]) async throws -> ProcessResult {
        let directory = try TemporaryDirectory()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await ControlServer.start(
            path: directory.file("c.sock"), group: group,
            handler: FixedVRRPHandler(eventLoop: group.next(), reply: reply), logger: Logger(label: "test"))
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

    @Test("every instance, its counters and drops, then the sync groups, in keepalived's words")
    func text() async throws {
        for arguments in [["--vrrp"], ["--vrrp", "-L"], ["-l", "--vrrp"]] {
            let result = try await Self.lvsadm(answering: .vrrp(Self.report), arguments)
            #expect(result == ProcessResult(status: 0, standardOutput: Self.golden, standardError: ""), "\(arguments)")
        }
    }

    @Test("--json prints the whole report, keys sorted, and reads back to the same report")
    func json() async throws {
        let result = try await Self.lvsadm(answering: .vrrp(Self.report), ["--vrrp", "-L", "--json"])
        #expect(result.status == 0)
        #expect(result.standardError == "")
        let decoded = try JSONDecoder().decode(VRRPReport.self, from: Data(result.standardOutput.utf8))
        #expect(decoded == Self.report)
        let output = result.standardOutput
        #expect(output.hasPrefix("{\n  \"instances\" : [\n"))
        #expect(output.hasSuffix("\n}\n"))
        // Sorted keys: the top level and an instance's members come out in alphabetical order.
        let topLevel = ["\n  \"instances\"", "\n  \"running\" : true", "\n  \"syncGroups\""]
        let instanceKeys = [
            "advertisementInterval", "counters", "drops", "effectivePriority", "interface", "lastTransition",
            "masterAddress", "masterAdvertisementInterval", "name", "priority", "sourceAddress", "state",
            "syncGroup", "version", "virtualAddresses", "virtualRouterID",
        ].map { "\n      \"\($0)\" : " }
        for keys in [topLevel, instanceKeys] {
            let positions = keys.map { output.range(of: $0)?.lowerBound }
            #expect(!positions.contains(nil), "\(keys)")
            let found = positions.compactMap { $0 }
            #expect(found == found.sorted(), "\(keys)")
        }
        #expect(output.contains("\"address_list_mismatch\" : 5,\n        \"authentication_failure\" : 8,"))
    }

    @Test("a daemon without VRRP: one line, exit 0; --json says running false")
    func notRunning() async throws {
        let empty = VRRPReport(running: false, instances: [], syncGroups: [])
        let result = try await Self.lvsadm(answering: .vrrp(empty), ["--vrrp"])
        #expect(result == ProcessResult(status: 0, standardOutput: Self.notRunning, standardError: ""))
        let json = try await Self.lvsadm(answering: .vrrp(empty), ["--vrrp", "--json"])
        #expect(json.status == 0)
        #expect(try JSONDecoder().decode(VRRPReport.self, from: Data(json.standardOutput.utf8)) == empty)
    }

    @Test("a refusal prints the daemon's message and exits 255, as the other extension commands")
    func refused() async throws {
        let failure = ControlFailure(kind: .unavailable, message: "lvsd is shutting down")
        let result = try await Self.lvsadm(answering: .failure(failure), ["--vrrp"])
        #expect(result == ProcessResult(status: 255, standardOutput: "", standardError: "lvsd is shutting down\n"))
    }

    @Test(
        "--vrrp with anything but -L and --json is a usage error (exit 2, nothing sent)",
        arguments: [
            ["--vrrp", "-n"], ["--vrrp", "-c"], ["--vrrp", "--health"], ["-L", "--vrrp", "-t", "10.0.0.1:80"],
        ])
    func usageErrors(arguments: [String]) async throws {
        // No daemon at the path: a usage error is reported before lvsadm looks for one.
        let directory = try TemporaryDirectory()
        let result = try await Subprocess.run(
            "lvsadm", arguments, environment: ["LVSD_SOCKET": directory.file("absent.sock")])
        directory.remove()
        let offender = arguments.first { !["--vrrp", "-L"].contains($0) } ?? ""
        #expect(
            result
                == ProcessResult(
                    status: 2, standardOutput: "",
                    standardError: "lvsadm: --vrrp takes only -L and --json (not '\(offender)')\n"))
    }

    @Test("against lvsd without vrrp_instance, lvsadm --vrrp prints the not-configured line")
    func againstLVSD() async throws {
        let daemon = try await TestDaemon.start()
        let result = try await LVSAdminEndToEndTests.lvsadm(daemon, ["--vrrp"])
        #expect(result == ProcessResult(status: 0, standardOutput: Self.notRunning, standardError: ""))
        let json = try await LVSAdminEndToEndTests.lvsadm(daemon, ["--vrrp", "-L", "--json"])
        #expect(json.status == 0)
        #expect(
            try JSONDecoder().decode(VRRPReport.self, from: Data(json.standardOutput.utf8))
                == VRRPReport(running: false, instances: [], syncGroups: []))
        await daemon.stop()
    }
}
