// Connection handling of the director. Filled in by the connection-table work (reference §4).
extension Director {
    /// Called after `server` left `service` (delete, service delete, clear): with
    /// expire_nodest_conn the connections bound to it are swept (reference §4.11 (c)).
    func realServerRetired(_ server: RealServer, of service: VirtualServiceState, now: MonotonicInstant) {}

    /// Every live connection entry and persistence template, as `ipvsadm -L -c` lists them.
    public func connectionSnapshots(now: MonotonicInstant) -> [ConnectionSnapshot] { [] }

    /// Moves the director's clock to `now`: expires entries, runs the rate estimator every 2 s
    /// and scheduler housekeeping. Drivers call it about once a second.
    public func advance(to now: MonotonicInstant) {}
}
