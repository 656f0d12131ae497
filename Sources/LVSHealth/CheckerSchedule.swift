import LVSCore

/// When a checker runs and how patient it is (reference §8.3, §8.5). Defaults are keepalived's
/// for TCP_CHECK; `CheckerSchedule.defaults(for:)` gives the other kinds' defaults.
public struct CheckerSchedule: Sendable, Hashable {
    /// `delay_loop`: pause between the end of one decided check and the start of the next.
    public var delayLoop: Duration
    /// `connect_timeout` (or `misc_timeout` for MISC_CHECK): how long one attempt may take.
    public var connectTimeout: Duration
    /// `retry`: extra attempts after a failure before the checker is declared down.
    public var retry: UInt32
    /// `delay_before_retry`: pause between a failed attempt and the next attempt.
    public var delayBeforeRetry: Duration
    /// `warmup`: the first run starts after 1 s plus a random delay in `0...warmup`.
    public var warmup: Duration
    /// `alpha`: the checker starts down and needs one success.
    public var alpha: Bool

    public init(
        delayLoop: Duration = .seconds(60), connectTimeout: Duration = .seconds(5), retry: UInt32 = 1,
        delayBeforeRetry: Duration = .seconds(1), warmup: Duration? = nil, alpha: Bool = false
    ) {
        self.delayLoop = delayLoop
        self.connectTimeout = connectTimeout
        self.retry = retry
        self.delayBeforeRetry = delayBeforeRetry
        self.warmup = warmup ?? delayLoop
        self.alpha = alpha
    }

    /// The latest a checker that was up can be declared down after its last success, when every
    /// attempt fails only at its timeout: one `delay_loop`, then `retry + 1` attempts separated
    /// by `retry` pauses of `delay_before_retry` (docs/design/0008-health-checking.md).
    public var worstCaseDetection: Duration {
        let attempts = Int(retry) + 1
        return delayLoop + connectTimeout * attempts + delayBeforeRetry * Int(retry)
    }
}

/// The kinds of checker keepalived knows (reference §8.5); the monitor only needs the name for
/// reasons and logs and whether exit codes carry a weight.
public struct CheckerSpecification: Sendable, Hashable {
    /// keepalived's keyword, e.g. `TCP_CHECK`; starts every reason this checker gives.
    public var name: String
    public var schedule: CheckerSchedule
    /// `misc_dynamic`: a success may carry a new weight for the real server.
    public var dynamicWeight: Bool

    public init(name: String, schedule: CheckerSchedule = CheckerSchedule(), dynamicWeight: Bool = false) {
        self.name = name
        self.schedule = schedule
        self.dynamicWeight = dynamicWeight
    }
}

extension Duration {
    /// Whole nanoseconds, negative durations as 0 and huge ones saturated: configuration
    /// values are external input and must not trap (STYLE/COMMON: no overflow traps).
    var clampedNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds < 0) { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return UInt64.max }
        let (total, overflow2) = whole.addingReportingOverflow(UInt64(attoseconds / 1_000_000_000))
        return overflow2 ? UInt64.max : total
    }

    /// Seconds as keepalived prints them in its logs: `3`, `0.5`.
    var secondsText: String {
        let ns = clampedNanoseconds
        let whole = ns / 1_000_000_000
        var fraction = ns % 1_000_000_000
        if fraction == 0 { return "\(whole)" }
        var digits = 9
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let text = String(fraction)
        return "\(whole)." + String(repeating: "0", count: digits - text.count) + text
    }
}

extension MonotonicInstant {
    /// `self + duration`, saturating instead of trapping.
    func advanced(by duration: Duration) -> MonotonicInstant {
        let (sum, overflow) = nanoseconds.addingReportingOverflow(duration.clampedNanoseconds)
        return MonotonicInstant(nanoseconds: overflow ? UInt64.max : sum)
    }
}
