import Foundation
import Testing

/// Failures that are not a clean stop, and `nopreempt`, between lvsd and keepalived; and two
/// lvsd processes against each other. VRRPv3 with short adverts keeps them fast.
@Suite("VRRPInterop: crashes, nopreempt, lvsd against lvsd")
struct VRRPInteropFailoverTests {
    static let vip = "10.99.0.100"

    /// A crashed master (SIGKILL) sends nothing: the backup waits the whole Master_Down_Interval.
    /// The crash leaves the VIP on A (nobody removed it, as with a crashed keepalived); lvsd
    /// removes the leftover when it starts again, and with `nopreempt` it stays backup although
    /// its priority is higher.
    @Test func crashedMasterIsReplacedAfterMasterDownIntervalAndNopreemptKeepsTheNewMaster() async throws {
        guard VRRPLab.available() else { return }
        try await VRRPLab.run { lab in
            let timing = VRRPLabTiming(interval: 0.3)
            let lvsd = try VRRPLabNode(
                .lvsd, on: "A", in: lab,
                configuration: VRRPLabConfiguration(instances: [
                    .init(priority: 150, advertInterval: "0.3", nopreempt: true)
                ]).text)
            let keepalived = try VRRPLabNode(
                .keepalived, on: "B", in: lab,
                configuration: VRRPLabConfiguration(instances: [.init(priority: 100, advertInterval: "0.3")]).text)
            let steps = VRRPLabSteps(lab: lab, vip: Self.vip)

            try await steps.elect(lvsd, backups: [keepalived], timing: timing)

            // SIGKILL: no priority 0; keepalived's down timer runs out. The last advert left A up
            // to one interval before the kill, so the takeover comes at least
            // Master_Down_Interval - Master_Adver_Interval after it.
            try await lab.primeObserver(Self.vip)
            let begin = ContinuousClock.now
            try lvsd.signal(SIGKILL)
            let tookOver = await keepalived.waitForState("MASTER", within: timing.masterDown(priority: 100) + 10)
            let elapsed = steps.record("SIGKILL takeover", since: begin)
            try #require(tookOver, "keepalived did not take over from the crashed lvsd")
            #expect(
                elapsed >= timing.masterDown(priority: 100) - timing.interval,
                "keepalived took over \(elapsed) s after the crash, before Master_Down_Interval")
            try await steps.expectObserverFollows(keepalived)
            #expect(try await lab.holders(of: Self.vip) == ["A", "B"], "the crash should leave the VIP on A")

            // lvsd returns: removes the leftover, enters BACKUP and, with nopreempt, stays there
            // although its priority (150) is above keepalived's (100). Three of keepalived's
            // Master_Down_Intervals pass without lvsd taking over (a preempting backup would
            // after one).
            try await lvsd.start()
            try await steps.expectHolder(keepalived, within: 15)
            #expect(lvsd.log.contains("left by an earlier run"))
            let backup = await lvsd.waitForState("BACKUP", within: 15)
            #expect(backup, "lvsd is \(lvsd.state(of: "VI_1") ?? "nothing") after its restart")
            let preempted = await lab.poll(within: 3 * timing.masterDown(priority: 150)) {
                lvsd.state(of: "VI_1") == "MASTER"
            }
            #expect(!preempted, "lvsd preempted despite nopreempt")
            #expect(try await lab.holders(of: Self.vip) == ["B"])

            #expect(keepalived.complaints.isEmpty, "keepalived complained: \(keepalived.complaints)")
            #expect(lvsd.complaints.isEmpty, "lvsd complained: \(lvsd.complaints)")
            steps.report("v3 crash + nopreempt")
        }
    }

    /// Two lvsd processes: election, clean stop, return and preemption (VRRPv3, multicast).
    @Test func lvsdAgainstLvsd() async throws {
        guard VRRPLab.available() else { return }
        try await VRRPLab.run { lab in
            let timing = VRRPLabTiming(interval: 0.5)
            let high = try VRRPLabNode(
                .lvsd, on: "A", in: lab,
                configuration: VRRPLabConfiguration(instances: [.init(priority: 150, advertInterval: "0.5")]).text)
            let low = try VRRPLabNode(
                .lvsd, on: "B", in: lab,
                configuration: VRRPLabConfiguration(instances: [.init(priority: 100, advertInterval: "0.5")]).text)
            let steps = VRRPLabSteps(lab: lab, vip: Self.vip)

            try await steps.elect(high, backups: [low], timing: timing)

            try await steps.expectTakeover(by: low, step: "SIGTERM takeover", within: timing.cleanStop) {
                try high.signal(SIGTERM)
            }
            #expect(await high.waitForExit() == 0)

            try await steps.expectTakeover(by: high, step: "return and preempt", within: timing.election) {
                try await high.start()
            }
            let demoted = await low.waitForState("BACKUP", within: 10)
            #expect(demoted)
            #expect(high.complaints.isEmpty, "A complained: \(high.complaints)")
            #expect(low.complaints.isEmpty, "B complained: \(low.complaints)")
            steps.report("lvsd <-> lvsd v3")
        }
    }
}
