import Testing

@testable import LVSCore

/// The director's side of the FTP helper (reference §6, §4.2, §7.3): which entries the helper is
/// bound to, data entries created in advance and controlled by their control entry, the NO_CPORT
/// second lookup, and the sequence adjustment kept beside the table and synchronised.
@Suite struct FTPHelperDirectorTests {
    func ftpService(_ h: ConnectionHarness) -> VirtualServiceID {
        VirtualServiceID(protocol: .tcp, address: h.vipAddress, port: 21)
    }

    /// An FTP service VIP:21 masqueraded to two real servers on port 21, and an established
    /// control connection of client 1 (port 40000) on real server `server`.
    func ftpHarness(forwarding: ForwardingMethod = .masquerading) throws -> (ConnectionHarness, ConnectionRef) {
        let h = ConnectionHarness()
        let ftp = VirtualServiceID(protocol: .tcp, address: h.vipAddress, port: 21)
        try h.addService(ftp)
        try h.addServer(1, to: ftp, port: 21, forwarding: forwarding)
        try h.addServer(2, to: ftp, port: 21, forwarding: forwarding)
        guard case .forward(let ref, _, _, _) = h.send(.syn, to: 21) else {
            Issue.record("control SYN not forwarded")
            throw CancellationError()
        }
        h.reply([.syn, .ack], server: 2, serverPort: 21)
        h.send(.ack, to: 21)
        return (h, ref)
    }

    @Test func controlConnectionOfAnFTPServiceIsBoundToTheHelper() throws {
        let (h, ref) = try ftpHarness()
        let control = try #require(h.director.helperConnection(ref))
        #expect(control.isFTPControl)
        #expect(control.isEstablished)
        #expect(control.serverAddress == ConnectionHarness.serverAddress(2))
        #expect(control.serverPort == 21)
        #expect(control.helperState == ConnectionHelperState())
        // Without 21 in the ports the helper is not bound.
        h.director.ftpPorts = [2121]
        #expect(h.director.helperConnection(ref)?.isFTPControl == false)
    }

    @Test func directRoutingIsNotBound() throws {
        let (h, ref) = try ftpHarness(forwarding: .directRouting)
        #expect(h.director.helperConnection(ref)?.isFTPControl == false)
    }

    @Test func passiveDataEntryLearnsTheClientPortAndFollowsTheControlServer() throws {
        let (h, ref) = try ftpHarness()
        let created = h.director.createRelatedConnection(
            controlledBy: ref, client: ConnectionHarness.client(1), clientPort: 0, virtualPort: 50_000,
            serverPort: 50_000, now: h.now)
        guard case .created(let dataRef) = created else {
            Issue.record("\(created)")
            return
        }
        // Listed as IPVS lists it: client port 0, LISTEN, 120 s.
        let listed = try #require(h.director.connectionSnapshot(dataRef, now: h.now))
        #expect(listed.clientPort == 0)
        #expect(listed.stateName == "LISTEN")
        #expect(listed.expiresInSeconds == 120)
        #expect(listed.destinationAddress == ConnectionHarness.serverAddress(2))
        // A repeated 227 finds it.
        #expect(
            h.director.createRelatedConnection(
                controlledBy: ref, client: ConnectionHarness.client(1), clientPort: 0, virtualPort: 50_000,
                serverPort: 50_000, now: h.now) == .existing(dataRef))
        let conns = h.director.services.values.first?.stats.connections
        // The client's data SYN (any client port) reaches real server 2 on the advertised port.
        let verdict = h.send(.syn, port: 40_123, to: 50_000)
        #expect(verdict.serverAddress == ConnectionHarness.serverAddress(2))
        #expect(verdict.destinationPort == 50_000)
        #expect(h.entry(port: 40_123)?.stateName == "SYN_RECV")
        #expect(h.entry(port: 0) == nil)
        // Not a new scheduled connection (reference §4.13), but its traffic counts.
        #expect(h.director.services.values.first?.stats.connections == conns)
        #expect(h.realServer(2, port: 21, of: ftpService(h))?.stats.inPackets == 3)
        // A second client port finds nothing (the entry learnt its port).
        #expect(h.send(.syn, port: 40_124, to: 50_000) == .notOurs)
    }

    @Test func activeDataEntryIsFoundByTheRealServersConnectionFromPort20() throws {
        let (h, ref) = try ftpHarness()
        let created = h.director.createRelatedConnection(
            controlledBy: ref, client: ConnectionHarness.client(1), clientPort: 41_000, virtualPort: 20,
            serverPort: 20, now: h.now)
        guard case .created = created else {
            Issue.record("\(created)")
            return
        }
        // The real server's SYN from port 20 is masqueraded to VIP:20.
        let reply = h.reply(.syn, server: 2, serverPort: 20, port: 41_000)
        guard case .reply(_, let vaddr, let vport, .masquerading) = reply else {
            Issue.record("\(reply)")
            return
        }
        #expect(vaddr == h.vipAddress)
        #expect(vport == 20)
        // The client's SYN/ACK goes back to real server 2 port 20.
        let verdict = h.send([.syn, .ack], port: 41_000, to: 20)
        #expect(verdict.serverAddress == ConnectionHarness.serverAddress(2))
        #expect(verdict.destinationPort == 20)
    }

    @Test func controlEntryOutlivesItsDataEntries() throws {
        let (h, ref) = try ftpHarness()
        _ = h.director.createRelatedConnection(
            controlledBy: ref, client: ConnectionHarness.client(1), clientPort: 0, virtualPort: 50_000,
            serverPort: 50_000, now: h.now)
        // The control connection closes and would expire after CLOSE's 10 s …
        h.send(.rst, to: 21)
        h.advance(seconds: 11)
        // … but it controls the data entry: re-armed for 60 s (reference §4.2).
        #expect(h.entry(port: 40_000) != nil)
        // The data entry expires after LISTEN's 120 s; then the control entry goes too.
        h.advance(seconds: 120)
        #expect(h.entry(port: 0) == nil)
        h.advance(seconds: 61)
        #expect(h.entry(port: 40_000) == nil)
        #expect(h.director.connectionCount == 0)
        #expect(
            h.counts(2, port: 21, of: VirtualServiceID(protocol: .tcp, address: h.vipAddress, port: 21)) == [0, 0, 0])
    }

    @Test func goneControlCreatesNothing() throws {
        let (h, ref) = try ftpHarness()
        h.send(.rst, to: 21)
        h.advance(seconds: 11)
        #expect(
            h.director.createRelatedConnection(
                controlledBy: ref, client: ConnectionHarness.client(1), clientPort: 0, virtualPort: 50_000,
                serverPort: 50_000, now: h.now) == .controlGone)
    }

    @Test func sequenceAdjustmentIsKeptAndSyncedBothWays() throws {
        let (h, ref) = try ftpHarness()
        let out = SequenceAdjustment(initialSequence: 1000, delta: 4, previousDelta: 0)
        h.director.setHelperState(ConnectionHelperState(outSequence: out, applicationData: 1), of: ref)
        #expect(h.director.helperConnection(ref)?.helperState.outSequence == out)
        #expect(h.director.helperConnection(ref)?.helperState.applicationData == 1)
        // The record carries OUT_SEQ and the data (reference §7.3 SEQ_DATA).
        let record = try #require(h.director.syncSnapshot(now: h.now).first { $0.virtualPort == 21 })
        #expect(record.flags.contains(.outSequence))
        #expect(!record.flags.contains(.inSequence))
        #expect(record.outSequence == out)
        // A backup keeps it.
        let backup = ConnectionHarness()
        let ftp = VirtualServiceID(protocol: .tcp, address: backup.vipAddress, port: 21)
        try backup.addService(ftp)
        try backup.addServer(2, to: ftp, port: 21)
        #expect(backup.director.applySynced(record, now: backup.now) == .created(bound: true))
        let index = try #require(
            backup.director.connectionTable.lookupIn(
                .tcp, client: record.clientAddress, clientPort: record.clientPort, virtual: record.virtualAddress,
                virtualPort: 21))
        let backupRef = backup.director.connectionTable.ref(index)
        #expect(backup.director.helperConnection(backupRef)?.helperState.outSequence == out)
        #expect(backup.director.syncSnapshot(now: backup.now).first?.outSequence == out)
        // Forgetting the state clears the flags.
        h.director.setHelperState(ConnectionHelperState(), of: ref)
        #expect(
            h.director.syncSnapshot(now: h.now).first { $0.virtualPort == 21 }?.flags.contains(.outSequence) == false)
    }

    @Test func helperStateDoesNotSurviveItsEntry() throws {
        let (h, ref) = try ftpHarness()
        h.director.setHelperState(ConnectionHelperState(applicationData: 2), of: ref)
        h.send(.rst, to: 21)
        h.advance(seconds: 11)
        #expect(h.director.helperConnection(ref) == nil)
        #expect(h.director.connectionTable.helperStates.isEmpty)
        // The slot's next entry starts clean.
        guard case .forward(let next, _, _, _) = h.send(.syn, port: 40_001, to: 21) else {
            Issue.record("not forwarded")
            return
        }
        #expect(h.director.helperConnection(next)?.helperState == ConnectionHelperState())
    }

    @Test func entryStaysAt112Bytes() {
        #expect(MemoryLayout<ConnectionEntry>.stride == 112)
    }
}
