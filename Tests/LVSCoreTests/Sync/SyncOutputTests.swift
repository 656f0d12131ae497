import Testing

@testable import LVSCore

/// The master's decision of reference §7.2, one rule per test.
@Suite struct SyncOutputTests {
    func tcpMaster(
        _ settings: SyncOutputSettings = SyncOutputSettings(), forwarding: ForwardingMethod = .masquerading
    ) throws -> ConnectionHarness {
        let h = ConnectionHarness.master(settings)
        try h.addService()
        try h.addServer(1, forwarding: forwarding)
        return h
    }

    @Test func noMasterNoRecordsButPacketsCounted() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        for k in 1...10 { h.send(k == 1 ? .syn : .ack) }
        #expect(h.takeRecords().isEmpty)
        // in_pkts counts without a master too, as the kernel's (drop_entry reads it, §4.12).
        #expect(h.internalEntry()?.inPackets == 10)
        #expect(h.director.syncCounters == SyncCounters())
    }

    @Test func thresholdAndPeriodSendAt3And53And103() throws {
        let h = try tcpMaster(SyncOutputSettings(threshold: 3, period: 50))
        #expect(h.packetsThatSynced(110) == [3, 53, 103])
        #expect(h.director.syncCounters.queued == 3)
        #expect(h.internalEntry()?.inPackets == 110)
    }

    @Test func recordCarriesTheEntry() throws {
        let h = try tcpMaster()
        for k in 1...3 { h.send(k == 1 ? .syn : .ack) }
        let records = h.takeRecords()
        #expect(records.count == 1)
        let r = try #require(records.first)
        #expect(r.protocolNumber == .tcp)
        #expect(r.state == UInt16(TCPState.established.rawValue))
        #expect(r.timeout == 900)  // the state's timeout, not the time left
        #expect(r.clientAddress == ConnectionHarness.client(1))
        #expect(r.clientPort == 40_000)
        #expect(r.virtualAddress == h.vipAddress)
        #expect(r.virtualPort == 80)
        #expect(r.destinationAddress == ConnectionHarness.serverAddress(1))
        #expect(r.destinationPort == 8080)
        // NAT, active: no INACTIVE, no NOOUTPUT, no HASHED, none of our own bits.
        #expect(r.flags.rawValue == 0)
    }

    @Test(arguments: [
        (ForwardingMethod.directRouting, UInt32(0x0083)), (.tunnelling, UInt32(0x0082)), (.masquerading, UInt32(0)),
    ])
    func forwardingMethodAndFlagsAsKernelBits(_ forwarding: ForwardingMethod, _ bits: UInt32) throws {
        let h = try tcpMaster(forwarding: forwarding)
        for k in 1...3 { h.send(k == 1 ? .syn : .ack) }
        let r = try #require(h.takeRecords().first)
        #expect(r.flags.rawValue == bits)
        #expect(r.flags.forwarding == forwarding)
    }

    @Test func synRecvIsNeverSent() throws {
        // T = 1: the first packet (SYN → SYN_RECV) would hit the threshold but its state is not synced.
        let h = try tcpMaster(SyncOutputSettings(threshold: 1, period: 50))
        #expect(h.packetsThatSynced(1).isEmpty)
    }

    @Test func establishedIsNotForced() throws {
        let h = try tcpMaster(SyncOutputSettings(threshold: 10, period: 50))
        #expect(h.packetsThatSynced(9).isEmpty)
        #expect(h.packetsThatSynced(1, first: .ack) == [1])  // the 10th packet
    }

    @Test func stateChangesAreForcedNAT() throws {
        let h = try tcpMaster()
        #expect(h.packetsThatSynced(4) == [3])
        // Client FIN: ESTABLISHED → CLOSE_WAIT, sent at once (packet 5).
        h.send(.fin)
        let closeWait = h.takeRecords()
        #expect(closeWait.map(\.state) == [UInt16(TCPState.closeWait.rawValue)])
        #expect(closeWait.first?.timeout == 60)
        #expect(closeWait.first?.flags.contains(.inactive) == true)
        // The same state again: nothing.
        h.send(.ack)
        #expect(h.takeRecords().isEmpty)
        // The real server's FIN (OUTPUT) moves it to TIME_WAIT; the next inbound packet sends it.
        h.reply([.fin, .ack])
        #expect(h.takeRecords().isEmpty)
        h.send(.ack)
        #expect(h.takeRecords().map(\.state) == [UInt16(TCPState.timeWait.rawValue)])
    }

    @Test func finWaitAndCloseAreForcedDR() throws {
        let h = try tcpMaster(forwarding: .directRouting)
        #expect(h.packetsThatSynced(4) == [3])
        h.send(.fin)  // INPUT_ONLY fin: ESTABLISHED → FIN_WAIT
        #expect(h.takeRecords().map(\.state) == [UInt16(TCPState.finWait.rawValue)])
        h.send(.rst)  // → CLOSE
        #expect(h.takeRecords().map(\.state) == [UInt16(TCPState.close.rawValue)])
    }

    @Test func udpHasNoStateRule() throws {
        let h = ConnectionHarness.master()
        try h.addService(h.udpService)
        try h.addServer(1, to: h.udpService)
        let synced = h.packetsThatSynced(60, first: [], then: [], protocolNumber: .udp, vport: 53)
        #expect(synced == [3, 53])
    }

    @Test func periodZeroSendsOnceAtThreshold() throws {
        let h = try tcpMaster(SyncOutputSettings(threshold: 3, period: 0))
        #expect(h.packetsThatSynced(200) == [3])
    }

    @Test func refreshPeriodWithRetries() throws {
        // R = 20 s, 2 retries, no threshold rule (P = 0, R > 0); UDP timeout 300 s, so an
        // unchanged entry waits until its expiry moved by min(20, max(150, 10)) = 20 s.
        let h = ConnectionHarness.master(SyncOutputSettings(threshold: 3, period: 0, refreshPeriod: 20, retries: 2))
        try h.addService(h.udpService)
        try h.addServer(1, to: h.udpService)
        var sentAt: [UInt64] = []
        let start = h.now
        for second: UInt64 in [0, 1, 3, 4, 6, 9, 25, 27, 28] {
            h.now = start.adding(seconds: second)
            h.send([], protocolNumber: .udp, to: 53)
            if !h.takeRecords().isEmpty { sentAt.append(second) }
        }
        // 0: expiry moved by a full timeout since creation. 1: too soon for a retry (R/8 = 2.5 s).
        // 3 and 6: the two retries, 2.5 s apart. 9, 25: no retries left, expiry moved < 20 s.
        // 27: moved 21 s since the last send → sent, retries reset. 28: moved 1 s.
        #expect(sentAt == [0, 3, 6, 27])
    }

    @Test func refreshPeriodWithoutRetries() throws {
        let h = ConnectionHarness.master(SyncOutputSettings(threshold: 3, period: 50, refreshPeriod: 20))
        try h.addService(h.udpService)
        try h.addServer(1, to: h.udpService)
        // Packet 3 (threshold) at t+0 is sent; packet 53 five seconds later is skipped (moved 5 s).
        let start = h.now
        var sent: [Int] = []
        for k in 1...103 {
            h.now = start.adding(nanoseconds: UInt64(k) * 100_000_000)  // 10 packets a second
            h.send([], protocolNumber: .udp, to: 53)
            if !h.takeRecords().isEmpty { sent.append(k) }
        }
        #expect(sent == [3])
    }

    @Test func templatesAreSentWithEveryConnectionPacket() throws {
        let h = ConnectionHarness.master()
        try h.addService(persistence: 360)
        try h.addServer(1)
        var kinds: [[Bool]] = []
        for k in 1...4 {
            h.send(k == 1 ? .syn : .ack)
            kinds.append(h.takeRecords().map(\.isTemplate))
        }
        // The connection (when due) comes first, then its template (item 5).
        #expect(kinds == [[true], [true], [false, true], [true]])
        h.send(.ack)
        let template = try #require(h.takeRecords().first)
        #expect(template.isTemplate)
        #expect(template.flags.rawValue == 0x1000 | 0x0100)  // TEMPLATE | INACTIVE, NAT
        #expect(template.clientPort == 0)
        #expect(template.destinationPort == 8080)
        #expect(template.timeout == 360)
        #expect(template.state == 1)  // ASSURED once the connection is established
    }

    @Test func templatesWithPeriodZeroOnlyAtThreshold() throws {
        let h = ConnectionHarness.master(SyncOutputSettings(threshold: 3, period: 0))
        try h.addService(persistence: 360)
        try h.addServer(1)
        var templateSentAt: [Int] = []
        for k in 1...10 {
            h.send(k == 1 ? .syn : .ack)
            if h.takeRecords().contains(where: \.isTemplate) { templateSentAt.append(k) }
        }
        #expect(templateSentAt == [3])
    }

    @Test func persistModeSendsOnlyTemplates() throws {
        let h = ConnectionHarness.master(SyncOutputSettings(persistMode: true))
        try h.addService(persistence: 360)
        try h.addServer(1)
        var records: [SyncedConnection] = []
        for k in 1...60 {
            h.send(k == 1 ? .syn : .ack)
            records += h.takeRecords()
        }
        #expect(records.count == 60)
        #expect(records.allSatisfy { $0.isTemplate })
    }

    @Test func onePacketEntriesAreNeverSent() throws {
        let h = ConnectionHarness.master(SyncOutputSettings(threshold: 1, period: 0))
        try h.addService(h.udpService, onePacket: true)
        try h.addServer(1, to: h.udpService)
        for _ in 1...5 { h.send([], protocolNumber: .udp, to: 53) }
        #expect(h.takeRecords().isEmpty)
    }

    @Test func onePacketTemplatesAreSent() throws {
        let h = ConnectionHarness.master(SyncOutputSettings(threshold: 3, period: 50))
        try h.addService(h.udpService, persistence: 360, onePacket: true)
        try h.addServer(1, to: h.udpService)
        var records: [SyncedConnection] = []
        for _ in 1...4 {
            h.send([], protocolNumber: .udp, to: 53)
            records += h.takeRecords()
        }
        #expect(records.count == 4)
        #expect(records.allSatisfy { $0.isTemplate })
    }

    @Test func outboxDropsOldestWhenNotDrained() throws {
        let h = ConnectionHarness.master(SyncOutputSettings(threshold: 1, period: 0, outboxCapacity: 2))
        try h.addService(h.udpService)
        try h.addServer(1, to: h.udpService)
        for n: UInt32 in 1...3 { h.send([], client: n, protocolNumber: .udp, to: 53) }
        let records = h.takeRecords()
        #expect(records.map(\.clientAddress) == [ConnectionHarness.client(2), ConnectionHarness.client(3)])
        #expect(h.director.syncCounters.droppedOutboxFull == 1)
        #expect(h.director.syncCounters.queued == 3)
        #expect(h.takeRecords().isEmpty)
        // Shrinking the outbox drops the oldest waiting records too.
        h.director.syncOutput?.outboxCapacity = 8
        for n: UInt32 in 4...9 { h.send([], client: n, protocolNumber: .udp, to: 53) }
        h.director.syncOutput?.outboxCapacity = 4
        #expect(h.takeRecords().count == 4)
        #expect(h.director.syncCounters.droppedOutboxFull == 3)
    }

    @Test func expiringTemplateThatStillControlsIsSent() throws {
        let h = ConnectionHarness.master()
        try h.addService(persistence: 10)
        try h.addServer(1)
        h.send(.syn)
        h.send(.ack)
        _ = h.takeRecords()
        h.advance(seconds: 11)  // the template's timer fires; the connection still lives
        let records = h.takeRecords()
        #expect(records.count == 1)
        #expect(records.first?.isTemplate == true)
        #expect(records.first?.timeout == 60)
    }

    @Test func snapshotListsTemplatesFirst() throws {
        let h = ConnectionHarness.master()
        try h.addService(persistence: 360)
        try h.addServer(1)
        h.send(.syn, client: 1)
        h.send(.syn, client: 2)
        h.send(.ack, client: 1)
        let snapshot = h.director.syncSnapshot(now: h.now)
        #expect(snapshot.map(\.isTemplate) == [true, true, false, false])
        let established = try #require(
            snapshot.first { $0.clientAddress == ConnectionHarness.client(1) && !$0.isTemplate })
        #expect(established.state == UInt16(TCPState.established.rawValue))
        #expect(established.timeout == 900)
    }

    @Test func proxyEngineSyncsTemplatesAndForcedStates() throws {
        let h = ConnectionHarness.master()
        try h.addService(persistence: 360)
        try h.addServer(1)
        let verdict = h.director.openConnection(
            .tcp, client: ConnectionHarness.client(1), clientPort: 5000, virtual: h.vipAddress, virtualPort: 80,
            now: h.now)
        guard case .forward(let ref, _, _, _) = verdict else {
            Issue.record("not forwarded: \(verdict)")
            return
        }
        #expect(h.takeRecords().map(\.isTemplate) == [true])
        h.director.connectionEstablished(ref, now: h.now)
        #expect(h.takeRecords().isEmpty)
        // 10 packets in one report cross the threshold (3): sent, with the template.
        h.director.recordTraffic(ref, inPackets: 10, inBytes: 1000, outPackets: 0, outBytes: 0, now: h.now)
        #expect(h.takeRecords().map(\.isTemplate) == [false, true])
        h.director.sideClosed(ref, .client, now: h.now)
        #expect(h.takeRecords().map(\.state) == [UInt16(TCPState.closeWait.rawValue)])
    }
}
