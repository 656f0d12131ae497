/// `ovf`: the highest-weight eligible real server whose active connections do not exceed its
/// weight; when it exceeds, new connections overflow to the next (reference §3.8).
public final class WeightedOverflowScheduler: StatelessScheduler {
    public var name: String { "ovf" }

    private var destinations: [RealServer] = []

    public init() {}

    public func destinationsChanged(_ destinations: [RealServer]) {
        self.destinations = destinations
    }

    public func pick(_ input: SchedulingInput) -> RealServer? {
        var highest: RealServer?
        var highestWeight: Int32 = 0
        for candidate in destinations where candidate.canTakeNewConnection {
            if candidate.activeConnections > candidate.weight { continue }
            if highest == nil || candidate.weight > highestWeight {
                highest = candidate
                highestWeight = candidate.weight
            }
        }
        return highest
    }
}
