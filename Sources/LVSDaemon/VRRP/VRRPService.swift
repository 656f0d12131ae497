import LVSControl
import LVSCore

/// Runs the configuration's VRRP instances (placeholder until the driver lands).
final class VRRPService: Sendable {
    func report(now: MonotonicInstant) -> VRRPReport {
        VRRPReport(running: true, instances: [], syncGroups: [])
    }
}
