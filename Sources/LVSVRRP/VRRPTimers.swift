import LVSCore

/// The timer arithmetic of RFC 3768 §6.1 and RFC 5798 §6.1, in microseconds with keepalived's
/// integer rounding (vrrp.h `VRRP_TIMER_SKEW`), so both sides of a mixed deployment agree.
public enum VRRPTimers {
    /// Skew_Time. Version 2: (256 − priority) / 256 s. Version 3: ((256 − priority) ×
    /// Master_Adver_Interval) / 256, the interval in centiseconds.
    public static func skewMicroseconds(
        version: VRRPVersion, priority: UInt8, masterAdvertisementIntervalCentiseconds: UInt16
    ) -> UInt64 {
        let weight = UInt64(256 - Int(priority))
        switch version {
        case .v2:
            return weight * 1_000_000 / 256
        case .v3:
            // 10 000 µs per centisecond / 256 = 625 / 16.
            return weight * UInt64(masterAdvertisementIntervalCentiseconds) * 625 / 16
        }
    }

    /// Master_Down_Interval = down_timer_adverts × Master_Adver_Interval + Skew_Time
    /// (the RFC's 3 is keepalived's `down_timer_adverts`).
    public static func masterDownMicroseconds(
        version: VRRPVersion, priority: UInt8, masterAdvertisementIntervalCentiseconds: UInt16,
        downTimerAdverts: UInt32 = 3
    ) -> UInt64 {
        UInt64(downTimerAdverts) * UInt64(masterAdvertisementIntervalCentiseconds) * 10_000
            + skewMicroseconds(
                version: version, priority: priority,
                masterAdvertisementIntervalCentiseconds: masterAdvertisementIntervalCentiseconds)
    }
}

extension MonotonicInstant {
    func adding(microseconds: UInt64) -> MonotonicInstant { adding(nanoseconds: microseconds &* 1000) }

    func adding(_ duration: Duration) -> MonotonicInstant {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = UInt64(max(0, seconds)) &* 1_000_000_000 &+ UInt64(max(0, attoseconds) / 1_000_000_000)
        return adding(nanoseconds: nanoseconds)
    }
}
