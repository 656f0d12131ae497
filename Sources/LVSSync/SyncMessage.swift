import LVSCore

/// One connection-synchronisation datagram (UDP payload) of the IPVS sync daemon (reference §7):
/// a SyncID and connection records in version 1 (default) or version 0 (legacy) format.
///
/// Encoding writes what the kernel's master writes, byte for byte; decoding applies the kernel
/// backup's checks (reference §7.5 steps 1–2) and reports every drop with a `SyncDropReason`.
public struct SyncMessage: Sendable, Hashable {
    public var version: SyncProtocolVersion
    /// The master's sync ID (0–255); a backup with a non-zero ID takes only messages with its ID.
    public var syncID: UInt8
    public var connections: [SyncedConnection]

    public init(version: SyncProtocolVersion = .v1, syncID: UInt8, connections: [SyncedConnection]) {
        self.version = version
        self.syncID = syncID
        self.connections = connections
    }

    /// The datagram: header with size and count, then the records (v1: each on a 4-byte boundary,
    /// zero padding between records counted in the size; no padding after the last).
    public func encoded() throws(SyncEncodingError) -> [UInt8] {
        guard connections.count <= SyncWireLayout.maximumRecordCount else { throw .tooManyRecords }
        var bytes = SyncRecordEncoder.header(syncID: syncID, version: version)
        for connection in connections {
            let record = try SyncRecordEncoder.record(connection, version: version)
            let padding = SyncRecordEncoder.padding(beforeRecordAt: bytes.count, version: version)
            bytes += [UInt8](repeating: 0, count: padding)
            bytes += record
            guard bytes.count <= SyncWireLayout.maximumMessageLength else { throw .messageTooLong }
        }
        SyncRecordEncoder.setHeader(&bytes, count: connections.count, version: version)
        return bytes
    }

    /// Decodes a received datagram as a kernel backup with sync ID `backupSyncID` would (0 takes
    /// every ID). Never traps: malformed input yields drop reasons, and records decoded before a
    /// "drop the rest" error are kept, as the kernel keeps the entries it already created.
    public static func decode(_ datagram: [UInt8], backupSyncID: UInt8 = 0) -> SyncDecoding {
        SyncMessageDecoder.decode(datagram, backupSyncID: backupSyncID)
    }

    /// The message's v1/v0 detection of reference §7.4: v1 iff byte 0 is 0, the version byte is
    /// 1 and the spare field is 0. A datagram shorter than the v1 header cannot be v1 (the kernel
    /// reads those bytes from its receive buffer beyond the datagram; we do not).
    public static func detectVersion(_ datagram: [UInt8]) -> SyncProtocolVersion {
        guard datagram.count >= SyncProtocolVersion.v1.headerLength else { return .v0 }
        let isV1 = datagram[0] == 0 && datagram[5] == 1 && datagram[6] == 0 && datagram[7] == 0
        return isV1 ? .v1 : .v0
    }
}

/// What `SyncMessage.decode` found in one datagram: the records taken, each record skipped and
/// why, and why the message or its remainder was dropped, if it was.
public struct SyncDecoding: Sendable, Hashable {
    /// nil when the message was dropped before its version was looked at (reference §7.5 step 1).
    public var version: SyncProtocolVersion?
    /// nil when the datagram is too short to carry one.
    public var syncID: UInt8?
    /// The records accepted, in message order, with their flags as on the wire (see
    /// `SyncedConnectionFlags.keptByBackup`).
    public var connections: [SyncedConnection]
    /// Records skipped alone (scope `.record`), by index in the message.
    public var skippedRecords: [SyncSkippedRecord]
    /// Set when the message (scope `.message`) or its remainder (`.restOfMessage`) was dropped.
    public var messageDrop: SyncDropReason?

    public init(
        version: SyncProtocolVersion? = nil, syncID: UInt8? = nil, connections: [SyncedConnection] = [],
        skippedRecords: [SyncSkippedRecord] = [], messageDrop: SyncDropReason? = nil
    ) {
        self.version = version
        self.syncID = syncID
        self.connections = connections
        self.skippedRecords = skippedRecords
        self.messageDrop = messageDrop
    }

    /// Every reason to count for this datagram: one per skipped record, then the message drop.
    public var dropReasons: [SyncDropReason] {
        skippedRecords.map(\.reason) + (messageDrop.map { [$0] } ?? [])
    }
}

/// One record a backup skipped while keeping the rest of its message.
public struct SyncSkippedRecord: Sendable, Hashable {
    /// The record's position in the message, from 0.
    public var index: Int
    public var reason: SyncDropReason

    public init(index: Int, reason: SyncDropReason) {
        self.index = index
        self.reason = reason
    }
}

extension SyncedConnectionFlags {
    /// The flags a backup keeps from a record (reference §7.5 step 2): the forwarding method,
    /// NOOUTPUT, INACTIVE, the sequence bits, NO_CPORT and TEMPLATE, plus SYNC.
    public var keptByBackup: SyncedConnectionFlags {
        let kept: SyncedConnectionFlags = [.noOutput, .inactive, .sequenceMask, .noClientPort, .template]
        let mask = kept.rawValue | Self.forwardingMask
        return SyncedConnectionFlags(rawValue: rawValue & mask).union(.sync)
    }
}
