/// A master's start announcement (docs/design/0031-active-active-dr.md): a well-formed sync
/// message without records, sent once when a master daemon starts. A director that runs a backup
/// and a master at once (active-active) answers it with a snapshot of its table, so a director
/// that returns learns the connections that began while it was away before the routers send
/// them back to it. A kernel backup takes it as a message of zero entries and changes nothing.
public enum SyncAnnouncement {
    /// The announcement of a master with `syncID` sending `version`.
    public static func message(syncID: UInt8, version: SyncProtocolVersion) -> [UInt8] {
        SyncRecordEncoder.header(syncID: syncID, version: version)
    }
}

extension SyncDecoding {
    /// The message is a master's start announcement: accepted, with no record taken or skipped.
    /// A master never sends an ordinary message without records.
    public var isAnnouncement: Bool {
        version != nil && messageDrop == nil && connections.isEmpty && skippedRecords.isEmpty
    }
}
