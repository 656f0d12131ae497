import Foundation
import Testing

/// keepalived's and RFC 5798's timers for one advert interval, as bounds for the scenarios.
struct VRRPLabTiming {
    var interval: Double

    /// RFC 5798 §6.1: Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256 (keepalived
    /// uses this form for VRRPv2 too).
    func skew(priority: Int) -> Double { Double(256 - priority) * interval / 256 }

    /// RFC 5798 §6.1: Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time.
    func masterDown(priority: Int) -> Double { 3 * interval + skew(priority: priority) }

    /// An election from scratch: the daemon starts (lvsd's debug build takes a moment), then
    /// waits Master_Down_Interval as backup.
    var election: Double { masterDown(priority: 100) + 30 }

    /// A clean stop: the backup waits only Skew_Time after the priority-0 advert. The bound is
    /// generous (a loaded machine must not fail it: timing is the benchmark's, bench/failover.sh);
    /// that the takeover came from the priority-0 advert is checked on the backup's counters.
    var cleanStop: Double { masterDown(priority: 100) + 20 }
}

/// The checks every scenario step makes, with the durations it measured.
final class VRRPLabSteps: @unchecked Sendable {
    // Invariant for @unchecked Sendable: driven by one test task.
    let lab: VRRPLab
    let vip: String
    let device: String
    /// The observer's bridge on `device`'s segment.
    var bridge: String { device == "eth1" ? "br1" : "br0" }
    private(set) var measured: [(step: String, seconds: Double)] = []

    init(lab: VRRPLab, vip: String, device: String = "eth0") {
        self.lab = lab
        self.vip = vip
        self.device = device
    }

    /// The first election. `master` starts first and each backup once it is up, so the
    /// master's down timer runs out first whatever the start-up times; then every backup must
    /// spend its own whole Master_Down_Interval (at `backupPriority`) as BACKUP, receiving the
    /// master's adverts: a backup that did not understand them would take over.
    func elect(
        _ master: VRRPLabNode, backups: [VRRPLabNode], instances: [String] = ["VI_1"], timing: VRRPLabTiming,
        backupPriority: Int = 100
    ) async throws {
        try await lab.primeObserver(vip, bridge: bridge)
        let begin = ContinuousClock.now
        try await master.start()
        let backupsStarted = ContinuousClock.now
        for backup in backups { try await backup.start() }
        for instance in instances {
            try await expectMaster(master, backups: backups, instance: instance, within: timing.election)
        }
        record("\(master.kind)@\(master.side) elected", since: begin)
        let window =
            backupsStarted + .milliseconds(Int(1000 * (timing.masterDown(priority: backupPriority) + timing.interval)))
        let wasMaster = await lab.poll(within: max(0, Self.seconds(window - ContinuousClock.now))) {
            backups.contains { backup in instances.contains { backup.states(of: $0).contains("MASTER") } }
        }
        for backup in backups {
            for instance in instances {
                #expect(
                    !backup.states(of: instance).contains("MASTER"),
                    "\(backup.kind) on \(backup.side) took \(instance) over from \(master.kind): \(backup.states(of: instance))"
                )
            }
        }
        try #require(!wasMaster, "a backup became master during the election")
    }

    /// Waits until `master` is MASTER and every node in `backups` BACKUP, then checks the VIP
    /// and the observer's neighbour entry (call `lab.primeObserver` before the step).
    func expectMaster(
        _ master: VRRPLabNode, backups: [VRRPLabNode], instance: String = "VI_1", within seconds: Double
    ) async throws {
        let elected = await master.waitForState("MASTER", of: instance, within: seconds)
        try #require(elected, "\(master.kind) on \(master.side) did not become MASTER within \(seconds) s")
        for backup in backups {
            let waiting = await backup.waitForState("BACKUP", of: instance, within: seconds)
            try #require(waiting, "\(backup.kind) on \(backup.side) is \(backup.state(of: instance) ?? "nothing")")
        }
        try await expectHolder(master, within: 10)
    }

    /// Runs `action` (a signal, a restart, a link change) and waits until `node` holds the VIP
    /// alone, within `seconds`; checks its state and the observer's neighbour entry. Returns
    /// the measured duration.
    @discardableResult
    func expectTakeover(
        by node: VRRPLabNode, step: String, instance: String = "VI_1", within seconds: Double,
        after action: () async throws -> Void
    ) async throws -> Double {
        try await lab.primeObserver(vip, bridge: bridge)
        let begin = ContinuousClock.now
        try await action()
        let took = await lab.waitForHolder(node.side, of: vip, device: device, within: seconds)
        let held = try await lab.holders(of: vip, device: device)
        try #require(took != nil, "\(step): \(vip) is held by \(held), not by \(node.side) alone after \(seconds) s")
        let elapsed = record(step, since: begin)
        let master = await node.waitForState("MASTER", of: instance, within: 10)
        #expect(master, "\(step): \(node.kind) holds \(vip) but is \(node.state(of: instance) ?? "nothing")")
        try await expectObserverFollows(node)
        return elapsed
    }

    /// Exactly `node` holds the VIP, and the observer's entry follows its MAC.
    func expectHolder(_ node: VRRPLabNode, within seconds: Double) async throws {
        let took = await lab.waitForHolder(node.side, of: vip, device: device, within: seconds)
        let held = try await lab.holders(of: vip, device: device)
        try #require(took != nil, "\(vip) is held by \(held), not by \(node.side) alone")
        try await expectObserverFollows(node)
    }

    /// The observer's neighbour entry for the VIP carries `node`'s MAC (announced by the new
    /// master's gratuitous ARP or unsolicited NA).
    func expectObserverFollows(_ node: VRRPLabNode) async throws {
        let mac = try await lab.mac(node.namespace, device)
        let followed = await lab.poll(within: 10) {
            try await self.lab.observedMAC(self.vip, bridge: self.bridge) == mac
        }
        let seen = try await lab.observedMAC(vip, bridge: bridge) ?? "none"
        #expect(followed, "the observer's entry for \(vip) is \(seen), not \(node.side)'s \(mac)")
    }

    @discardableResult
    func record(_ step: String, since begin: ContinuousClock.Instant) -> Double {
        let seconds = Self.seconds(ContinuousClock.now - begin)
        measured.append((step, seconds))
        return seconds
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Prints the measured durations (collected in the report of the test run).
    func report(_ scenario: String) {
        let steps = measured.map { "\($0.step) \(String(format: "%.2f", $0.seconds)) s" }
        print("VRRPInterop [\(scenario)]: " + steps.joined(separator: "; "))
    }
}
