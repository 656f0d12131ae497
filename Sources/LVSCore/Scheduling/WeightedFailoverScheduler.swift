/// `fo`: the eligible real server with the highest weight; ties go to the earlier one and
/// connection counts are ignored (reference §3.7).
public final class WeightedFailoverScheduler: StatelessScheduler {
    public var name: String { "fo" }

    private var destinations: [RealServer] = []

    public init() {}

    public func destinationsChanged(_ destinations: [RealServer]) {
        self.destinations = destinations
    }

    public func pick(_ input: SchedulingInput) -> RealServer? {
        var highest: RealServer?
        var highestWeight: Int32 = 0
        for candidate in destinations where candidate.canTakeNewConnection {
            if highest == nil || candidate.weight > highestWeight {
                highest = candidate
                highestWeight = candidate.weight
            }
        }
        return highest
    }
}
