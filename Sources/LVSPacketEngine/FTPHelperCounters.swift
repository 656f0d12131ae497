/// What the FTP helper did on masqueraded control connections (reference §6), per worker and
/// summed for `lvsadm --engine-stats` (shown as `packet_ftp_*`).
public struct FTPHelperCounters: Sendable, Hashable {
    /// PASV/EPSV seen client → server: the control entry expects a 227/229.
    public var passiveRequests: UInt64 = 0
    /// 227/229 replies rewritten to the virtual address (and their passive data entries made).
    public var passiveRepliesRewritten: UInt64 = 0
    /// Retransmissions of an already rewritten 227/229, rewritten the same way again.
    public var retransmissionsRewritten: UInt64 = 0
    /// Data entries created in advance: passive (client port unknown) and active (PORT/EPRT).
    public var passiveEntries: UInt64 = 0
    public var activeEntries: UInt64 = 0
    /// A PORT/EPRT or 227/229 whose data entry already existed (a repeated command or reply).
    public var existingEntries: UInt64 = 0
    /// A data entry could not be made (control entry gone, table full): forwarded untouched.
    public var entryFailures: UInt64 = 0
    /// Control segments whose sequence or acknowledgement number was adjusted.
    public var sequenceAdjusted: UInt64 = 0
    /// Lines starting like PORT/EPRT/227/229 that could not be used (hostile, malformed, split
    /// across segments): forwarded untouched (`FTPParseRefusal`).
    public var refused: UInt64 = 0
    /// Of `refused`: the line was split across segments (IPVS does not reassemble either).
    public var refusedSplit: UInt64 = 0
    /// A rewrite needed more room behind the frame than the ring slot had: forwarded untouched.
    public var noRoom: UInt64 = 0
    /// Segments of aggregates (GRO) on a control connection: numbers adjusted, text not read.
    public var aggregatesNotRead: UInt64 = 0
    /// Packets in an FTP service's data port range that matched no connection: from a real
    /// server, routed on unchanged; to a local virtual address, handed to the local stack.
    public var unmatchedDataRange: UInt64 = 0

    public init() {}

    public mutating func add(_ other: FTPHelperCounters) {
        passiveRequests &+= other.passiveRequests
        passiveRepliesRewritten &+= other.passiveRepliesRewritten
        retransmissionsRewritten &+= other.retransmissionsRewritten
        passiveEntries &+= other.passiveEntries
        activeEntries &+= other.activeEntries
        existingEntries &+= other.existingEntries
        entryFailures &+= other.entryFailures
        sequenceAdjusted &+= other.sequenceAdjusted
        refused &+= other.refused
        refusedSplit &+= other.refusedSplit
        noRoom &+= other.noRoom
        aggregatesNotRead &+= other.aggregatesNotRead
        unmatchedDataRange &+= other.unmatchedDataRange
    }

    /// Name → value for `lvsadm --engine-stats`.
    public var named: [(String, UInt64)] {
        [
            ("ftp_passive_requests", passiveRequests),
            ("ftp_passive_replies_rewritten", passiveRepliesRewritten),
            ("ftp_retransmissions_rewritten", retransmissionsRewritten),
            ("ftp_passive_entries", passiveEntries), ("ftp_active_entries", activeEntries),
            ("ftp_existing_entries", existingEntries), ("ftp_entry_failures", entryFailures),
            ("ftp_sequence_adjusted", sequenceAdjusted), ("ftp_refused", refused),
            ("ftp_refused_split", refusedSplit), ("ftp_no_room", noRoom),
            ("ftp_aggregates_not_read", aggregatesNotRead),
            ("ftp_unmatched_data_range", unmatchedDataRange),
        ]
    }
}
