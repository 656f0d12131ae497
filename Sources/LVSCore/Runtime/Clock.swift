/// A point on the director's monotonic clock. The core never reads a clock itself: drivers pass
/// `now` in (DESIGN.md §3), and tests pass a manual one.
public struct MonotonicInstant: Sendable, Hashable, Comparable, Codable {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static func seconds(_ s: UInt64) -> MonotonicInstant { MonotonicInstant(nanoseconds: s &* 1_000_000_000) }

    public static let zero = MonotonicInstant(nanoseconds: 0)

    /// Whole seconds since the clock's origin.
    public var seconds: UInt64 { nanoseconds / 1_000_000_000 }

    public static func < (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    public func adding(seconds: UInt64) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: nanoseconds &+ seconds &* 1_000_000_000)
    }

    public func adding(nanoseconds delta: UInt64) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: nanoseconds &+ delta)
    }
}

/// SplitMix64: a small, fast, seedable generator. The core takes a seed from its driver (the
/// daemon seeds from the system generator; tests use fixed seeds) so picks are reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    @usableFromInline var state: UInt64

    public init(seed: UInt64) { self.state = seed }

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
