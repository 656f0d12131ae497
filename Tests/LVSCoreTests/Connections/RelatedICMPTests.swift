import Testing

@testable import LVSCore

@Suite struct RelatedICMPTests {
    func clientSide(
        _ h: ConnectionHarness, client: UInt32 = 1, port: UInt16 = 40_000, vport: UInt16 = 80,
        protocolNumber: IPProtocolNumber = .tcp, length: UInt32 = 56
    ) -> RelatedVerdict? {
        h.director.relatedConnection(
            RelatedPacket(
                side: .client, protocolNumber: protocolNumber, quotedSourceAddress: h.vipAddress,
                quotedSourcePort: vport, quotedDestinationAddress: ConnectionHarness.client(client),
                quotedDestinationPort: port, length: length),
            now: h.now)
    }

    func serverSide(
        _ h: ConnectionHarness, server: UInt32 = 1, serverPort: UInt16 = 8080, client: UInt32 = 1,
        port: UInt16 = 40_000, length: UInt32 = 56
    ) -> RelatedVerdict? {
        h.director.relatedConnection(
            RelatedPacket(
                side: .server, protocolNumber: .tcp, quotedSourceAddress: ConnectionHarness.client(client),
                quotedSourcePort: port, quotedDestinationAddress: ConnectionHarness.serverAddress(server),
                quotedDestinationPort: serverPort, length: length),
            now: h.now)
    }

    @Test func clientSideErrorFindsTheRealServerAndCountsInbound() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        guard case .forward(let ref, _, _, _) = h.send(.syn, length: 60) else {
            Issue.record("not forwarded")
            return
        }
        let verdict = clientSide(h)
        #expect(
            verdict
                == .toServer(
                    ref, server: ConnectionHarness.serverAddress(1), destinationPort: 8080, forwarding: .masquerading))
        #expect(h.realServer(1)?.stats == StatsCounters(connections: 1, inPackets: 2, inBytes: 116))
        #expect(h.director.services[h.tcpService]?.stats == StatsCounters(connections: 1, inPackets: 2, inBytes: 116))
        #expect(h.director.globalStats == StatsCounters(connections: 1, inPackets: 2, inBytes: 116))
    }

    @Test func serverSideErrorFindsTheVirtualServiceAndCountsOutbound() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        guard case .forward(let ref, _, _, _) = h.send(.syn, length: 60) else {
            Issue.record("not forwarded")
            return
        }
        #expect(
            serverSide(h)
                == .toClient(ref, virtualAddress: h.vipAddress, virtualPort: 80, forwarding: .masquerading))
        #expect(
            h.realServer(1)?.stats
                == StatsCounters(connections: 1, inPackets: 1, outPackets: 1, inBytes: 60, outBytes: 56))
    }

    @Test func lookupRunsNoStateMachineAndRestartsNoTimer() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        h.send(.syn)
        h.advance(seconds: 30)
        #expect(clientSide(h) != nil)
        #expect(serverSide(h) != nil)
        let entry = try #require(h.entry())
        #expect(entry.stateName == "SYN_RECV")
        #expect(entry.expiresInSeconds == 30)
        #expect(h.counts(1) == [1, 0, 0])
        #expect(h.snapshots.count == 1)
    }

    @Test func unrelatedErrorsFindNothingAndCreateNothing() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        #expect(clientSide(h) == nil)
        #expect(h.snapshots.isEmpty)
        h.send(.syn)
        #expect(clientSide(h, port: 40_001) == nil)
        #expect(clientSide(h, vport: 81) == nil)
        #expect(clientSide(h, protocolNumber: .udp) == nil)
        #expect(clientSide(h, protocolNumber: .ip) == nil)
        #expect(serverSide(h, serverPort: 8081) == nil)
        #expect(serverSide(h, server: 2) == nil)
        #expect(h.snapshots.count == 1)
        #expect(h.realServer(1)?.stats == StatsCounters(connections: 1, inPackets: 1, inBytes: 60))
    }

    @Test func directRoutingEntriesAreFoundFromTheClientSide() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(2, port: 80, forwarding: .directRouting)
        guard case .forward(let ref, _, _, _) = h.send(.syn) else {
            Issue.record("not forwarded")
            return
        }
        #expect(
            clientSide(h)
                == .toServer(
                    ref, server: ConnectionHarness.serverAddress(2), destinationPort: 80, forwarding: .directRouting))
        // A quote of client → RS names no NAT entry: the out-lookup of a DR entry wants the VIP.
        #expect(serverSide(h, server: 2, serverPort: 80) == nil)
    }

    @Test func deletedRealServerIsFoundButNotCounted() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        h.send(.syn, length: 60)
        let server = try #require(h.realServer(1))
        try h.apply(.deleteRealServer(h.tcpService, h.serverKey(1)))
        #expect(clientSide(h) != nil)
        #expect(server.stats == StatsCounters(connections: 1, inPackets: 1, inBytes: 60))
        #expect(h.director.globalStats == StatsCounters(connections: 1, inPackets: 1, inBytes: 60))
    }
}
