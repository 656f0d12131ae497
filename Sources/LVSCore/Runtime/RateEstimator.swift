/// The IPVS rate estimator (reference §4.13): every 2 s it takes the counters' growth, scales it
/// (×2^9 for connections and packets, ×2^4 for bytes, i.e. a per-second rate ×2^10 or ×2^5) and
/// moves an exponentially weighted average a quarter of the way towards it.
public struct RateEstimator: Sendable, Hashable {
    /// Counters at the previous sample.
    var last = StatsCounters()
    var connectionsAverage: Int64 = 0
    var inPacketsAverage: Int64 = 0
    var outPacketsAverage: Int64 = 0
    var inBytesAverage: Int64 = 0
    var outBytesAverage: Int64 = 0

    public init() {}

    /// The rates as ipvsadm shows them, rounded as the kernel does.
    public var rates: RateValues {
        RateValues(
            connectionsPerSecond: Self.report(connectionsAverage, rounding: 0x1FF, shift: 10),
            inPacketsPerSecond: Self.report(inPacketsAverage, rounding: 0x1FF, shift: 10),
            outPacketsPerSecond: Self.report(outPacketsAverage, rounding: 0x1FF, shift: 10),
            inBytesPerSecond: Self.report(inBytesAverage, rounding: 0xF, shift: 5),
            outBytesPerSecond: Self.report(outBytesAverage, rounding: 0xF, shift: 5))
    }

    /// One 2-second step with the counters as they are now.
    mutating func sample(_ current: StatsCounters) {
        Self.step(&connectionsAverage, delta: current.connections &- last.connections, scale: 9)
        Self.step(&inPacketsAverage, delta: current.inPackets &- last.inPackets, scale: 9)
        Self.step(&outPacketsAverage, delta: current.outPackets &- last.outPackets, scale: 9)
        Self.step(&inBytesAverage, delta: current.inBytes &- last.inBytes, scale: 4)
        Self.step(&outBytesAverage, delta: current.outBytes &- last.outBytes, scale: 4)
        last = current
    }

    /// `avg += (sample − avg) >> 2` in signed arithmetic (the shift rounds towards −∞).
    private static func step(_ average: inout Int64, delta: UInt64, scale: Int64) {
        let sample = Int64(truncatingIfNeeded: delta &<< UInt64(scale))
        average &+= (sample &- average) >> 2
    }

    private static func report(_ average: Int64, rounding: Int64, shift: Int64) -> UInt64 {
        UInt64(max(0, average &+ rounding) >> shift)
    }
}
