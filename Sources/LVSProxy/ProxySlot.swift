import LVSCore
import LVSReactor

/// One fd's state in a worker's fd-indexed `SlotTable` (docs/design/0007-proxy-engine.md).
///
/// A proxied TCP connection occupies two slots, its client socket's and its real-server
/// socket's, each naming the other (`partner`, `partnerToken`). Each slot also holds the
/// direction *from* its socket *to* the partner: bytes read but not yet written (a pooled
/// buffer, `start..<end`) or spliced into a pooled pipe. Connection-wide fields (the director
/// reference, timers, counts) live in the client slot. A struct: no class instance, closure or
/// allocation per connection.
struct ProxySlot {
    enum Kind: UInt8 {
        case vacant, tcpListener, udpListener, client, server, udpUpstream, tick, ftpDataListener
    }

    var kind = Kind.vacant
    var token = ReactorToken(rawValue: 0)
    var partner: UInt32 = .max
    var partnerToken = ReactorToken(rawValue: 0)

    // Direction from this socket to its partner: the pooled buffer or pipe it holds, and its
    // decisions (`TransferDirection`, whose fields the accessors below name).
    var buffer: BufferPool.Buffer?
    var pipe: PipePool.Pipe?
    var transfer = TransferDirection()
    /// Bytes read from this socket not yet reported to the director.
    var unreportedBytes: UInt64 = 0
    /// Both sockets of an FTP control connection: bytes are copied line by line through
    /// `ProxyWorker.pumpControl` (never spliced) so PORT/EPRT/227/229 can be rewritten.
    var ftpControl = false
    /// Both sockets of a content-switched HTTP connection: driven by `ProxyWorker.driveHTTP`
    /// (docs/design/0019), never by `pump`.
    var http = false
    /// A content-switched real-server connection idle in the worker's pool (no client partner;
    /// docs/design/0019 "Pool"): any edge on it closes it.
    var pooled = false

    // FTP data connection (client slot) or data listener: the control connection's client slot.
    // A data connection's `ref` is its own related entry, made when the listener opened
    // (reference §6: bound to the control entry's real server and service, not a new scheduled
    // connection); when the table had no room for one, it is the control's.
    var control: UInt32 = .max
    var controlToken = ReactorToken(rawValue: 0)
    /// FTP data: `ref` is the data connection's own related entry (not the control's).
    var ownsRelatedEntry = false
    /// Active mode: the accepted socket (the "client" slot) is the real server's, the connected
    /// one the client's, so in/out are swapped when traffic is collected.
    var swapped = false
    /// Data listener: where to connect once its one connection is accepted (its expected peer
    /// is in `client`).
    var dataTarget = SocketAddress.loopbackIPv4(port: 0)

    // Connection-wide (client slot; UDP upstream slot).
    var ref = ConnectionRef(index: -1, generation: 0)
    var service = VirtualServiceID(protocol: .tcp, address: .ipv4Any, port: 0)
    var client = SocketAddress.loopbackIPv4(port: 0)
    var connecting = false
    var stalled = false
    var attempts: UInt8 = 0
    var proxyProtocol = ProxyProtocolVersion.none
    var transparentSource = false
    var lastActivity: UInt64 = 0
    var dirty = false
    var reportedSegmentsIn: UInt32 = 0
    var reportedSegmentsOut: UInt32 = 0
    // UDP upstream: the listener slot replies leave from, packets not yet reported, and the
    // real server of a one-packet (`-o`) session (whose entries are not held).
    var listener: UInt32 = .max
    var unreportedInPackets: UInt64 = 0
    var unreportedOutPackets: UInt64 = 0
    var unreportedOutBytes: UInt64 = 0
    var onePacketServer: RealServerKey?
    /// The client sent again on this session since the eviction ring last looked at it (second
    /// chance). Replies do not count: a one-shot request and its answer should not shield a
    /// session from eviction.
    var recentlyUsed = false
    /// UDP listener: the persistence engine of its service as the director last told it
    /// (reference §4.14). While set, a datagram's Call-ID is read before the lock is taken.
    var persistenceEngine: PersistenceEngine?

    /// Bytes waiting in this direction (buffer or pipe).
    var pendingBytes: Int { transfer.pendingBytes }

    // The direction's state under the names the content-switching path reads.
    /// See `TransferDirection.mayRead`.
    var mayRead: Bool {
        get { transfer.mayRead }
        set { transfer.mayRead = newValue }
    }
    var peerClosed: Bool {
        get { transfer.peerClosed }
        set { transfer.peerClosed = newValue }
    }
    var readEOF: Bool {
        get { transfer.readEOF }
        set { transfer.readEOF = newValue }
    }
}

/// A UDP session's identity on one worker: the listener it came in on, the client, and for
/// one-packet scheduling the real server its datagram was scheduled to.
struct UDPSessionKey: Hashable {
    var listener: UInt32
    var client: SocketAddress
    var server: RealServerKey?
}
