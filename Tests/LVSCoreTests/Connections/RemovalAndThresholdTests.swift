import Testing

@testable import LVSCore

@Suite struct RemovalAndThresholdTests {
    @Test func thresholdsWithHysteresis() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1, upper: 4)  // lower bound 4 − 1 = 3
        try h.addServer(2)
        // rr alternates 2, 1, 2, 1, …: server 1 gets ports 2, 4, 6, 8.
        for port in UInt16(1)...8 { h.send(.syn, port: port) }
        let rs1 = try #require(h.realServer(1))
        #expect(rs1.totalConnections == 4)
        #expect(rs1.isOverloaded)
        // Never picked while overloaded.
        for port in UInt16(9)...12 {
            #expect(h.send(.syn, port: port).serverAddress == ConnectionHarness.serverAddress(2))
        }
        // One expiry: total 3, not below L = 3, still overloaded.
        h.send([], port: 2)  // CLOSE, 10 s
        h.advance(seconds: 10)
        #expect(rs1.totalConnections == 3)
        #expect(rs1.isOverloaded)
        h.send([], port: 4)
        h.advance(seconds: 10)
        #expect(rs1.totalConnections == 2)
        #expect(!rs1.isOverloaded)
        #expect(h.send(.syn, port: 13).serverAddress == ConnectionHarness.serverAddress(1))
    }

    @Test func explicitLowerThreshold() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1, upper: 2, lower: 1)
        h.send(.syn, port: 1)
        h.send(.syn, port: 2)
        let rs = try #require(h.realServer(1))
        #expect(rs.isOverloaded)
        #expect(h.send(.syn, port: 3) == .noDestination)
        h.send([], port: 1)
        h.advance(seconds: 10)
        #expect(rs.isOverloaded)  // total 1 is not below 1
        h.send([], port: 2)
        h.advance(seconds: 10)
        #expect(!rs.isOverloaded)
    }

    @Test func weightZeroDrains() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        h.send(.syn, port: 1)
        try h.addServer(2)
        try h.apply(.editRealServer(h.tcpService, h.serverConfig(1, weight: 0)))
        // Existing connection keeps forwarding to the quiesced server …
        #expect(h.send(.ack, port: 1).serverAddress == ConnectionHarness.serverAddress(1))
        // … new ones go elsewhere.
        #expect(h.send(.syn, port: 2).serverAddress == ConnectionHarness.serverAddress(2))
        #expect(h.send(.syn, port: 3).serverAddress == ConnectionHarness.serverAddress(2))
        #expect(h.counts(1) == [1, 0, 0])
    }

    @Test func removedServerDropsPacketsAndLingersInTrash() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        try h.addServer(2)
        h.send(.syn, port: 1)  // server 2 (newest first)
        h.send(.ack, port: 1)
        try h.apply(.deleteRealServer(h.tcpService, h.serverKey(2)))
        let key = Director.TrashKey(
            service: h.tcpService, realServer: RealServerKey(address: ConnectionHarness.serverAddress(2), port: 8080))
        let trashed = try #require(h.director.trash[key])
        #expect(h.send(.ack, port: 1) == .drop(.destinationUnavailable))
        #expect(h.director.connectionCounters.droppedDestinationUnavailable == 1)
        #expect(trashed.stats.inPackets == 2)  // dropped packets are not counted
        // Re-adding revives the same object and the connection resumes.
        try h.addServer(2)
        #expect(h.realServer(2) === trashed)
        #expect(h.send(.ack, port: 1).serverAddress == ConnectionHarness.serverAddress(2))
        try h.apply(.deleteRealServer(h.tcpService, h.serverKey(2)))
        h.advance(seconds: 900)
        #expect(h.director.connectionCount == 0)
        #expect(h.director.trash.isEmpty)
        #expect(trashed.totalConnections == 0)
    }

    @Test func expireNodestConnSweepsAndReschedules() throws {
        let h = ConnectionHarness()
        var settings = DirectorSettings()
        settings.expireNodestConn = true
        try h.apply(.setDirectorSettings(settings))
        try h.addService()
        try h.addServer(1)
        try h.addServer(2)
        h.send(.syn, port: 1)  // → 2
        h.send(.syn, port: 2)  // → 1
        try h.apply(.deleteRealServer(h.tcpService, h.serverKey(2)))
        // The sweep expired the entry at once, so nothing lingers in the trash.
        #expect(h.director.connectionCount == 1)
        #expect(h.director.trash.isEmpty)
        // A new SYN for the same client port is scheduled afresh.
        #expect(h.send(.syn, port: 1).serverAddress == ConnectionHarness.serverAddress(1))
    }

    @Test func expireNodestConnOnPacket() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        try h.addServer(2)
        h.send(.syn, port: 1)  // → 2
        h.send(.ack, port: 1)
        try h.apply(.deleteRealServer(h.tcpService, h.serverKey(2)))
        var settings = DirectorSettings()
        settings.expireNodestConn = true
        try h.apply(.setDirectorSettings(settings))
        // Non-SYN: the entry is expired and the packet passes to the local stack (RST to client).
        #expect(h.send(.ack, port: 1) == .notOurs)
        #expect(h.director.connectionCount == 0)
        #expect(h.director.trash.isEmpty)
    }

    @Test func expireNodestConnReschedulesSynOnQuiescedServer() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        try h.addServer(2)
        h.send(.syn, port: 1)  // → 2
        h.send(.ack, port: 1)
        try h.apply(.editRealServer(h.tcpService, h.serverConfig(2, weight: 0)))
        #expect(h.send(.syn, port: 1).serverAddress == ConnectionHarness.serverAddress(2))
        var settings = DirectorSettings()
        settings.expireNodestConn = true
        try h.apply(.setDirectorSettings(settings))
        #expect(h.send(.syn, port: 1).serverAddress == ConnectionHarness.serverAddress(1))
        #expect(h.counts(2) == [0, 0, 0])
    }

    @Test func connReuseMode() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        try h.addServer(2)
        // NAT trace to TIME_WAIT on server 2.
        h.send(.syn)
        h.send(.ack)
        h.send([.fin, .ack])
        h.reply([.fin, .ack], server: 2)
        #expect(h.entry()?.stateName == "TIME_WAIT")
        // Mode 1: a SYN reusing the port expires it and schedules anew (→ server 1).
        #expect(h.send(.syn).serverAddress == ConnectionHarness.serverAddress(1))
        #expect(h.entry()?.stateName == "SYN_RECV")
        #expect(h.director.connectionCount == 1)
        #expect(h.counts(2) == [0, 0, 0])
        // Mode 0: the SYN goes to the old entry's server.
        var settings = DirectorSettings()
        settings.connReuseMode = 0
        try h.apply(.setDirectorSettings(settings))
        h.send([], port: 40_000)  // CLOSE
        #expect(h.send(.syn).serverAddress == ConnectionHarness.serverAddress(1))
        #expect(h.entry()?.stateName == "SYN_RECV")
    }

    @Test func connReuseModeTwoCoversDirectRoutingFinWait() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1, port: 80, forwarding: .directRouting)
        try h.addServer(2, port: 80, forwarding: .directRouting)
        h.send(.syn)
        h.send(.ack)
        h.send([.fin, .ack])
        #expect(h.entry()?.stateName == "FIN_WAIT")
        // Mode 1: FIN_WAIT is not reusable; the SYN stays on server 2 (FW + INPUT_ONLY syn → SR).
        #expect(h.send(.syn).serverAddress == ConnectionHarness.serverAddress(2))
        h.send(.ack)
        h.send([.fin, .ack])
        var settings = DirectorSettings()
        settings.connReuseMode = 3
        try h.apply(.setDirectorSettings(settings))
        #expect(h.send(.syn).serverAddress == ConnectionHarness.serverAddress(1))
    }

    @Test func onePacketSchedulingCountsButKeepsNothing() throws {
        let h = ConnectionHarness()
        try h.addService(h.udpService, onePacket: true)
        try h.addServer(1, to: h.udpService, port: 53)
        try h.addServer(2, to: h.udpService, port: 53)
        let a = h.send([], protocolNumber: .udp, to: 53, length: 100)
        let b = h.send([], protocolNumber: .udp, to: 53, length: 100)
        #expect(a.serverAddress == ConnectionHarness.serverAddress(2))
        #expect(b.serverAddress == ConnectionHarness.serverAddress(1))  // each datagram scheduled
        #expect(h.director.connectionCount == 0)
        #expect(h.counts(1, port: 53, of: h.udpService) == [0, 0, 0])
        #expect(h.director.services[h.udpService]?.stats == StatsCounters(connections: 2, inPackets: 2, inBytes: 200))
        // TCP on a one-packet service is not affected (reference §4.9: UDP only).
        let mark = VirtualServiceID(firewallMark: 9, family: .inet)
        try h.addService(mark, onePacket: true)
        try h.addServer(3, to: mark, port: 0)
        h.send(.syn, mark: 9)
        #expect(h.director.connectionCount == 1)
    }
}
