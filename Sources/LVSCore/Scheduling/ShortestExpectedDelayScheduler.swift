/// `sed`: minimises the expected delay (active + 1) / weight, cross-multiplied in 64 bits;
/// inactive connections are ignored and ties go to the earlier real server (reference §3.5).
public final class ShortestExpectedDelayScheduler: Scheduler {
    public var name: String { "sed" }

    private var destinations: [RealServer] = []

    public init() {}

    public func destinationsChanged(_ destinations: [RealServer]) {
        self.destinations = destinations
    }

    public func pick(_ input: SchedulingInput) -> RealServer? {
        var least: RealServer?
        var leastOverhead: Int64 = 0
        var leastWeight: Int64 = 0
        for candidate in destinations where candidate.canTakeNewConnection {
            let overhead = Int64(candidate.activeConnections) &+ 1
            let weight = Int64(candidate.weight)
            if least == nil || leastOverhead &* weight > overhead &* leastWeight {
                least = candidate
                leastOverhead = overhead
                leastWeight = weight
            }
        }
        return least
    }
}
