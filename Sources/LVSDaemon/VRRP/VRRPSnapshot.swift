import LVSControl
import LVSCore
import LVSVRRP

/// The VRRP thread's last published view, with transitions kept as instants so that `report`
/// can say how long ago they were.
struct VRRPSnapshot: Sendable {
    var running = false
    var instances: [VRRPInstanceReport] = []
    var groups: [VRRPSyncGroupReport] = []
    var transitions: [String: VRRPTransition] = [:]
    var groupTransitions: [String: VRRPTransition] = [:]

    func report(now: MonotonicInstant) -> VRRPReport {
        func described(_ transition: VRRPTransition?) -> VRRPTransitionReport? {
            guard let transition else { return nil }
            let nanoseconds =
                now.nanoseconds >= transition.at.nanoseconds ? now.nanoseconds - transition.at.nanoseconds : 0
            return VRRPTransitionReport(
                from: transition.from.description, to: transition.to.description, reason: transition.reason,
                secondsAgo: Double(nanoseconds) / 1e9)
        }
        var instances = instances
        for index in instances.indices {
            instances[index].lastTransition = described(transitions[instances[index].name])
        }
        var groups = groups
        for index in groups.indices {
            groups[index].lastTransition = described(groupTransitions[groups[index].name])
        }
        return VRRPReport(running: running, instances: instances, syncGroups: groups)
    }

    /// keepalived's `vrrp_stats` names for our counters.
    static func counters(_ counters: VRRPCounters) -> [String: UInt64] {
        [
            VRRPCounter.advertisementsReceived: counters.advertisementsReceived,
            .advertisementsSent: counters.advertisementsSent,
            .becameMaster: counters.becameMaster,
            .releasedMaster: counters.releasedMaster,
            .priorityZeroReceived: counters.priorityZeroReceived,
            .priorityZeroSent: counters.priorityZeroSent,
            .authenticationFailures: counters.authenticationFailures,
            .invalidAuthenticationType: counters.invalidAuthenticationType,
            .authenticationTypeMismatch: counters.authenticationTypeMismatch,
            .advertisementIntervalErrors: counters.advertisementIntervalErrors,
            .addressListErrors: counters.addressListErrors,
            .ttlErrors: counters.ttlErrors,
            .packetLengthErrors: counters.packetLengthErrors,
            .invalidTypeReceived: counters.invalidType,
        ].reduce(into: [:]) { result, entry in result[entry.key.rawValue] = entry.value }
    }
}
