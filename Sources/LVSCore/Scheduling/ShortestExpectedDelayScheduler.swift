/// `sed`: minimises the expected delay (active + 1) / weight, cross-multiplied in 64 bits;
/// inactive connections are ignored and ties go to the earlier real server (reference §3.5).
public final class ShortestExpectedDelayScheduler: StatelessScheduler {
    public var name: String { "sed" }

    private var destinations: [RealServer] = []

    public init() {}

    public func destinationsChanged(_ destinations: [RealServer]) {
        self.destinations = destinations
    }

    public func pick(_ input: SchedulingInput) -> RealServer? {
        WeightedMinimum.choose(destinations, load: WeightedMinimum.expectedDelay)
    }
}
