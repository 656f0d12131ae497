// Connection handling of the director. Filled in by the connection-table work (reference §4).
extension Director {
    /// Called after `server` left `service` (delete, service delete, clear): with
    /// expire_nodest_conn the connections bound to it are swept (reference §4.11 (c)).
    func realServerRetired(_ server: RealServer, of service: VirtualServiceState, now: MonotonicInstant) {}
}
