import Foundation
import Testing

/// Sync groups, tracking scripts and IPv6 between lvsd (A) and keepalived (B), VRRPv3 with
/// 0.5 s adverts (sub-second, with room for a loaded machine).
@Suite("VRRPInterop: sync groups, track_script, IPv6")
struct VRRPInteropTrackingTests {
    static let outsideVIP = "10.99.0.100"
    static let insideVIP = "10.98.0.100"

    static func groupConfiguration(priority: Int) -> String {
        VRRPLabConfiguration(
            instances: [
                .init(
                    name: "VI_OUT", interface: "eth0", virtualRouterID: 51, priority: priority, advertInterval: "0.5",
                    addresses: ["\(outsideVIP)/24"]),
                .init(
                    name: "VI_IN", interface: "eth1", virtualRouterID: 52, priority: priority, advertInterval: "0.5",
                    addresses: ["\(insideVIP)/24"]),
            ],
            groups: [(name: "G", members: ["VI_OUT", "VI_IN"])]
        ).text
    }

    /// Both daemons group an outside and an inside instance. When the master's inside link goes
    /// down, its whole group leaves master and keepalived's group takes both VIPs; when the link
    /// comes back, lvsd's group (higher priority) preempts both back.
    @Test func syncGroupsMoveTogetherWhenTheMastersInsideLinkGoesDown() async throws {
        guard VRRPLab.available() else { return }
        try await VRRPLab.run { lab in
            let timing = VRRPLabTiming(interval: 0.5)
            let lvsd = try VRRPLabNode(.lvsd, on: "A", in: lab, configuration: Self.groupConfiguration(priority: 150))
            let keepalived = try VRRPLabNode(
                .keepalived, on: "B", in: lab, configuration: Self.groupConfiguration(priority: 100))
            let outside = VRRPLabSteps(lab: lab, vip: Self.outsideVIP, device: "eth0")
            let inside = VRRPLabSteps(lab: lab, vip: Self.insideVIP, device: "eth1")

            try await lab.primeObserver(Self.insideVIP, bridge: "br1")
            try await outside.elect(lvsd, backups: [keepalived], instances: ["VI_OUT", "VI_IN"], timing: timing)
            try await inside.expectHolder(lvsd, within: 10)

            // A's inside link down: VI_IN faults, and its group takes VI_OUT along.
            try await lab.primeObserver(Self.insideVIP, bridge: "br1")
            try await outside.expectTakeover(
                by: keepalived, step: "inside link down, outside handover", instance: "VI_OUT",
                within: timing.masterDown(priority: 100) + 10
            ) {
                try await lab.ip(lab.a, "link set eth1 down")
            }
            try await inside.expectHolder(keepalived, within: timing.masterDown(priority: 100) + 10)
            let insideMaster = await keepalived.waitForState("MASTER", of: "VI_IN", within: 10)
            #expect(insideMaster, "keepalived's VI_IN is \(keepalived.state(of: "VI_IN") ?? "nothing")")
            #expect(lvsd.state(of: "VI_IN") == "FAULT", "lvsd's VI_IN is \(lvsd.state(of: "VI_IN") ?? "nothing")")
            #expect(lvsd.state(of: "VI_OUT") != "MASTER", "lvsd's VI_OUT stayed master outside its group")

            // The link comes back: lvsd's group preempts both.
            try await lab.primeObserver(Self.insideVIP, bridge: "br1")
            try await outside.expectTakeover(
                by: lvsd, step: "inside link up, preempt back", instance: "VI_OUT",
                within: timing.masterDown(priority: 150) + 10
            ) {
                try await lab.ip(lab.a, "link set eth1 up")
            }
            try await inside.expectHolder(lvsd, within: timing.masterDown(priority: 150) + 10)
            for instance in ["VI_OUT", "VI_IN"] {
                let backup = await keepalived.waitForState("BACKUP", of: instance, within: 10)
                #expect(backup, "keepalived's \(instance) is \(keepalived.state(of: instance) ?? "nothing")")
            }
            #expect(keepalived.complaints.isEmpty, "keepalived complained: \(keepalived.complaints)")
            #expect(lvsd.complaints.isEmpty, "lvsd complained: \(lvsd.complaints)")
            outside.report("v3 sync group")
        }
    }

    /// lvsd (150) tracks a script with weight -60: while it fails, lvsd advertises 90, below
    /// keepalived's 100, and keepalived takes over; when it passes again, lvsd preempts back.
    @Test func aFailingTrackScriptHandsOverAndItsRecoveryPreemptsBack() async throws {
        guard VRRPLab.available() else { return }
        try await VRRPLab.run { lab in
            let timing = VRRPLabTiming(interval: 0.5)
            let status = lab.file("check.status")
            let check = lab.file("check.sh")
            try "0\n".write(toFile: status, atomically: true, encoding: .utf8)
            try "#!/bin/sh\nexit \"$(cat \(status))\"\n".write(toFile: check, atomically: true, encoding: .utf8)
            chmod(check, 0o755)
            let lvsd = try VRRPLabNode(
                .lvsd, on: "A", in: lab,
                configuration: VRRPLabConfiguration(
                    instances: [.init(priority: 150, advertInterval: "0.5", trackScripts: ["check"])],
                    scripts: [.init(name: "check", command: check, interval: "0.2", weight: -60)]
                ).text)
            let keepalived = try VRRPLabNode(
                .keepalived, on: "B", in: lab,
                configuration: VRRPLabConfiguration(instances: [.init(priority: 100, advertInterval: "0.5")]).text)
            let steps = VRRPLabSteps(lab: lab, vip: Self.outsideVIP)

            try await steps.elect(lvsd, backups: [keepalived], timing: timing)

            // Fails: one script interval, then keepalived's down timer (it ignores the lower
            // priority adverts, RFC 5798 §6.4.2 with preemption).
            let bound = 0.2 + timing.masterDown(priority: 100) + 10
            try await steps.expectTakeover(by: keepalived, step: "script fails, handover", within: bound) {
                try "1\n".write(toFile: status, atomically: true, encoding: .utf8)
            }
            let demoted = await lvsd.waitForState("BACKUP", within: 10)
            #expect(demoted, "lvsd is \(lvsd.state(of: "VI_1") ?? "nothing") with its script failing")

            try await steps.expectTakeover(by: lvsd, step: "script passes, preempt back", within: bound) {
                try "0\n".write(toFile: status, atomically: true, encoding: .utf8)
            }
            let backup = await keepalived.waitForState("BACKUP", within: 10)
            #expect(backup, "keepalived is \(keepalived.state(of: "VI_1") ?? "nothing") after lvsd came back")
            #expect(keepalived.complaints.isEmpty, "keepalived complained: \(keepalived.complaints)")
            #expect(lvsd.complaints.isEmpty, "lvsd complained: \(lvsd.complaints)")
            steps.report("v3 track_script")
        }
    }

    /// VRRPv3 over IPv6 (ff02::12 from the link-local address): lvsd master, keepalived backup;
    /// the observer's neighbour entry follows by unsolicited neighbour advertisements; a clean
    /// stop hands over after Skew_Time.
    @Test func ipv6LvsdMasterKeepalivedBackup() async throws {
        guard VRRPLab.available() else { return }
        try await VRRPLab.run { lab in
            let vip = "fd00:99::100"
            let timing = VRRPLabTiming(interval: 0.5)
            func configuration(_ priority: Int) -> String {
                VRRPLabConfiguration(instances: [
                    .init(priority: priority, advertInterval: "0.5", addresses: ["\(vip)/64"], ipv6: true)
                ]).text
            }
            let lvsd = try VRRPLabNode(.lvsd, on: "A", in: lab, configuration: configuration(150))
            let keepalived = try VRRPLabNode(.keepalived, on: "B", in: lab, configuration: configuration(100))
            let steps = VRRPLabSteps(lab: lab, vip: vip)

            try await steps.elect(lvsd, backups: [keepalived], timing: timing)

            try await steps.expectTakeover(by: keepalived, step: "SIGTERM takeover", within: timing.cleanStop) {
                try lvsd.signal(SIGTERM)
            }
            #expect(await lvsd.waitForExit() == 0)
            #expect(keepalived.log.contains("Backup received priority 0 advertisement"))
            #expect(keepalived.complaints.isEmpty, "keepalived complained: \(keepalived.complaints)")
            #expect(lvsd.complaints.isEmpty, "lvsd complained: \(lvsd.complaints)")
            steps.report("v3 IPv6")
        }
    }
}
