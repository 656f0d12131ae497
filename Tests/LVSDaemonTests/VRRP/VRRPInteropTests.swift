import Foundation
import Testing

/// lvsd against the real keepalived 2.2 in network namespaces (`VRRPLab`): one VRRP instance,
/// VRRPv2 with PASS authentication and VRRPv3, multicast and unicast, each side as master.
/// Every scenario elects a master, stops it cleanly (SIGTERM: it resigns with priority 0, so
/// the backup takes over after Skew_Time, well before Master_Down_Interval), and brings it back
/// (it preempts). After each step the VIP is on exactly one side and the observer's neighbour
/// entry for it carries the master's MAC (gratuitous ARP).
@Suite("VRRPInterop: lvsd and keepalived, one instance")
struct VRRPInteropTests {
    struct Scenario: Sendable, CustomTestStringConvertible {
        var version: Int
        var unicast: Bool
        /// lvsd (A) has the higher priority; otherwise keepalived (B) has it.
        var lvsdMaster: Bool

        var testDescription: String {
            "v\(version) \(unicast ? "unicast" : "multicast")\(version == 2 ? " PASS" : ""), "
                + (lvsdMaster ? "lvsd master / keepalived backup" : "keepalived master / lvsd backup")
        }

        /// VRRPv2 counts whole seconds; VRRPv3 takes centiseconds, so its scenarios run fast.
        var interval: Double { version == 2 ? 1 : 0.2 }
    }

    static let scenarios: [Scenario] = [2, 3].flatMap { version in
        [false, true].flatMap { unicast in
            [true, false].map { Scenario(version: version, unicast: unicast, lvsdMaster: $0) }
        }
    }

    static let vip = "10.99.0.100"

    static func configuration(_ scenario: Scenario, side: String, priority: Int) -> String {
        let own = side == "A" ? "10.99.0.1" : "10.99.0.2"
        let peer = side == "A" ? "10.99.0.2" : "10.99.0.1"
        let instance = VRRPLabConfiguration.Instance(
            version: scenario.version, priority: priority, advertInterval: scenario.version == 2 ? "1" : "0.2",
            unicastSource: scenario.unicast ? own : nil, unicastPeers: scenario.unicast ? [peer] : [],
            password: scenario.version == 2 ? "secret1" : nil)
        return VRRPLabConfiguration(instances: [instance]).text
    }

    @Test(arguments: scenarios)
    func electionCleanStopAndPreemption(_ scenario: Scenario) async throws {
        guard VRRPLab.available() else { return }
        try await VRRPLab.run { lab in
            let lvsd = try VRRPLabNode(
                .lvsd, on: "A", in: lab,
                configuration: Self.configuration(scenario, side: "A", priority: scenario.lvsdMaster ? 150 : 100))
            let keepalived = try VRRPLabNode(
                .keepalived, on: "B", in: lab,
                configuration: Self.configuration(scenario, side: "B", priority: scenario.lvsdMaster ? 100 : 150))
            let (master, backup) = scenario.lvsdMaster ? (lvsd, keepalived) : (keepalived, lvsd)
            let timing = VRRPLabTiming(interval: scenario.interval)
            let steps = VRRPLabSteps(lab: lab, vip: Self.vip)

            // 1. Election: the higher priority becomes master, the other stays backup.
            try await steps.elect(master, backups: [backup], timing: timing)

            // 2. Clean stop of the master: priority 0, takeover after Skew_Time.
            try await steps.expectTakeover(by: backup, step: "SIGTERM takeover", within: timing.cleanStop) {
                try master.signal(SIGTERM)
            }
            let status = await master.waitForExit()
            #expect(status == 0, "\(master.kind) exited with \(String(describing: status)) after SIGTERM")
            // The takeover came from the resignation, not from the down timer.
            if backup.kind == .keepalived {
                #expect(backup.log.contains("Backup received priority 0 advertisement"))
            } else {
                #expect((backup.counter("pri_zero_rcvd") ?? 0) >= 1, "lvsd heard no priority-0 advert")
            }

            // 3. The higher priority comes back and preempts.
            try await steps.expectTakeover(by: master, step: "return and preempt", within: timing.election) {
                try await master.start()
            }
            let demoted = await backup.waitForState("BACKUP", within: 10)
            #expect(demoted, "\(backup.kind) is \(backup.state(of: "VI_1") ?? "nothing") after the preemption")

            #expect(keepalived.complaints.isEmpty, "keepalived complained: \(keepalived.complaints)")
            #expect(lvsd.complaints.isEmpty, "lvsd complained: \(lvsd.complaints)")
            steps.report("\(scenario.testDescription)")
        }
    }
}
