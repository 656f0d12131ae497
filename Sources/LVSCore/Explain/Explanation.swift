/// What `explain` is asked: where would a new packet from this client to this service go?
public struct ExplainQuery: Sendable, Hashable, Codable {
    /// The virtual service: protocol, VIP and port, or a firewall mark.
    public var service: VirtualServiceID
    public var clientAddress: IPAddress
    /// The client's source port; 0 when unknown (no connection entry can then be matched).
    public var clientPort: UInt16

    public init(service: VirtualServiceID, clientAddress: IPAddress, clientPort: UInt16 = 0) {
        self.service = service
        self.clientAddress = clientAddress
        self.clientPort = clientPort
    }
}

/// The answer of `Director.explain`: the matched virtual service, what decides the real server
/// (an existing connection entry, a persistence template, or the scheduler), the scheduler's
/// inputs, and every real server's verdict (docs/lvsadm.md, "--explain").
public struct Explanation: Sendable, Hashable, Codable {
    /// What decides the real server.
    public enum Decision: String, Sendable, Hashable, Codable {
        /// No virtual service matches: the packet is not ours.
        case noService
        /// An existing connection entry carries the packet to its real server.
        case connectionEntry
        /// A persistence template sends the client's network to its real server.
        case persistenceTemplate
        /// The scheduler picks a real server.
        case scheduler
        /// The scheduler finds no real server that may take the connection.
        case noRealServer
    }

    /// The service that matches (for a VIP:port query without its own service, the port-zero
    /// service of the VIP); nil for `noService`.
    public var service: VirtualServiceID?
    public var scheduler: String?
    public var decision: Decision
    /// The real server the packet would go to now; nil for `noService` and `noRealServer`.
    public var chosen: RealServerKey?
    /// The connection entry that decides, when there is one.
    public var connection: ConnectionSnapshot?
    /// The persistence template looked up (persistent services only).
    public var persistence: ExplainedPersistence?
    /// For sh, dh and mh: the table row the client (or destination) hashes to.
    public var hashRow: ExplainedHashRow?
    /// Every real server of the service in list order, with its scheduler inputs and verdict.
    public var realServers: [ExplainedRealServer]
    /// Further remarks, one sentence each.
    public var notes: [String]

    public init(
        service: VirtualServiceID?, scheduler: String?, decision: Decision, chosen: RealServerKey? = nil,
        connection: ConnectionSnapshot? = nil, persistence: ExplainedPersistence? = nil,
        hashRow: ExplainedHashRow? = nil, realServers: [ExplainedRealServer] = [], notes: [String] = []
    ) {
        self.service = service
        self.scheduler = scheduler
        self.decision = decision
        self.chosen = chosen
        self.connection = connection
        self.persistence = persistence
        self.hashRow = hashRow
        self.realServers = realServers
        self.notes = notes
    }
}

/// The persistence template of a query (reference §4.7): its key and whether it decides.
public struct ExplainedPersistence: Sendable, Hashable, Codable {
    /// The `-M` netmask text (`255.255.255.0`, or an IPv6 prefix length).
    public var netmask: String
    /// The client network the template is keyed on (the client address under the netmask).
    public var network: IPAddress
    /// The template key's virtual port (0 for FTP and for firewall-mark services).
    public var virtualPort: UInt16
    /// The persistence timeout in seconds.
    public var timeout: UInt32
    /// The real server of the template found; nil when there is none.
    public var realServer: RealServerKey?
    /// Seconds until the template expires.
    public var expiresIn: UInt64?
    /// False when a template was found but its real server may no longer take the client
    /// (deleted, or quiescent with expire_quiescent_template): a new pick replaces it.
    public var valid: Bool

    public init(
        netmask: String, network: IPAddress, virtualPort: UInt16, timeout: UInt32, realServer: RealServerKey?,
        expiresIn: UInt64?, valid: Bool
    ) {
        self.netmask = netmask
        self.network = network
        self.virtualPort = virtualPort
        self.timeout = timeout
        self.realServer = realServer
        self.expiresIn = expiresIn
        self.valid = valid
    }
}

/// The row of a hashing scheduler's table the query falls in (reference §3.12–§3.14).
public struct ExplainedHashRow: Sendable, Hashable, Codable {
    /// `sh`, `dh` or `mh`.
    public var scheduler: String
    /// What was hashed: `client address`, `client address and port`, `destination address`.
    public var key: String
    /// The bucket (sh, dh) or lookup-table slot (mh) and the table size.
    public var row: Int
    public var tableSize: Int
    /// The real server owning that row; nil for an empty row.
    public var owner: RealServerKey?
    /// True when an unavailable owner is replaced by probing other rows (`sh-fallback`, `mh-fallback`).
    public var fallback: Bool

    public init(scheduler: String, key: String, row: Int, tableSize: Int, owner: RealServerKey?, fallback: Bool) {
        self.scheduler = scheduler
        self.key = key
        self.row = row
        self.tableSize = tableSize
        self.owner = owner
        self.fallback = fallback
    }
}

/// One real server as the scheduler sees it, and why it is or is not the one.
public struct ExplainedRealServer: Sendable, Hashable, Codable {
    public enum Verdict: String, Sendable, Hashable, Codable {
        /// The packet goes here.
        case chosen
        /// Weight 0: drained, quiescent, or inhibited by a failed health check.
        case weightZero
        /// Over its upper connection threshold (reference §4.10).
        case overloaded
        /// The health checker has it down.
        case unhealthy
        /// Eligible, but the scheduler's rule preferred another.
        case notPreferred
        /// Not considered: a connection entry or persistence template decides.
        case notConsidered
    }

    public var key: RealServerKey
    public var weight: Int32
    public var activeConnections: Int32
    public var inactiveConnections: Int32
    public var persistentConnections: Int32
    public var overloaded: Bool
    /// The health checker's state (`up`, `down`, …) when the daemon knows it; nil otherwise.
    public var health: String?
    public var verdict: Verdict
    /// The reason in words: `weight 0`, `overhead 514/2 above the chosen one's 256/1`, …
    public var reason: String

    public init(
        key: RealServerKey, weight: Int32, activeConnections: Int32, inactiveConnections: Int32,
        persistentConnections: Int32, overloaded: Bool, health: String? = nil, verdict: Verdict, reason: String
    ) {
        self.key = key
        self.weight = weight
        self.activeConnections = activeConnections
        self.inactiveConnections = inactiveConnections
        self.persistentConnections = persistentConnections
        self.overloaded = overloaded
        self.health = health
        self.verdict = verdict
        self.reason = reason
    }
}
