import Testing

@testable import LVSCore

/// SIP templates between a master and a backup (reference §7.3 PE_DATA/PE_NAME, §7.5, §4.14).
@Suite struct SIPSyncTests {
    func pair() throws -> (master: ConnectionHarness, backup: ConnectionHarness) {
        (try ConnectionHarness.sip(master: true), try ConnectionHarness.sip())
    }

    func replay(_ records: [SyncedConnection], into backup: ConnectionHarness) -> [SyncApplyOutcome] {
        records.map { backup.director.applySynced($0, now: backup.now) }
    }

    @Test func masterSendsTheCallIDWithItsTemplates() throws {
        let (master, _) = try pair()
        master.sendSIP(callID: "A@host")
        master.sendSIP(callID: nil)
        let records = master.takeRecords()
        // One-packet entries are never sent; their templates are (reference §4.9, §7.2 item 5).
        #expect(records.allSatisfy { $0.isTemplate })
        let sip = try #require(records.first { !$0.persistenceData.isEmpty })
        #expect(sip.persistenceData == Array("A@host".utf8))
        #expect(sip.persistenceEngine == "sip")
        #expect(sip.protocolNumber == .udp)
        #expect(sip.clientPort == 0)
        #expect(sip.virtualPort == 5060)
        #expect(sip.timeout == 360)
        // The template flag bits on the wire are the kernel's: our side-table bit stays home.
        #expect(sip.flags.rawValue & 0x0010 == 0)
        let plain = try #require(records.first { $0.persistenceData.isEmpty })
        #expect(plain.persistenceEngine == nil)
        // The re-synchronisation snapshot carries the same.
        let snapshot = master.director.syncSnapshot(now: master.now)
        #expect(snapshot.filter { $0.persistenceEngine == "sip" }.map(\.persistenceData) == [Array("A@host".utf8)])
    }

    /// Calls scheduled on the master keep their real servers on the backup after a takeover,
    /// although the backup's own round robin would have placed them differently.
    @Test func syncedTemplatesAreFoundByTheBackupsLookup() throws {
        let (master, backup) = try pair()
        let a = try #require(master.sendSIP(callID: "A").serverAddress)
        let b = try #require(master.sendSIP(callID: "B").serverAddress)
        #expect(a != b)
        let outcomes = replay(master.takeRecords(), into: backup)
        #expect(outcomes == [.created(bound: true), .created(bound: true)])
        #expect(backup.sipTemplates["A"]?.isSynced == true)
        #expect(backup.sipTemplates["B"]?.persistenceEngineName == "sip")
        #expect(backup.counts(1, port: 5060, of: backup.sipService)[2] == 1)
        // B first: without its synced template the backup's rr would send it where A went.
        #expect(backup.sendSIP(callID: "B").serverAddress == b)
        #expect(backup.sendSIP(callID: "A").serverAddress == a)
        #expect(backup.templates.count == 2)
        // A second record for the same call updates the template rather than adding one.
        master.sendSIP(callID: "A")
        let again = master.takeRecords()
        #expect(replay(again, into: backup) == again.map { _ in .updated })
        #expect(backup.templates.count == 2)
    }

    @Test func backupKeepsCallIDAndAddressTemplatesApart() throws {
        let (master, backup) = try pair()
        let a = try #require(master.sendSIP(callID: "A").serverAddress)
        let plain = try #require(master.sendSIP(callID: nil).serverAddress)
        #expect(a != plain)
        _ = replay(master.takeRecords(), into: backup)
        #expect(backup.templates.count == 2)
        #expect(backup.sendSIP(callID: nil).serverAddress == plain)
        #expect(backup.sendSIP(callID: "A").serverAddress == a)
    }

    @Test func recordsWithUnknownEngineOrOverlongDataAreRejected() throws {
        let (master, backup) = try pair()
        master.sendSIP(callID: "A")
        let record = try #require(master.takeRecords().first)
        var unknown = record
        unknown.persistenceEngine = "rtsp"
        #expect(backup.director.applySynced(unknown, now: backup.now) == .rejected(.unknownPersistenceEngine))
        #expect(backup.director.syncCounters.rejected(.unknownPersistenceEngine) == 1)
        var overlong = record
        overlong.persistenceData = Array(repeating: 0x61, count: 256)
        #expect(backup.director.applySynced(overlong, now: backup.now) == .rejected(.invalidPersistenceData))
        #expect(backup.director.syncCounters.rejectedInvalidPersistenceData == 1)
        // Data without an engine name keys nothing: an ordinary address template.
        var nameless = record
        nameless.persistenceEngine = nil
        #expect(backup.director.applySynced(nameless, now: backup.now) == .created(bound: true))
        #expect(backup.templates.first?.persistenceEngineData == nil)
        #expect(backup.director.connectionTable.persistenceData.isEmpty)
    }
}
