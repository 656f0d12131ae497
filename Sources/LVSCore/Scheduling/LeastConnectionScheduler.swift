/// `lc`: the eligible real server with the smallest overhead, weights ignored; ties go to the
/// earlier one in list order (reference §3.3).
public final class LeastConnectionScheduler: StatelessScheduler {
    public var name: String { "lc" }

    private var destinations: [RealServer] = []

    public init() {}

    public func destinationsChanged(_ destinations: [RealServer]) {
        self.destinations = destinations
    }

    public func pick(_ input: SchedulingInput) -> RealServer? {
        var least: RealServer?
        var leastOverhead: Int64 = 0
        for candidate in destinations where candidate.canTakeNewConnection {
            let overhead = candidate.overhead
            if least == nil || overhead < leastOverhead {
                least = candidate
                leastOverhead = overhead
            }
        }
        return least
    }
}
