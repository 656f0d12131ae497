import LVSCore
import Testing

@testable import LVSSync

/// A crafted datagram and the one drop it must produce.
struct CraftedDrop: Sendable, CustomTestStringConvertible {
    let label: String
    let datagram: [UInt8]
    var backupSyncID: UInt8 = 0
    let reason: SyncDropReason
    /// Records decoded before the drop.
    var keptRecords = 0

    var testDescription: String { label }
}

private let valid = CraftedSync.ipv4Record()

/// Every codec drop reason of `SyncDropReason`, each hit by a message crafted for it.
let craftedDrops: [CraftedDrop] = [
    CraftedDrop(label: "3-byte datagram", datagram: [0, 1, 0], reason: .tooShort),
    CraftedDrop(label: "size one short", datagram: SyncFixtures.v1IPv4 + [0], reason: .sizeMismatch),
    CraftedDrop(label: "v0 size too big", datagram: Array(SyncFixtures.v0.dropLast()), reason: .sizeMismatch),
    CraftedDrop(label: "other SyncID", datagram: SyncFixtures.v1IPv4, backupSyncID: 8, reason: .syncIDMismatch),
    CraftedDrop(
        label: "count 2, one record", datagram: CraftedSync.message(count: 2, records: [valid]),
        reason: .truncatedRecord, keptRecords: 1),
    CraftedDrop(
        label: "record length past end",
        datagram: CraftedSync.message(records: [CraftedSync.ipv4Record(verSize: 40)]), reason: .truncatedRecord),
    CraftedDrop(
        label: "v0 count 3, two records",
        datagram: {
            var b = SyncFixtures.v0; b[0] = 3; return b
        }(),
        reason: .truncatedRecord, keptRecords: 2),
    CraftedDrop(
        label: "v0 sequence data cut",
        datagram: {
            var b = Array(SyncFixtures.v0.dropLast(4)); b[3] = UInt8(b.count); return b
        }(),
        reason: .truncatedRecord, keptRecords: 1),
    CraftedDrop(
        label: "IPv4 record length 32",
        datagram: CraftedSync.message(records: [CraftedSync.ipv4Record(verSize: 32)]), reason: .recordLengthTooSmall),
    CraftedDrop(
        label: "IPv6 record length 36",
        datagram: CraftedSync.message(records: [CraftedSync.ipv4Record(type: 1)]), reason: .recordLengthTooSmall),
    CraftedDrop(
        label: "record version 1",
        datagram: CraftedSync.message(records: [valid, CraftedSync.ipv4Record(verSize: 0x1024)]),
        reason: .badRecordVersion, keptRecords: 1),
    CraftedDrop(
        label: "record type 2", datagram: CraftedSync.message(records: [CraftedSync.ipv4Record(type: 2)]),
        reason: .badRecordType),
    CraftedDrop(
        label: "option length 0",
        datagram: CraftedSync.message(records: [CraftedSync.ipv4Record(options: [0x42, 0x00])]),
        reason: .badOptionLength),
    CraftedDrop(
        label: "option past record end",
        datagram: CraftedSync.message(records: [CraftedSync.ipv4Record(options: [0x42, 0x05, 1, 2])]),
        reason: .badOptionLength),
    CraftedDrop(
        label: "lone option type byte",
        datagram: CraftedSync.message(records: [CraftedSync.ipv4Record(options: [0x42])]),
        reason: .badOptionLength),
    CraftedDrop(
        label: "SEQ_DATA of 23 bytes",
        datagram: CraftedSync.message(records: [
            CraftedSync.ipv4Record(flags: 0x400, options: CraftedSync.sequenceOption(length: 23))
        ]), reason: .badOptionLength),
    CraftedDrop(
        label: "PE_NAME of 16 bytes",
        datagram: CraftedSync.message(records: [
            CraftedSync.ipv4Record(options: [2, 1, 0x41, 3, 16] + [UInt8](repeating: 0x61, count: 16))
        ]), reason: .badOptionLength),
    CraftedDrop(
        label: "SEQ_DATA twice",
        datagram: CraftedSync.message(records: [
            CraftedSync.ipv4Record(
                flags: 0x400, options: CraftedSync.sequenceOption() + CraftedSync.sequenceOption(type: 0x41))
        ]), reason: .duplicateOption),
    CraftedDrop(
        label: "PE_DATA twice",
        datagram: CraftedSync.message(records: [CraftedSync.ipv4Record(options: [2, 1, 0x41, 2, 1, 0x42])]),
        reason: .duplicateOption),
    CraftedDrop(
        label: "unknown mandatory option 5",
        datagram: CraftedSync.message(records: [CraftedSync.ipv4Record(options: [5, 1, 0]), valid]),
        reason: .unknownMandatoryOption, keptRecords: 1),
    CraftedDrop(
        label: "NO_CPORT with TEMPLATE",
        datagram: CraftedSync.message(records: [CraftedSync.ipv4Record(flags: 0x1800, state: 0), valid]),
        reason: .invalidFlags, keptRecords: 1),
    CraftedDrop(
        label: "ONE_PACKET",
        datagram: CraftedSync.message(records: [CraftedSync.ipv4Record(protocolNumber: 17, flags: 0x2000, state: 0)]),
        reason: .invalidFlags),
    CraftedDrop(
        label: "v0 ONE_PACKET",
        datagram: {
            var b = SyncFixtures.v0; b[24] = 0x21; return b
        }(), reason: .invalidFlags, keptRecords: 1),
    CraftedDrop(
        label: "ICMP connection", datagram: CraftedSync.message(records: [CraftedSync.ipv4Record(protocolNumber: 1)]),
        reason: .unsupportedProtocol),
    CraftedDrop(
        label: "protocol 0 connection",
        datagram: CraftedSync.message(records: [CraftedSync.ipv4Record(protocolNumber: 0, state: 0)]),
        reason: .unsupportedProtocol),
    CraftedDrop(
        label: "ESP template",
        datagram: CraftedSync.message(records: [CraftedSync.ipv4Record(protocolNumber: 50, flags: 0x1000, state: 0)]),
        reason: .unsupportedProtocol),
    CraftedDrop(
        label: "TCP state 11", datagram: CraftedSync.message(records: [CraftedSync.ipv4Record(state: 11)]),
        reason: .invalidState),
    CraftedDrop(
        label: "UDP state 1",
        datagram: CraftedSync.message(records: [CraftedSync.ipv4Record(protocolNumber: 17, state: 1)]),
        reason: .invalidState),
    CraftedDrop(
        label: "SCTP state 14",
        datagram: CraftedSync.message(records: [CraftedSync.ipv4Record(protocolNumber: 132, state: 14)]),
        reason: .invalidState),
    CraftedDrop(
        label: "template state 2",
        datagram: CraftedSync.message(records: [CraftedSync.ipv4Record(flags: 0x1000, state: 2)]),
        reason: .invalidState),
    CraftedDrop(
        label: "v0 TCP state 12",
        datagram: {
            var b = SyncFixtures.v0; b[27] = 12; return b
        }(),
        reason: .invalidState, keptRecords: 1),
    CraftedDrop(
        label: "PE_DATA without PE_NAME",
        datagram: CraftedSync.message(records: [CraftedSync.ipv4Record(options: [2, 2, 0x41, 0x42])]),
        reason: .persistenceDataWithoutEngine),
]

@Suite struct SyncDropReasonTests {
    @Test(arguments: craftedDrops)
    func craftedMessageIsDroppedForItsReason(_ crafted: CraftedDrop) {
        let decoding = SyncMessage.decode(crafted.datagram, backupSyncID: crafted.backupSyncID)
        #expect(decoding.dropReasons == [crafted.reason])
        #expect(decoding.connections.count == crafted.keptRecords)
        switch crafted.reason.scope {
        case .message, .restOfMessage: #expect(decoding.messageDrop == crafted.reason)
        case .record: #expect(decoding.skippedRecords.map(\.reason) == [crafted.reason])
        }
    }

    /// Every reason the codec can give has a crafted message above; the authentication reasons
    /// are hit in `SyncAuthenticationTests`.
    @Test func everyCodecReasonIsCrafted() {
        let authentication: Set<SyncDropReason> = [
            .unauthenticated, .unknownKey, .badAuthenticationCode, .replayedSequence,
        ]
        let crafted = Set(craftedDrops.map(\.reason))
        #expect(crafted == Set(SyncDropReason.allCases).subtracting(authentication))
        #expect(Set(SyncDropReason.allCases.map(\.name)).count == SyncDropReason.allCases.count)
    }

    @Test func matchingOrZeroBackupSyncIDAccepts() {
        #expect(SyncMessage.decode(SyncFixtures.v1IPv4, backupSyncID: 7).connections.count == 1)
        #expect(SyncMessage.decode(SyncFixtures.v1IPv4, backupSyncID: 0).connections.count == 1)
    }

    /// Reference §7.3: an unknown option with bit 0x40 is skipped, and the kernel matches known
    /// types with that bit masked off (0x41 is SEQ_DATA).
    @Test func optionalOptionsAreSkippedOrRecognised() {
        let skipped = CraftedSync.message(records: [CraftedSync.ipv4Record(options: [0x45, 2, 9, 9])])
        #expect(SyncMessage.decode(skipped).connections.count == 1)
        #expect(SyncMessage.decode(skipped).dropReasons.isEmpty)
        let masked = CraftedSync.message(records: [
            CraftedSync.ipv4Record(flags: 0x0200, options: CraftedSync.sequenceOption(type: 0x41))
        ])
        let decoded = SyncMessage.decode(masked).connections
        #expect(
            decoded.first?.outSequence
                == SequenceAdjustment(initialSequence: 0x1111_1111, delta: 0x1111_1111, previousDelta: 0x1111_1111))
        #expect(decoded.first?.inSequence == nil)
    }

    /// A record skipped for an unknown mandatory option does not stop the next one, which
    /// starts at the skipped record's length rounded up to 4.
    @Test func skippedRecordKeepsAlignmentForTheNext() {
        let bytes = CraftedSync.message(records: [CraftedSync.ipv4Record(options: [7, 1, 0]), valid, valid])
        let decoding = SyncMessage.decode(bytes)
        #expect(decoding.connections.count == 2)
        #expect(decoding.skippedRecords == [SyncSkippedRecord(index: 0, reason: .unknownMandatoryOption)])
    }
}
