/// `twos`: draws two real servers at random in proportion to weight and keeps the one with the
/// smaller overhead / weight (reference §3.9).
///
/// Randomness is a `SplitMix64` seeded by the caller, so picks are reproducible in tests. A
/// draw in `0...total` maps one 64-bit output `x` to `(x × (total + 1)) >> 64` (the high word of
/// the full product): no rejection loop, and a bias of at most (total + 1) / 2^64, which is
/// negligible for weights below 2^16 per real server.
public final class PowerOfTwoChoicesScheduler: Scheduler {
    public var name: String { "twos" }

    private var destinations: [RealServer] = []
    private var generator: SplitMix64

    public init(seed: UInt64) {
        self.generator = SplitMix64(seed: seed)
    }

    public func destinationsChanged(_ destinations: [RealServer]) {
        self.destinations = destinations
    }

    /// A uniform integer in `0...upperBound` from one generator output.
    static func draw(_ generator: inout SplitMix64, inclusiveUpperBound upperBound: UInt64) -> UInt64 {
        generator.next().multipliedFullWidth(by: upperBound &+ 1).high
    }

    public func pick(_ input: SchedulingInput) -> RealServer? {
        choose(&generator)
    }

    /// The choice the next pick makes, drawn from a copy of the generator.
    public func preview(_ input: SchedulingInput) -> RealServer? {
        var copy = generator
        return choose(&copy)
    }

    private func choose(_ generator: inout SplitMix64) -> RealServer? {
        var total: Int64 = 0
        for candidate in destinations where candidate.canTakeNewConnection {
            total &+= Int64(candidate.weight)
        }
        if total <= 0 { return nil }
        // Inclusive upper bound: total + 1 tickets, the extra one for the first eligible server.
        var remaining1 = Int64(Self.draw(&generator, inclusiveUpperBound: UInt64(total)))
        var remaining2 = Int64(Self.draw(&generator, inclusiveUpperBound: UInt64(total)))
        var choice1: RealServer?
        var choice2: RealServer?
        for candidate in destinations where candidate.canTakeNewConnection {
            let weight = Int64(candidate.weight)
            remaining1 -= weight
            remaining2 -= weight
            if choice1 == nil && remaining1 <= 0 { choice1 = candidate }
            if choice2 == nil && remaining2 <= 0 { choice2 = candidate }
            if choice1 != nil && choice2 != nil { break }
        }
        guard let first = choice1, let second = choice2 else { return choice1 ?? choice2 }
        let weight1 = Int64(first.weight)
        let weight2 = Int64(second.weight)
        return weight2 &* first.overhead > weight1 &* second.overhead ? second : first
    }
}
