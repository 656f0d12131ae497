import Testing

@testable import LVSCore

/// After a takeover the backup forwards the synced connections through its normal
/// inbound/outbound paths (reference §7.1, §7.5): a master director's records are applied to a
/// second director configured alike, then both see the same packets.
@Suite struct SyncTakeoverTests {
    /// A master and a backup with the same services and real servers.
    func pair(
        forwarding: ForwardingMethod = .masquerading, persistence: UInt32? = nil, udp: Bool = false,
        servers: [UInt32] = [1, 2]
    ) throws -> (master: ConnectionHarness, backup: ConnectionHarness) {
        let master = ConnectionHarness.master()
        let backup = ConnectionHarness()
        for h in [master, backup] {
            let service = udp ? h.udpService : h.tcpService
            try h.addService(service, persistence: persistence)
            for n in servers { try h.addServer(n, to: service, forwarding: forwarding) }
        }
        return (master, backup)
    }

    func replay(_ records: [SyncedConnection], into backup: ConnectionHarness) {
        for record in records { _ = backup.director.applySynced(record, now: backup.now) }
    }

    @Test(arguments: [ForwardingMethod.masquerading, .directRouting, .tunnelling])
    func establishedTCPContinuesMidStream(_ forwarding: ForwardingMethod) throws {
        let (master, backup) = try pair(forwarding: forwarding)
        // Two clients so the round robin has moved on: the backup's own scheduler would pick
        // another server for client 2 than the master did.
        for client: UInt32 in [1, 2] {
            for k in 1...3 { master.send(k == 1 ? .syn : .ack, client: client) }
        }
        let records = master.takeRecords()
        #expect(records.count == 2)
        replay(records, into: backup)
        for client: UInt32 in [1, 2] {
            let expected = master.send(.ack, client: client)
            let got = backup.send(.ack, client: client)  // no SYN: only the synced entry can take it
            #expect(got.serverAddress != nil)
            #expect(got.serverAddress == expected.serverAddress)
            #expect(got.destinationPort == expected.destinationPort)
            guard case .forward(_, _, let method, _) = got else { continue }
            #expect(method == forwarding)
            #expect(backup.entry(client: client)?.stateName == "ESTABLISHED")
        }
        #expect(backup.counts(1) == master.counts(1))
        #expect(backup.counts(2) == master.counts(2))
        if forwarding == .masquerading {
            // The real server's reply is found by the out lookup and rewritten to the VIP.
            let server = try #require(master.entry(client: 2)?.destinationAddress)
            let n = server == ConnectionHarness.serverAddress(1) ? UInt32(1) : 2
            let reply = backup.reply(.ack, server: n, client: 2)
            guard case .reply(_, let vip, let vport, _) = reply else {
                Issue.record("reply not found: \(reply)")
                return
            }
            #expect(vip == backup.vipAddress)
            #expect(vport == 80)
        }
    }

    @Test func udpContinues() throws {
        let (master, backup) = try pair(udp: true)
        for client: UInt32 in [1, 2] {
            for _ in 1...3 { master.send([], client: client, protocolNumber: .udp, to: 53) }
        }
        replay(master.takeRecords(), into: backup)
        for client: UInt32 in [1, 2] {
            let expected = master.send([], client: client, protocolNumber: .udp, to: 53)
            #expect(backup.send([], client: client, protocolNumber: .udp, to: 53).withoutRef == expected.withoutRef)
        }
    }

    @Test func newConnectionOfAPersistentClientFollowsTheTemplate() throws {
        let (master, backup) = try pair(persistence: 360)
        // Client 2 first, so client 1's server is not the one a fresh round robin picks first.
        for client: UInt32 in [2, 1] {
            for k in 1...3 { master.send(k == 1 ? .syn : .ack, client: client) }
        }
        replay(master.takeRecords(), into: backup)
        let sticky = try #require(master.entry(client: 1)?.destinationAddress)
        // A new connection (new port, SYN) of client 1 on the backup lands on its template's server.
        let verdict = backup.send(.syn, client: 1, port: 41_000)
        #expect(verdict.serverAddress == sticky)
        #expect(backup.templates.count == 2)
    }

    @Test func snapshotResynchronisesAReturningDirector() throws {
        let (master, backup) = try pair(forwarding: .directRouting, persistence: 360)
        for client: UInt32 in 1...4 {
            master.send(.syn, client: client)
            master.send(.ack, client: client)
        }
        _ = master.takeRecords()
        replay(master.director.syncSnapshot(now: master.now), into: backup)
        // The same listing (`-L -c`), entry for entry, only marked as synced.
        let strip: (ConnectionSnapshot) -> ConnectionSnapshot = {
            var s = $0
            s.isSynced = false
            return s
        }
        let masterList = master.snapshots.sorted { "\($0)" < "\($1)" }
        let backupList = backup.snapshots.map(strip).sorted { "\($0)" < "\($1)" }
        #expect(backupList == masterList)
        #expect(backup.snapshots.allSatisfy { $0.isSynced })
        for n: UInt32 in [1, 2] { #expect(backup.counts(n) == master.counts(n)) }
        // Every connection is linked to its template, so templates live as long as connections.
        let table = backup.director.connectionTable
        let linked = table.entries.indices.filter { table.isLive(Int32($0)) && table.entries[$0].control >= 0 }
        #expect(linked.count == 4)
        for client: UInt32 in 1...4 {
            #expect(backup.send(.ack, client: client).withoutRef == master.send(.ack, client: client).withoutRef)
        }
    }
}

extension InboundVerdict {
    /// The verdict with its entry reference blanked, to compare two directors' verdicts.
    var withoutRef: InboundVerdict {
        switch self {
        case .forward(_, let to, let forwarding, let port):
            return .forward(
                ConnectionRef(index: 0, generation: 0), to: to, forwarding: forwarding, destinationPort: port)
        case .drop, .notOurs, .noDestination:
            return self
        }
    }
}
