import LVSControl

// The health checkers' view for `lvsadm --health`.
extension DirectorHost {
    /// Every checked real server's state; `checking` is false when no checker runs.
    public func healthStatus() -> HealthStatus {
        HealthStatus(checking: false, services: [])
    }
}
