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
            "advert_rcvd": counters.advertisementsReceived,
            "advert_sent": counters.advertisementsSent,
            "become_master": counters.becameMaster,
            "release_master": counters.releasedMaster,
            "pri_zero_rcvd": counters.priorityZeroReceived,
            "pri_zero_sent": counters.priorityZeroSent,
            "auth_failure": counters.authenticationFailures,
            "invalid_authtype": counters.invalidAuthenticationType,
            "authtype_mismatch": counters.authenticationTypeMismatch,
            "advert_interval_err": counters.advertisementIntervalErrors,
            "addr_list_err": counters.addressListErrors,
            "ip_ttl_err": counters.ttlErrors,
            "packet_len_err": counters.packetLengthErrors,
            "invalid_type_rcvd": counters.invalidType,
        ]
    }
}
