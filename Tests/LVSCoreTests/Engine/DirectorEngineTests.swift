import Testing

@testable import LVSCore

/// The engine-facing API (Director+Engine.swift) on a manual clock: the proxy's socket events
/// mapped onto IPVS states, holds, lingering, redispatch and traffic counting.
@Suite struct DirectorEngineTests {
    private func harness(persistence: UInt32? = nil, servers: [UInt32] = [1, 2]) throws -> ConnectionHarness {
        let h = ConnectionHarness()
        try h.addService(persistence: persistence)
        for n in servers { try h.addServer(n, forwarding: .proxy) }
        return h
    }

    private func open(_ h: ConnectionHarness, client: UInt32 = 1, port: UInt16 = 40_000) -> InboundVerdict {
        h.director.openConnection(
            .tcp, client: ConnectionHarness.client(client), clientPort: port, virtual: h.vipAddress,
            virtualPort: 80, now: h.now)
    }

    private func ref(_ verdict: InboundVerdict) throws -> ConnectionRef {
        guard case .forward(let ref, _, let forwarding, _) = verdict else {
            Issue.record("expected forward, got \(verdict)")
            throw CancellationError()
        }
        #expect(forwarding == .proxy)
        return ref
    }

    @Test func acceptIsSynRecvAndHeldOffTheWheel() throws {
        let h = try harness()
        let ref = try ref(open(h))
        #expect(h.entry()?.stateName == "SYN_RECV")
        #expect(h.entry()?.expiresInSeconds == 60)
        #expect(h.director.isHeld(ref))
        // Held: never expires however long the clock runs.
        h.advance(seconds: 10_000)
        #expect(h.entry()?.stateName == "SYN_RECV")
        #expect(h.counts(2) == [1, 0, 0])  // rr picks the newest first
    }

    @Test func establishedThenFinsThenLingerInTimeWait() throws {
        let h = try harness()
        let ref = try ref(open(h))
        #expect(h.director.connectionEstablished(ref, now: h.now) == .live)
        #expect(h.entry()?.stateName == "ESTABLISHED")
        #expect(h.entry()?.expiresInSeconds == 900)
        h.advance(seconds: 5)
        #expect(h.director.sideClosed(ref, .client, now: h.now) == .live)
        #expect(h.entry()?.stateName == "CLOSE_WAIT")
        #expect(h.counts(2) == [0, 1, 0])
        #expect(h.director.sideClosed(ref, .server, now: h.now) == .live)
        #expect(h.entry()?.stateName == "TIME_WAIT")
        h.director.connectionClosed(ref, now: h.now)
        #expect(!h.director.isHeld(ref))
        #expect(h.entry()?.expiresInSeconds == 120)
        h.advance(seconds: 119)
        #expect(h.entry()?.stateName == "TIME_WAIT")
        h.advance(seconds: 2)
        #expect(h.entry() == nil)
        #expect(h.counts(2) == [0, 0, 0])
    }

    @Test func serverFinFirstGoesThroughFinWait() throws {
        let h = try harness()
        let ref = try ref(open(h))
        h.director.connectionEstablished(ref, now: h.now)
        h.director.sideClosed(ref, .server, now: h.now)
        #expect(h.entry()?.stateName == "FIN_WAIT")
        h.director.sideClosed(ref, .client, now: h.now)
        #expect(h.entry()?.stateName == "TIME_WAIT")
    }

    @Test func idleCloseExpiresAtOnce() throws {
        let h = try harness()
        let ref = try ref(open(h))
        h.director.connectionEstablished(ref, now: h.now)
        h.advance(seconds: 900)
        h.director.connectionClosed(ref, now: h.now)
        #expect(h.entry() == nil)
        #expect(h.counts(2) == [0, 0, 0])
    }

    @Test func resetLingersInClose() throws {
        let h = try harness()
        let ref = try ref(open(h))
        h.director.connectionEstablished(ref, now: h.now)
        h.director.connectionReset(ref, .client, now: h.now)
        #expect(h.entry()?.stateName == "CLOSE")
        #expect(h.entry()?.expiresInSeconds == 10)
        #expect(h.counts(2) == [0, 1, 0])
        h.advance(seconds: 11)
        #expect(h.entry() == nil)
    }

    @Test func redispatchSkipsTheFailedServerAndCountsBoth() throws {
        let h = try harness()
        let first = try ref(open(h))
        #expect(h.counts(2) == [1, 0, 0])
        let second = h.director.redispatch(first, now: h.now)
        #expect(second.serverAddress == ConnectionHarness.serverAddress(1))
        #expect(h.counts(2) == [0, 0, 0])
        #expect(h.counts(1) == [1, 0, 0])
        #expect(h.director.engineStatus(first) == .gone)
        #expect(h.realServer(2)?.isOverloaded == false)
        // conns counts every scheduling (reference §4.13).
        #expect(h.director.globalStats.connections == 2)
        // The failed server is skipped for one pick only: a second failure goes back to it.
        let third = h.director.redispatch(try ref(second), now: h.now)
        #expect(third.serverAddress == ConnectionHarness.serverAddress(2))
    }

    @Test func redispatchWithOneServerHasNoDestination() throws {
        let h = try harness(servers: [1])
        let first = try ref(open(h))
        #expect(h.director.redispatch(first, now: h.now) == .noDestination)
        #expect(h.counts(1) == [0, 0, 0])
    }

    @Test func redispatchBreaksPersistenceToTheFailedServer() throws {
        let h = try harness(persistence: 300)
        let first = try ref(open(h))
        let second = h.director.redispatch(first, now: h.now)
        #expect(second.serverAddress == ConnectionHarness.serverAddress(1))
        // The next connection of the same client sticks to the new server.
        let third = open(h, port: 40_001)
        #expect(third.serverAddress == ConnectionHarness.serverAddress(1))
    }

    @Test func trafficIsCountedAndRefreshesExpiry() throws {
        let h = try harness()
        let ref = try ref(open(h))
        h.director.connectionEstablished(ref, now: h.now)
        h.advance(seconds: 100)
        #expect(h.entry()?.expiresInSeconds == 800)
        let status = h.director.recordTraffic(
            ref, inPackets: 3, inBytes: 300, outPackets: 4, outBytes: 4000, now: h.now)
        #expect(status == .live)
        #expect(h.entry()?.expiresInSeconds == 900)
        let server = try #require(h.realServer(2))
        #expect(
            server.stats == StatsCounters(connections: 1, inPackets: 3, outPackets: 4, inBytes: 300, outBytes: 4000))
        #expect(h.director.services[h.tcpService]?.stats.outBytes == 4000)
        #expect(h.director.globalStats.inPackets == 3)
    }

    @Test func deletedServerWithoutExpireNodestConnIsUnavailable() throws {
        let h = try harness()
        let ref = try ref(open(h))
        try h.apply(.deleteRealServer(h.tcpService, h.serverKey(2)))
        #expect(
            h.director.recordTraffic(ref, inPackets: 1, inBytes: 1, outPackets: 0, outBytes: 0, now: h.now)
                == .destinationUnavailable)
        // Re-adding revives the same object: the connection resumes (reference §4.11).
        try h.addServer(2, forwarding: .proxy)
        #expect(h.director.engineStatus(ref) == .live)
    }

    @Test func deletedServerWithExpireNodestConnIsGone() throws {
        let h = try harness()
        var settings = DirectorSettings()
        settings.expireNodestConn = true
        try h.apply(.setDirectorSettings(settings))
        let ref = try ref(open(h))
        try h.apply(.deleteRealServer(h.tcpService, h.serverKey(2)))
        #expect(h.director.engineStatus(ref) == .gone)
        #expect(h.entry() == nil)
    }

    @Test func aNewConnectionOnAHeldClientPortReplacesIt() throws {
        let h = try harness()
        let old = try ref(open(h))
        let new = try ref(open(h))
        #expect(old != new)
        #expect(h.director.engineStatus(old) == .gone)
        #expect(h.snapshots.count == 1)
    }

    @Test func udpEntriesAreInactiveAndOnePacketIsReleased() throws {
        let h = ConnectionHarness()
        try h.addService(h.udpService)
        try h.addServer(1, to: h.udpService, forwarding: .proxy)
        let verdict = h.director.openConnection(
            .udp, client: ConnectionHarness.client(1), clientPort: 5000, virtual: h.vipAddress, virtualPort: 53,
            datagramLength: 40, now: h.now)
        let ref = try ref(verdict)
        #expect(h.entry(port: 5000)?.stateName == "UDP")
        #expect(h.entry(port: 5000)?.expiresInSeconds == 300)
        #expect(h.counts(1, of: h.udpService) == [0, 1, 0])
        #expect(h.realServer(1, of: h.udpService)?.stats.inBytes == 40)
        h.advance(seconds: 200)
        h.director.connectionClosed(ref, now: h.now)
        #expect(h.entry(port: 5000)?.expiresInSeconds == 100)

        let o = ConnectionHarness()
        try o.addService(o.udpService, onePacket: true)
        try o.addServer(1, to: o.udpService, forwarding: .proxy)
        let one = o.director.openConnection(
            .udp, client: ConnectionHarness.client(1), clientPort: 5000, virtual: o.vipAddress, virtualPort: 53,
            datagramLength: 40, now: o.now)
        #expect(one.serverAddress == ConnectionHarness.serverAddress(1))
        #expect(o.snapshots.isEmpty)
        #expect(o.realServer(1, of: o.udpService)?.stats.connections == 1)
    }
}
