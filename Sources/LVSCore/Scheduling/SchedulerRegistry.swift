// Temporary registry until the scheduler work lands: only "none".
public enum SchedulerRegistry {
    public static let names: [String] = ["none", "rr", "wrr", "lc", "wlc", "sed", "nq", "fo", "ovf", "twos", "lblc", "lblcr", "dh", "sh", "mh"]
    public static func make(name: String, flags: SchedulerFlags, seed: UInt64) -> (any Scheduler)? {
        name == "none" || names.contains(name) ? NoScheduler() : nil
    }
}
final class NoScheduler: Scheduler {
    var name: String { "none" }
    func destinationsChanged(_ destinations: [RealServer]) {}
    func pick(_ input: SchedulingInput) -> RealServer? { nil }
}
