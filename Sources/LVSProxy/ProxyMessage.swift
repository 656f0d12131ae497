import LVSCore

/// What the control plane posts to a proxy worker's mailbox.
public enum ProxyMessage: Sendable {
    /// Serve `service` on `fd`, a listening TCP socket or bound UDP socket this reactor now owns.
    case adoptListener(VirtualServiceID, fd: Int32)
    /// Stop serving `service`: close this reactor's listener (connections carry on).
    case closeListener(VirtualServiceID)
    /// New protocol timeouts (`--set`): idle timers are recomputed from them at once.
    case timeouts(TimeoutSettings)
    /// Report traffic to the director now instead of at the next second.
    case flush
}
