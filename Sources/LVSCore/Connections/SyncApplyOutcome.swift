/// What a backup director did with one received sync record (reference §7.5).
public enum SyncApplyOutcome: Sendable, Hashable {
    /// A new entry; `bound` tells whether a matching service and real server were found.
    case created(bound: Bool)
    /// An existing entry (or template) took the record's state, timeout and activity.
    case updated
    /// An entry of the same connection pointed at another real server and the record is active:
    /// the old entry was expired and a new one created.
    case replaced(bound: Bool)
    /// An inactive record for a connection that now points elsewhere: the expiry notice of a
    /// connection already replaced, ignored.
    case ignoredStale
    case rejected(SyncRejectReason)
}

/// Why a backup skipped a sync record (reference §7.5 step 2).
public enum SyncRejectReason: Sendable, Hashable, CaseIterable {
    /// NO_CPORT together with TEMPLATE.
    case templateWithoutClientPort
    /// ONE_PACKET entries are never synced; a record carrying the flag is bogus.
    case onePacket
    /// The forwarding-method bits name no method.
    case invalidForwardingMethod
    /// The state number is out of range for the protocol (templates: 0 or 1).
    case invalidState
    /// Protocol 0 on a record that is not a firewall-mark template.
    case unsupportedProtocol
    /// Client, virtual and real-server addresses are not of one family.
    case addressFamilyMismatch
    /// The connection table cannot hold another entry.
    case tableFull
    /// A template naming a persistence engine this director does not have.
    case unknownPersistenceEngine
    /// Persistence-engine data longer than 255 bytes.
    case invalidPersistenceData
}

/// The director's connection-synchronisation counters, master and backup side.
public struct SyncCounters: Sendable, Hashable {
    /// Master: records appended to the outbox.
    public var queued: UInt64 = 0
    /// Master: records dropped, oldest first, because the driver did not drain the outbox.
    public var droppedOutboxFull: UInt64 = 0
    /// Backup: entries created (including replacements), of which `createdUnbound` without a
    /// matching real server.
    public var created: UInt64 = 0
    public var createdUnbound: UInt64 = 0
    public var updated: UInt64 = 0
    public var replaced: UInt64 = 0
    public var ignoredStale: UInt64 = 0
    /// Backup: unbound entries bound to a real server by a later record.
    public var boundLater: UInt64 = 0
    public var rejectedTemplateWithoutClientPort: UInt64 = 0
    public var rejectedOnePacket: UInt64 = 0
    public var rejectedInvalidForwardingMethod: UInt64 = 0
    public var rejectedInvalidState: UInt64 = 0
    public var rejectedUnsupportedProtocol: UInt64 = 0
    public var rejectedAddressFamilyMismatch: UInt64 = 0
    public var rejectedTableFull: UInt64 = 0
    public var rejectedUnknownPersistenceEngine: UInt64 = 0
    public var rejectedInvalidPersistenceData: UInt64 = 0

    public init() {}

    /// Records rejected for `reason`.
    public func rejected(_ reason: SyncRejectReason) -> UInt64 {
        switch reason {
        case .templateWithoutClientPort: return rejectedTemplateWithoutClientPort
        case .onePacket: return rejectedOnePacket
        case .invalidForwardingMethod: return rejectedInvalidForwardingMethod
        case .invalidState: return rejectedInvalidState
        case .unsupportedProtocol: return rejectedUnsupportedProtocol
        case .addressFamilyMismatch: return rejectedAddressFamilyMismatch
        case .tableFull: return rejectedTableFull
        case .unknownPersistenceEngine: return rejectedUnknownPersistenceEngine
        case .invalidPersistenceData: return rejectedInvalidPersistenceData
        }
    }

    mutating func count(_ outcome: SyncApplyOutcome) {
        switch outcome {
        case .created(let bound):
            created &+= 1
            if !bound { createdUnbound &+= 1 }
        case .replaced(let bound):
            replaced &+= 1
            created &+= 1
            if !bound { createdUnbound &+= 1 }
        case .updated: updated &+= 1
        case .ignoredStale: ignoredStale &+= 1
        case .rejected(let reason):
            switch reason {
            case .templateWithoutClientPort: rejectedTemplateWithoutClientPort &+= 1
            case .onePacket: rejectedOnePacket &+= 1
            case .invalidForwardingMethod: rejectedInvalidForwardingMethod &+= 1
            case .invalidState: rejectedInvalidState &+= 1
            case .unsupportedProtocol: rejectedUnsupportedProtocol &+= 1
            case .addressFamilyMismatch: rejectedAddressFamilyMismatch &+= 1
            case .tableFull: rejectedTableFull &+= 1
            case .unknownPersistenceEngine: rejectedUnknownPersistenceEngine &+= 1
            case .invalidPersistenceData: rejectedInvalidPersistenceData &+= 1
            }
        }
    }
}
