/// Placeholder replaced by the statistics work (reference §4.13).
public struct RateEstimator: Sendable, Hashable {
    public init() {}
    public var rates: RateValues { RateValues() }
}
