/// A real server as the director runs it: its configuration plus the live counters schedulers
/// read (reference §4.6.4, §4.10).
///
/// Exclusivity: the stored properties that schedulers and the packet path read are marked
/// `@exclusivity(unchecked)`. Invariant: one thread owns a `Director` and everything in it, and no
/// code holds an `inout` access to one of these properties across a call that reads it, so the
/// dynamic check can never fire; it cost about 7 ns per read, a quarter of a wlc pick per server.
///
/// A reference type because schedulers, the service's list and connection entries all see the same
/// counters. Owned and mutated by one thread (the daemon's state owner); the engines of later
/// issues read published snapshots instead.
public final class RealServer {
    public let key: RealServerKey
    @exclusivity(unchecked) public internal(set) var config: RealServerConfig
    /// The last non-zero weight ever configured (Maglev keeps a quiesced server's share, §3.14).
    @exclusivity(unchecked) public internal(set) var lastNonZeroWeight: Int32
    /// Connections in an active state (TCP ESTABLISHED, SYN_SENT, SYN_RECV, SYNACK; SCTP ESTABLISHED).
    @exclusivity(unchecked) public internal(set) var activeConnections: Int32 = 0
    /// All non-template connections bound to this server (active + inactive).
    @exclusivity(unchecked) public internal(set) var totalConnections: Int32 = 0
    /// Persistence templates bound to this server.
    @exclusivity(unchecked) public internal(set) var persistentConnections: Int32 = 0
    /// Set by the upper threshold, cleared under the lower one (§4.10).
    @exclusivity(unchecked) public internal(set) var isOverloaded: Bool = false
    /// False once deleted from its service (it may linger in the trash while entries reference it).
    @exclusivity(unchecked) public internal(set) var isAvailable: Bool = true
    @exclusivity(unchecked) public internal(set) var stats = StatsCounters()
    public internal(set) var estimator = RateEstimator()

    public init(config: RealServerConfig) {
        self.key = config.key
        self.config = config
        self.lastNonZeroWeight = config.weight
    }

    public var weight: Int32 { config.weight }

    /// Inactive connections as ipvsadm reports them: max(total − active, 0).
    public var inactiveConnections: Int32 { max(totalConnections - activeConnections, 0) }

    /// The load estimate of lc, wlc, lblc, lblcr and twos: activeconns × 256 + totalconns
    /// (reference §3.0, the 6.1.192 formula; see docs/design/0001-overhead-formula.md).
    public var overhead: Int64 { Int64(activeConnections) &* 256 &+ Int64(totalConnections) }

    /// May take new connections: weight > 0 and not overloaded (reference §3.0).
    public var isEligible: Bool { config.weight > 0 && !isOverloaded }
}
