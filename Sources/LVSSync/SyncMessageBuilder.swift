import LVSCore

/// Collects records into sync messages as the kernel's master fills its sync buffers (reference
/// §7.2, §7.3): records are appended to the current message until the next one would not fit in
/// `maxLength` (or the one-byte count is full), then the full message is handed back and a new
/// one started. Pure: the driver passes `now` in, sends what it gets back, and calls
/// `flushIfDue(now:)` so a partly filled message waits at most 2 s.
public struct SyncMessageBuilder: Sendable {
    /// How long a partly filled message may wait for more records (the kernel's
    /// IPVS_SYNC_FLUSH_TIME, reference §7.2).
    public static let flushAge: UInt64 = 2_000_000_000

    public let syncID: UInt8
    public private(set) var version: SyncProtocolVersion
    /// The UDP payload size to fill (`SyncMaximumLength`). A message always takes at least one
    /// record even if that record alone is longer, as the kernel's buffer is made big enough.
    public let maxLength: Int
    /// When the current message's first record was added; nil while it is empty.
    public private(set) var firstRecordAddedAt: MonotonicInstant?
    public private(set) var recordCount = 0
    private var bytes: [UInt8]

    public init(syncID: UInt8, version: SyncProtocolVersion = .v1, maxLength: Int) {
        self.syncID = syncID
        self.version = version
        self.maxLength = maxLength
        self.bytes = SyncRecordEncoder.header(syncID: syncID, version: version)
    }

    public var isEmpty: Bool { recordCount == 0 }

    /// The current message's length in bytes, header included.
    public var length: Int { bytes.count }

    /// When `flushIfDue(now:)` will hand back the current message; nil while it is empty.
    public var flushDeadline: MonotonicInstant? { firstRecordAddedAt?.adding(nanoseconds: Self.flushAge) }

    /// Appends `connection`. If it does not fit beside the records already collected, the
    /// message so far is completed and returned, and `connection` starts the next one. Throws
    /// (changing nothing) when the record cannot be encoded, e.g. IPv6 in version 0, where the
    /// kernel silently skips the entry.
    public mutating func append(
        _ connection: SyncedConnection, now: MonotonicInstant
    ) throws(SyncEncodingError) -> [UInt8]? {
        let record = try SyncRecordEncoder.record(connection, version: version)
        var completed: [UInt8]? = nil
        if !isEmpty {
            let padding = SyncRecordEncoder.padding(beforeRecordAt: bytes.count, version: version)
            let fits = bytes.count + padding + record.count <= maxLength
            if !fits || recordCount == SyncWireLayout.maximumRecordCount { completed = flush() }
        }
        let padding = SyncRecordEncoder.padding(beforeRecordAt: bytes.count, version: version)
        bytes += [UInt8](repeating: 0, count: padding)
        bytes += record
        recordCount += 1
        if firstRecordAddedAt == nil { firstRecordAddedAt = now }
        SyncRecordEncoder.setHeader(&bytes, count: recordCount, version: version)
        return completed
    }

    /// Hands back the current message and starts an empty one; nil if there is no record.
    public mutating func flush() -> [UInt8]? {
        guard !isEmpty else { return nil }
        let message = bytes
        bytes = SyncRecordEncoder.header(syncID: syncID, version: version)
        recordCount = 0
        firstRecordAddedAt = nil
        return message
    }

    /// Hands back the current message if its first record is at least 2 s old at `now` (the
    /// kernel's sender flushes a partly filled buffer that old, reference §7.2).
    public mutating func flushIfDue(now: MonotonicInstant) -> [UInt8]? {
        guard let deadline = flushDeadline, now >= deadline else { return nil }
        return flush()
    }

    /// Switches the format of the following records (sysctl `sync_version` changed). A message
    /// of the other version is handed back first, as the kernel flushes it (reference §7.2).
    public mutating func changeVersion(to newVersion: SyncProtocolVersion) -> [UInt8]? {
        guard newVersion != version else { return nil }
        let completed = flush()
        version = newVersion
        bytes = SyncRecordEncoder.header(syncID: syncID, version: version)
        return completed
    }
}
