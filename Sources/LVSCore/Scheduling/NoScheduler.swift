/// `none`: never picks a real server. Used where a service has no scheduler bound (for
/// example while one is being replaced), so a lookup fails cleanly instead of trapping.
public final class NoScheduler: StatelessScheduler {
    public var name: String { "none" }

    public init() {}

    public func destinationsChanged(_ destinations: [RealServer]) {}

    public func pick(_ input: SchedulingInput) -> RealServer? { nil }
}
