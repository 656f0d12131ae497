/// `nq`: the first eligible real server with no active connection, otherwise the sed choice
/// (reference §3.6).
public final class NeverQueueScheduler: StatelessScheduler {
    public var name: String { "nq" }

    private var destinations: [RealServer] = []

    public init() {}

    public func destinationsChanged(_ destinations: [RealServer]) {
        self.destinations = destinations
    }

    public func pick(_ input: SchedulingInput) -> RealServer? {
        WeightedMinimum.choose(destinations, idleWinsAtOnce: true, load: WeightedMinimum.expectedDelay)
    }
}
