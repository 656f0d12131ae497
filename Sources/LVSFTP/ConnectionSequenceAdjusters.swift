import LVSCore

/// Both directions' sequence adjustment of one masqueraded connection (the entry's `in_seq` and
/// `out_seq`, reference §4.1, §6), applied in the order of the kernel's `app_tcp_pkt_in` /
/// `app_tcp_pkt_out`: the segment's own direction fixes its sequence number, the opposite
/// direction's record fixes its acknowledgement number, then a resize of this segment is
/// recorded at its *original* sequence number.
public struct ConnectionSequenceAdjusters: Sendable, Hashable {
    /// Client → server (`in_seq`, flag `IP_VS_CONN_F_IN_SEQ`).
    public var clientToServer: SequenceAdjuster
    /// Server → client (`out_seq`, flag `IP_VS_CONN_F_OUT_SEQ`).
    public var serverToClient: SequenceAdjuster

    public init(
        clientToServer: SequenceAdjuster = SequenceAdjuster(), serverToClient: SequenceAdjuster = SequenceAdjuster()
    ) {
        self.clientToServer = clientToServer
        self.serverToClient = serverToClient
    }

    /// A segment's header numbers after adjustment.
    public struct Numbers: Sendable, Hashable {
        public var sequence: UInt32
        public var acknowledgement: UInt32

        public init(sequence: UInt32, acknowledgement: UInt32) {
            self.sequence = sequence
            self.acknowledgement = acknowledgement
        }
    }

    /// A client → server segment passes: returns its new numbers and records `lengthChange` (the
    /// rewrite's delta, 0 if its payload was not resized).
    public mutating func clientSegment(
        sequence: UInt32, acknowledgement: UInt32, lengthChange: Int32 = 0
    ) -> Numbers {
        let numbers = Numbers(
            sequence: clientToServer.adjustedSequence(sequence),
            acknowledgement: serverToClient.adjustedAcknowledgement(acknowledgement))
        if lengthChange != 0 { clientToServer.payloadResized(atSequence: sequence, by: lengthChange) }
        return numbers
    }

    /// A server → client segment passes: returns its new numbers and records `lengthChange`.
    public mutating func serverSegment(
        sequence: UInt32, acknowledgement: UInt32, lengthChange: Int32 = 0
    ) -> Numbers {
        let numbers = Numbers(
            sequence: serverToClient.adjustedSequence(sequence),
            acknowledgement: clientToServer.adjustedAcknowledgement(acknowledgement))
        if lengthChange != 0 { serverToClient.payloadResized(atSequence: sequence, by: lengthChange) }
        return numbers
    }

    /// The `IN_SEQ`/`OUT_SEQ` flags to carry on the entry and in sync messages (reference §7.3).
    public var flags: SyncedConnectionFlags {
        var flags: SyncedConnectionFlags = []
        if clientToServer.isActive { flags.insert(.inSequence) }
        if serverToClient.isActive { flags.insert(.outSequence) }
        return flags
    }

    /// The state a backup director restores from a sync record (reference §7.5): a direction is
    /// active iff its flag is set; a missing record reads as zeros.
    public init(synced connection: SyncedConnection) {
        self.init(
            clientToServer: SequenceAdjuster(
                adjustment: connection.inSequence ?? SequenceAdjustment(),
                isActive: connection.flags.contains(.inSequence)),
            serverToClient: SequenceAdjuster(
                adjustment: connection.outSequence ?? SequenceAdjustment(),
                isActive: connection.flags.contains(.outSequence)))
    }
}
