import LVSControl

// The health checkers' view for `lvsadm --health`.
extension DirectorHost {
    /// Every checked real server's state; `checking` is false when no checker runs.
    public func healthReport() -> HealthReport {
        HealthReport(checking: false, virtualServers: [])
    }
}
