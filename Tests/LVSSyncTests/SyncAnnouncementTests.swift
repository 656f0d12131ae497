import LVSCore
import Testing

@testable import LVSSync

/// A master's start announcement (docs/design/0031-active-active-dr.md): a valid message without
/// records, which a backup recognises and no ordinary message resembles.
@Suite struct SyncAnnouncementTests {
    @Test(arguments: [SyncProtocolVersion.v1, .v0])
    func anAnnouncementIsAValidMessageWithoutRecords(_ version: SyncProtocolVersion) {
        let message = SyncAnnouncement.message(syncID: 9, version: version)
        #expect(message.count == version.headerLength)
        #expect(message == (try? SyncMessage(version: version, syncID: 9, connections: []).encoded()))
        let decoded = SyncMessage.decode(message, backupSyncID: 9)
        #expect(decoded.version == version)
        #expect(decoded.syncID == 9)
        #expect(decoded.dropReasons.isEmpty)
        #expect(decoded.isAnnouncement)
        #expect(SyncMessage.decode(message, backupSyncID: 0).isAnnouncement)
    }

    @Test func messagesWithRecordsOrDroppedAreNoAnnouncement() throws {
        let ordinary = try SyncMessage(syncID: 9, connections: [SyncFixtures.v1IPv4Connection]).encoded()
        #expect(!SyncMessage.decode(ordinary, backupSyncID: 9).isAnnouncement)
        let announcement = SyncAnnouncement.message(syncID: 9, version: .v1)
        // Another sync ID, a wrong size field, a datagram too short: dropped, so not heard.
        #expect(!SyncMessage.decode(announcement, backupSyncID: 8).isAnnouncement)
        #expect(!SyncMessage.decode(announcement + [0, 0, 0, 0], backupSyncID: 9).isAnnouncement)
        #expect(!SyncMessage.decode(Array(announcement.prefix(3)), backupSyncID: 9).isAnnouncement)
        // A record the backup skips (here: one whose protocol it does not know) is no announcement.
        var unknown = ordinary
        unknown[8 + 1] = 99
        let skipped = SyncMessage.decode(unknown, backupSyncID: 9)
        #expect(skipped.connections.isEmpty)
        #expect(!skipped.isAnnouncement)
    }
}
