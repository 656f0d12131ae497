import LVSCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The system's monotonic clock as the core's `MonotonicInstant` (DESIGN.md §3: the core never
/// reads a clock; drivers pass `now`). CLOCK_MONOTONIC does not jump with wall-clock changes.
public enum MonotonicClock {
    public static func now() -> MonotonicInstant {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        let seconds = UInt64(clamping: spec.tv_sec)
        let nanoseconds = UInt64(clamping: spec.tv_nsec)
        return MonotonicInstant(nanoseconds: seconds &* 1_000_000_000 &+ nanoseconds)
    }
}
