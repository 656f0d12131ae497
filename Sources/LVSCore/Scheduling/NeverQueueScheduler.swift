/// `nq`: the first eligible real server with no active connection, otherwise the sed choice
/// (reference §3.6).
public final class NeverQueueScheduler: Scheduler {
    public var name: String { "nq" }

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
            // An idle real server never queues: take it at once.
            if candidate.activeConnections == 0 { return candidate }
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
