/// What a scheduler may look at when it picks a real server for a new connection.
public struct SchedulingInput: Sendable {
    /// The client (source) address and port.
    public var clientAddress: IPAddress
    public var clientPort: UInt16
    /// The packet's destination address and port: the VIP for address services, the original
    /// destination for firewall-mark services (what lblc/lblcr/dh hash on).
    public var destinationAddress: IPAddress
    public var destinationPort: UInt16
    public var protocolNumber: IPProtocolNumber
    public var now: MonotonicInstant

    public init(
        clientAddress: IPAddress, clientPort: UInt16, destinationAddress: IPAddress, destinationPort: UInt16,
        protocolNumber: IPProtocolNumber = .tcp, now: MonotonicInstant = .zero
    ) {
        self.clientAddress = clientAddress
        self.clientPort = clientPort
        self.destinationAddress = destinationAddress
        self.destinationPort = destinationPort
        self.protocolNumber = protocolNumber
        self.now = now
    }
}

/// One IPVS scheduling algorithm (reference §3). Each lives in its own file.
///
/// Contract: `destinationsChanged` is called with the service's real servers in list order
/// (newest first) whenever a real server is added, edited or deleted, and once at creation; it may
/// do heavy work (tables). `pick` must allocate nothing and never return a real server that is not
/// eligible (weight 0 or overloaded), except where reference §3 says otherwise (none do).
public protocol Scheduler: AnyObject {
    /// The ipvsadm name (`rr`, `wlc`, …).
    var name: String { get }
    func destinationsChanged(_ destinations: [RealServer])
    func pick(_ input: SchedulingInput) -> RealServer?
    /// What `pick` would return for `input` now, changing nothing: no cursor moves, no locality
    /// entry is made or touched, no random number is consumed. `explain` relies on it to be
    /// read-only (docs/lvsadm.md, "--explain").
    func preview(_ input: SchedulingInput) -> RealServer?
    /// Periodic housekeeping (lblc/lblcr table expiry); called about once a minute.
    func maintenance(now: MonotonicInstant)
}

extension Scheduler {
    public func maintenance(now: MonotonicInstant) {}
}

/// A scheduler whose `pick` keeps no state between calls (it reads only the real servers and the
/// input), so its preview is simply its pick.
public protocol StatelessScheduler: Scheduler {}

extension StatelessScheduler {
    public func preview(_ input: SchedulingInput) -> RealServer? { pick(input) }
}
