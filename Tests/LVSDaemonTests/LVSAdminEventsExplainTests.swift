import Foundation
import LVSControl
import LVSCore
import Testing

/// `lvsadm --events` and `lvsadm --explain`: the executable against an in-process lvsd.
@Suite("lvsadm --events and --explain")
struct LVSAdminEventsExplainTests {
    static let setup: [[String]] = [
        ["-A", "-t", "207.175.44.110:80", "-s", "wlc"],
        ["-a", "-t", "207.175.44.110:80", "-r", "192.168.10.1:80", "-m", "-w", "3"],
        ["-a", "-t", "207.175.44.110:80", "-r", "192.168.10.2:80", "-m", "-w", "0"],
    ]

    @Test("--events prints one line per event; --json one object per line; --since pages")
    func events() async throws {
        let daemon = try await TestDaemon.start()
        for arguments in Self.setup { _ = try await LVSAdminEndToEndTests.lvsadm(daemon, arguments) }
        let text = try await LVSAdminEndToEndTests.lvsadm(daemon, ["--events"])
        #expect(text.status == 0)
        let lines = text.standardOutput.split(separator: "\n")
        #expect(lines.count == 3)
        let fields = lines.first.map { $0.split(separator: " ", maxSplits: 3).map(String.init) } ?? []
        #expect(fields.count == 4)
        #expect(fields.first == "1")
        #expect(fields.dropFirst(2).first == "transaction")
        #expect(fields.last == "applied add service TCP 207.175.44.110:80 result=ok")
        let json = try await LVSAdminEndToEndTests.lvsadm(daemon, ["--events", "--json", "--since", "1"])
        #expect(json.status == 0)
        let events = try json.standardOutput.split(separator: "\n").map {
            try JSONDecoder().decode(DaemonEvent.self, from: Data($0.utf8))
        }
        #expect(events.map(\.seq) == [2, 3])
        #expect(events.last?.reason == "applied add real server 192.168.10.2:80 to TCP 207.175.44.110:80")
        let bad = try await LVSAdminEndToEndTests.lvsadm(daemon, ["--events", "--since", "x"])
        #expect(bad.status == 2)
        await daemon.stop()
    }

    @Test("--explain names the scheduler's choice and why the other lost; --json decodes")
    func explain() async throws {
        let daemon = try await TestDaemon.start()
        for arguments in Self.setup { _ = try await LVSAdminEndToEndTests.lvsadm(daemon, arguments) }
        let arguments = ["--explain", "-t", "207.175.44.110:80", "--client", "192.0.2.7:40000"]
        let text = try await LVSAdminEndToEndTests.lvsadm(daemon, arguments)
        #expect(
            text
                == ProcessResult(
                    status: 0,
                    standardOutput: """
                        Client 192.0.2.7:40000 to TCP 207.175.44.110:80
                        Virtual service: TCP 207.175.44.110:80, scheduler wlc
                        Decided by: scheduler wlc -> 192.168.10.1:80
                        Real servers:
                          192.168.10.2:80 weight 0 active 0 inactive 0: weight 0 (drained, quiescent, or inhibited by a failed health check)
                        * 192.168.10.1:80 weight 3 active 0 inactive 0: overhead 0 / weight 3 is the smallest

                        """, standardError: ""))
        let json = try await LVSAdminEndToEndTests.lvsadm(daemon, arguments + ["--json"])
        let explanation = try JSONDecoder().decode(Explanation.self, from: Data(json.standardOutput.utf8))
        #expect(explanation.decision == .scheduler)
        #expect(explanation.chosen?.description == "192.168.10.1:80")
        #expect(explanation.realServers.map(\.verdict) == [.weightZero, .chosen])
        let missing = try await LVSAdminEndToEndTests.lvsadm(daemon, ["--explain", "-t", "207.175.44.110:80"])
        #expect(missing.status == 2)
        #expect(missing.standardError == "lvsadm: --explain: name the client with --client ADDR[:PORT]\n")
        let none = try await LVSAdminEndToEndTests.lvsadm(
            daemon, ["--explain", "-u", "207.175.44.110:53", "--client", "192.0.2.7"])
        #expect(
            none.standardOutput
                == "Client 192.0.2.7 to UDP 207.175.44.110:53: no virtual service matches (the packet is not ours)\n")
        await daemon.stop()
    }
}
