import LVSControl
import NIOCore

// The health checkers' view for `lvsadm --health`.
extension DirectorHost {
    /// Every checked real server's state; `checking` is false when no checker runs.
    public func healthReport() -> EventLoopFuture<HealthReport> {
        guard let health = health.withLock({ $0 }) else {
            return eventLoop.makeSucceededFuture(HealthReport(checking: false, virtualServers: []))
        }
        return health.report(now: clock()).hop(to: eventLoop)
    }
}
