import Testing

@testable import LVSCore

/// The backup's processing of reference §7.5 steps 2–6, one rule per test.
@Suite struct SyncInputTests {
    func backup(forwarding: ForwardingMethod = .masquerading, servers: [UInt32] = [1, 2]) throws -> ConnectionHarness {
        let h = ConnectionHarness()
        try h.addService()
        for n in servers { try h.addServer(n, forwarding: forwarding) }
        return h
    }

    // MARK: - Step 2

    @Test func rejectsBogusRecordsAndCountsThem() throws {
        let h = try backup()
        let cases: [(SyncedConnection, SyncRejectReason)] = [
            (syncRecord(flags: [.template, .noClientPort], state: 0), .templateWithoutClientPort),
            (syncRecord(.udp, flags: .onePacket, state: 0), .onePacket),
            (syncRecord(state: 11), .invalidState),
            (syncRecord(.udp, state: 1), .invalidState),
            (syncRecord(.sctp, state: 14), .invalidState),
            (syncRecord(flags: .template, state: 2), .invalidState),
            (syncRecord(.ip, state: 0), .unsupportedProtocol),
        ]
        for (record, reason) in cases {
            #expect(h.director.applySynced(record, now: h.now) == .rejected(reason))
        }
        var badForwarding = syncRecord()
        badForwarding.flags = SyncedConnectionFlags(rawValue: 5)
        #expect(h.director.applySynced(badForwarding, now: h.now) == .rejected(.invalidForwardingMethod))
        var mixed = syncRecord()
        mixed.destinationAddress = IPAddress(ipv6High: 0x2001_0db8 << 32, low: 1)
        #expect(h.director.applySynced(mixed, now: h.now) == .rejected(.addressFamilyMismatch))
        let counters = h.director.syncCounters
        #expect(counters.rejected(.invalidState) == 4)
        #expect(counters.rejected(.templateWithoutClientPort) == 1)
        #expect(counters.rejected(.onePacket) == 1)
        #expect(counters.rejected(.unsupportedProtocol) == 1)
        #expect(counters.rejected(.invalidForwardingMethod) == 1)
        #expect(counters.rejected(.addressFamilyMismatch) == 1)
        #expect(h.director.connectionCount == 0)
    }

    @Test func flagsAreMaskedAndMarkedSync() throws {
        let h = try backup()
        // HASHED and bits the kernel never sends (our held/inUse) do not come through; SEQ
        // does, with its (here missing, so zero) adjustment data.
        var record = syncRecord()
        record.flags = SyncedConnectionFlags(rawValue: 0xC000 | 0x0600 | 0x0040 | 0x0100)
        #expect(h.director.applySynced(record, now: h.now) == .created(bound: true))
        let entry = try #require(h.internalEntry())
        #expect(entry.flags.contains(.sync))
        #expect(entry.flags.contains(.inactive))
        #expect(!entry.flags.contains(.held))
        #expect(entry.flags.rawValue & 0x0600 == 0x0600)
        #expect(h.entry()?.isSynced == true)
        #expect(h.entry()?.stateName == "ESTABLISHED")
        #expect(h.director.syncCounters.created == 1)
    }

    // MARK: - Steps 3 and 4

    @Test func existingEntryIsUpdatedAndActivityFollows() throws {
        let h = try backup()
        #expect(h.director.applySynced(syncRecord(), now: h.now) == .created(bound: true))
        #expect(h.counts(1) == [1, 0, 0])
        let inactive = syncRecord(flags: .inactive, state: UInt16(TCPState.closeWait.rawValue), timeout: 60)
        #expect(h.director.applySynced(inactive, now: h.now) == .updated)
        #expect(h.counts(1) == [0, 1, 0])
        #expect(h.entry()?.stateName == "CLOSE_WAIT")
        #expect(h.entry()?.expiresInSeconds == 60)
        #expect(h.director.applySynced(syncRecord(), now: h.now) == .updated)
        #expect(h.counts(1) == [1, 0, 0])
        #expect(h.director.connectionCount == 1)
        #expect(h.director.syncCounters.updated == 2)
        // Sync creates no new connection in the statistics (reference §4.13).
        #expect(h.director.services[h.tcpService]?.stats.connections == 0)
    }

    @Test func activeRecordForAnotherServerReplacesTheEntry() throws {
        let h = try backup(servers: [1, 2, 3])
        _ = h.director.applySynced(syncRecord(server: 1), now: h.now)
        #expect(h.director.applySynced(syncRecord(server: 2), now: h.now) == .replaced(bound: true))
        #expect(h.counts(1) == [0, 0, 0])
        #expect(h.counts(2) == [1, 0, 0])
        #expect(h.entry()?.destinationAddress == ConnectionHarness.serverAddress(2))
        // The late expiry notice of the old connection (inactive) is ignored.
        let stale = syncRecord(server: 1, flags: .inactive, state: UInt16(TCPState.timeWait.rawValue))
        #expect(h.director.applySynced(stale, now: h.now) == .ignoredStale)
        #expect(h.entry()?.destinationAddress == ConnectionHarness.serverAddress(2))
        #expect(h.director.connectionCount == 1)
        #expect(h.director.syncCounters.replaced == 1)
        #expect(h.director.syncCounters.ignoredStale == 1)
    }

    // MARK: - Step 5

    @Test func backupsOwnForwardingMethodWins() throws {
        let h = try backup(forwarding: .directRouting)
        _ = h.director.applySynced(syncRecord(forwarding: .masquerading), now: h.now)
        let entry = try #require(h.internalEntry())
        #expect(entry.forwarding == .directRouting)
        #expect(entry.flags.contains(.noOutput))
    }

    @Test func unboundEntryForwardsByItsFlagsAndIsBoundLater() throws {
        let h = ConnectionHarness()
        let record = syncRecord(server: 7, forwarding: .tunnelling, flags: .noOutput)
        #expect(h.director.applySynced(record, now: h.now) == .created(bound: false))
        #expect(h.director.syncCounters.createdUnbound == 1)
        let verdict = h.send(.ack)
        #expect(verdict.serverAddress == ConnectionHarness.serverAddress(7))
        guard case .forward(_, _, let forwarding, let port) = verdict else {
            Issue.record("not forwarded: \(verdict)")
            return
        }
        #expect(forwarding == .tunnelling)
        #expect(port == 8080)
        // The service and real server appear; the next record binds the entry.
        try h.addService()
        try h.addServer(7, forwarding: .tunnelling)
        #expect(h.counts(7) == [0, 0, 0])
        #expect(h.director.applySynced(record, now: h.now) == .updated)
        #expect(h.counts(7) == [1, 0, 0])
        #expect(h.director.syncCounters.boundLater == 1)
    }

    @Test func firewallMarkNonNATTriesPortZeroFirst() throws {
        let h = ConnectionHarness()
        let mark = VirtualServiceID(firewallMark: 1, family: .inet)
        try h.addService(mark)
        try h.addServer(1, to: mark, port: 0, forwarding: .directRouting)
        try h.addServer(1, to: mark, port: 80, forwarding: .directRouting)
        let record = syncRecord(serverPort: 80, forwarding: .directRouting, flags: .noOutput, firewallMark: 1)
        #expect(h.director.applySynced(record, now: h.now) == .created(bound: true))
        #expect(h.counts(1, port: 0, of: mark) == [1, 0, 0])
        #expect(h.counts(1, port: 80, of: mark) == [0, 0, 0])
    }

    @Test func otherAlternativeWhenTheFirstPortHasNoServer() throws {
        let h = ConnectionHarness()
        let mark = VirtualServiceID(firewallMark: 1, family: .inet)
        try h.addService(mark)
        try h.addServer(1, to: mark, port: 80, forwarding: .directRouting)
        let record = syncRecord(serverPort: 80, forwarding: .directRouting, flags: .noOutput, firewallMark: 1)
        #expect(h.director.applySynced(record, now: h.now) == .created(bound: true))
        #expect(h.counts(1, port: 80, of: mark) == [1, 0, 0])
        // NAT records try the record's port first, then port 0.
        let nat = ConnectionHarness()
        try nat.addService(mark)
        try nat.addServer(1, to: mark, port: 0)
        #expect(nat.director.applySynced(syncRecord(port: 1, firewallMark: 1), now: nat.now) == .created(bound: true))
        #expect(nat.counts(1, port: 0, of: mark) == [1, 0, 0])
    }

    // MARK: - Step 6

    @Test func timeoutFromTheRecordOrTheStateTable() throws {
        let h = try backup()
        _ = h.director.applySynced(syncRecord(port: 1, timeout: 42), now: h.now)
        _ = h.director.applySynced(syncRecord(port: 2, timeout: 0), now: h.now)
        _ = h.director.applySynced(
            syncRecord(port: 3, flags: .inactive, state: UInt16(TCPState.finWait.rawValue), timeout: 0), now: h.now)
        _ = h.director.applySynced(
            syncRecord(.udp, port: 4, vport: 53, flags: .inactive, state: 0, timeout: 0), now: h.now)
        var template = syncRecord(port: 0, flags: [.template, .inactive], state: 0, timeout: 0)
        template.clientPort = 0
        _ = h.director.applySynced(template, now: h.now)
        #expect(h.entry(port: 1)?.expiresInSeconds == 42)
        #expect(h.entry(port: 2)?.expiresInSeconds == 900)
        #expect(h.entry(port: 3)?.expiresInSeconds == 120)
        #expect(h.entry(port: 4)?.expiresInSeconds == 300)
        #expect(h.templates.first?.expiresInSeconds == 180)
        // The timer was (re)started: 42 s later the first entry is gone.
        h.advance(seconds: 43)
        #expect(h.entry(port: 1) == nil)
        #expect(h.entry(port: 2) != nil)
    }

    @Test func packetCountStartsAtTheThreshold() throws {
        // A backup that becomes master: the next sync is at T + P packets.
        let h = try backup()
        h.director.syncOutput = SyncOutputSettings(threshold: 3, period: 50)
        _ = h.director.applySynced(syncRecord(), now: h.now)
        #expect(h.internalEntry()?.inPackets == 3)
        #expect(h.packetsThatSynced(60, first: .ack) == [50])
    }

    @Test func templatesLinkTheirConnections() throws {
        let h = ConnectionHarness()
        try h.addService(persistence: 360)
        try h.addServer(1)
        var template = syncRecord(flags: [.template, .inactive], state: 1, timeout: 360)
        template.clientPort = 0
        #expect(h.director.applySynced(template, now: h.now) == .created(bound: true))
        #expect(h.counts(1) == [0, 0, 1])
        _ = h.director.applySynced(syncRecord(), now: h.now)
        let entry = try #require(h.internalEntry())
        #expect(entry.control >= 0)
        #expect(h.director.connectionTable.entries[Int(entry.control)].controlledCount == 1)
        #expect(h.templates.first?.stateName == "ASSURED")
        // The template outlives its own timeout while it controls the connection (60 s steps).
        h.advance(seconds: 400)
        #expect(h.templates.count == 1)
    }

    @Test func locallyCreatedEntriesAreNotMarkedSynced() throws {
        let h = try backup()
        h.send(.syn)
        #expect(h.entry()?.isSynced == false)
    }
}
