/// Creates schedulers by their ipvsadm name (reference §3).
public enum SchedulerRegistry {
    /// Every scheduler name we know: the 14 IPVS schedulers and `none`.
    public static let names: [String] = [
        "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos", "none",
    ]

    /// A fresh scheduler named `name`, or nil for an unknown name. `flags` matter to `sh` and
    /// `mh` (fallback, port); `seed` seeds `twos`' generator. The caller still has to hand it the
    /// real servers with `destinationsChanged`.
    public static func make(name: String, flags: SchedulerFlags, seed: UInt64) -> (any Scheduler)? {
        switch name {
        case "rr": return RoundRobinScheduler()
        case "wrr": return WeightedRoundRobinScheduler()
        case "lc": return LeastConnectionScheduler()
        case "wlc": return WeightedLeastConnectionScheduler()
        case "lblc": return LocalityBasedLeastConnectionScheduler()
        case "lblcr": return LocalityBasedLeastConnectionWithReplicationScheduler()
        case "dh": return DestinationHashingScheduler()
        case "sh": return SourceHashingScheduler(flags: flags)
        case "sed": return ShortestExpectedDelayScheduler()
        case "nq": return NeverQueueScheduler()
        case "fo": return WeightedFailoverScheduler()
        case "ovf": return WeightedOverflowScheduler()
        case "mh": return MaglevHashingScheduler(flags: flags)
        case "twos": return PowerOfTwoChoicesScheduler(seed: seed)
        case "none": return NoScheduler()
        default: return nil
        }
    }
}
