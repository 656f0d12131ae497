/// What an application helper keeps per connection entry (reference §4.1, §6): the TCP sequence
/// adjustment of each direction once a rewrite changed a segment's length (the kernel's
/// `in_seq`/`out_seq`, whose presence is the `IN_SEQ`/`OUT_SEQ` flag and which sync messages
/// carry, §7.3), and one byte of the helper's own state (ip_vs_ftp's `app_data`: which passive
/// reply the control connection expects).
///
/// Kept by the director in a side table beside the connection table, so engine workers that see
/// the two directions of a connection on different threads share it under the director's lock.
public struct ConnectionHelperState: Sendable, Hashable {
    /// Client → server adjustment (`in_seq`); nil while `IN_SEQ` is not set.
    public var inSequence: SequenceAdjustment?
    /// Server → client adjustment (`out_seq`); nil while `OUT_SEQ` is not set.
    public var outSequence: SequenceAdjustment?
    /// The helper's own state; 0 = nothing expected.
    public var applicationData: UInt8

    public init(
        inSequence: SequenceAdjustment? = nil, outSequence: SequenceAdjustment? = nil, applicationData: UInt8 = 0
    ) {
        self.inSequence = inSequence
        self.outSequence = outSequence
        self.applicationData = applicationData
    }
}

/// A connection entry as an application helper sees it (`Director.helperConnection(_:)`).
public struct HelperConnection: Sendable, Hashable {
    public var ref: ConnectionRef
    public var protocolNumber: IPProtocolNumber
    public var clientAddress: IPAddress
    public var clientPort: UInt16
    public var virtualAddress: IPAddress
    public var virtualPort: UInt16
    /// The real server (daddr:dport).
    public var serverAddress: IPAddress
    public var serverPort: UInt16
    public var forwarding: ForwardingMethod
    /// The TCP state is ESTABLISHED: the only state in which ip_vs_ftp reads segments (§6).
    public var isEstablished: Bool
    /// The entry's service is an FTP service (TCP, its port in `Director.ftpPorts`) and the
    /// entry is masqueraded: the FTP helper is bound to it (reference §6).
    public var isFTPControl: Bool
    /// The helper's state for the entry (empty when none was kept).
    public var helperState: ConnectionHelperState
}

/// What `Director.createRelatedConnection` did.
public enum RelatedConnectionOutcome: Sendable, Hashable {
    /// A new data entry, controlled by the control connection's entry.
    case created(ConnectionRef)
    /// An identical entry already existed (a repeated PORT, a retransmitted 227); left as it was.
    case existing(ConnectionRef)
    /// The control connection's entry is gone, or its real server is not bound any more.
    case controlGone
    /// The connection table cannot hold another entry.
    case tableFull
}
