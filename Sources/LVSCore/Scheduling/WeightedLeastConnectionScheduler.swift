/// `wlc`, the default scheduler: the eligible real server with the smallest overhead / weight,
/// compared by cross-multiplication in 64 bits; ties go to the earlier one (reference §3.4).
public final class WeightedLeastConnectionScheduler: StatelessScheduler {
    public var name: String { "wlc" }

    private var destinations: [RealServer] = []

    public init() {}

    public func destinationsChanged(_ destinations: [RealServer]) {
        self.destinations = destinations
    }

    public func pick(_ input: SchedulingInput) -> RealServer? {
        Self.leastLoaded(destinations)
    }

    /// The wlc choice over `destinations` (also the fallback of lblc and lblcr, reference §3.10,
    /// §3.11): the first eligible real server C, replaced by a later eligible D only when
    /// `overhead(C) × weight(D) > overhead(D) × weight(C)`.
    static func leastLoaded<Servers: Sequence<RealServer>>(_ destinations: Servers) -> RealServer? {
        WeightedMinimum.choose(destinations) { $0.overhead }
    }
}
