import Testing

@testable import LVSCore

@Suite struct PersistenceTests {
    func persistentHarness(
        timeout: UInt32 = 300, netmask: PersistenceNetmask? = nil, servers: [UInt32] = [1, 2]
    ) throws -> ConnectionHarness {
        let h = ConnectionHarness()
        try h.addService(persistence: timeout, netmask: netmask)
        for n in servers { try h.addServer(n) }
        return h
    }

    @Test func sameClientSticksWithinTimeout() throws {
        let h = try persistentHarness()
        let first = h.send(.syn, port: 1000).serverAddress
        // rr would alternate; persistence keeps the client on its server.
        for port in UInt16(1001)...1005 { #expect(h.send(.syn, port: port).serverAddress == first) }
        // Another client is scheduled (round robin moves on).
        #expect(h.send(.syn, client: 2).serverAddress != first)
        let t = h.templates
        #expect(t.count == 2)
        let mine = try #require(t.first { $0.clientAddress == ConnectionHarness.client(1) })
        #expect(mine.protocolNumber == .tcp)
        #expect(mine.clientPort == 0)
        #expect(mine.virtualPort == 80)
        #expect(mine.destinationPort == 8080)
        #expect(mine.stateName == "NONE")
        #expect(mine.expiresInSeconds == 300)
        let rs = try #require(h.director.services[h.tcpService]?.realServers.first { $0.key.address == first })
        #expect(rs.persistentConnections == 1)
        #expect(rs.activeConnections == 6)
    }

    @Test func netmaskGroupsClients() throws {
        let h = try persistentHarness(netmask: .ipv4(mask: 0xFFFF_FF00))
        let first = h.send(.syn, client: 1).serverAddress
        #expect(h.send(.syn, client: 77).serverAddress == first)
        #expect(h.send(.syn, client: 200).serverAddress == first)
        let t = try #require(h.templates.first)
        #expect(h.templates.count == 1)
        #expect(t.clientAddress == IPAddress(ipv4: 0xC633_6400))
        // A client of another /24 is a new group.
        let other = h.director.inbound(
            InboundPacket(
                protocolNumber: .tcp, clientAddress: IPAddress(ipv4: 0xC633_6501), clientPort: 1,
                destinationAddress: h.vipAddress, destinationPort: 80, tcpFlags: .syn),
            now: h.now)
        #expect(other.serverAddress != first)
    }

    @Test func assuredWhenEstablished() throws {
        let h = try persistentHarness()
        h.send(.syn)
        #expect(h.templates.first?.stateName == "NONE")
        h.send(.ack)
        #expect(h.templates.first?.stateName == "ASSURED")
    }

    @Test func udpTemplateAssuredByAnyReply() throws {
        let h = ConnectionHarness()
        try h.addService(h.udpService, persistence: 100)
        try h.addServer(1, to: h.udpService, port: 53)
        h.send([], protocolNumber: .udp, to: 53)
        #expect(h.templates.first?.stateName == "NONE")
        #expect(h.templates.first?.protocolNumber == .udp)
        h.reply([], serverPort: 53, protocolNumber: .udp)
        #expect(h.templates.first?.stateName == "ASSURED")
    }

    @Test func templateOutlivesConnectionsAndExpiresAfterLastNewConnection() throws {
        let h = try persistentHarness(timeout: 300)
        h.send(.syn, port: 1000)  // SYN_RECV 60 s
        h.advance(seconds: 100)  // the connection expired at 60 s; the template remains
        #expect(h.entry(port: 1000) == nil)
        #expect(h.templates.count == 1)
        #expect(h.templates.first?.expiresInSeconds == 200)
        h.send(.syn, port: 1001)  // a new connection restarts the template: 300 s from now
        #expect(h.templates.first?.expiresInSeconds == 300)
        h.advance(seconds: 50)
        h.send(.ack, port: 1001)  // traffic on an existing connection does not refresh it
        #expect(h.templates.first?.expiresInSeconds == 250)
        h.send([.rst], port: 1001)  // CLOSE, 10 s
        h.advance(seconds: 249)
        #expect(h.templates.count == 1)
        h.advance(seconds: 1)
        #expect(h.snapshots.isEmpty)
        #expect(h.counts(1) == [0, 0, 0])
        #expect(h.counts(2) == [0, 0, 0])
    }

    @Test func templateReArmedSixtySecondsWhileControlling() throws {
        let h = try persistentHarness(timeout: 60)
        h.send(.syn)
        h.send(.ack)  // ESTABLISHED 900 s
        h.advance(seconds: 60)  // template due, but it controls a live connection
        #expect(h.templates.count == 1)
        #expect(h.templates.first?.expiresInSeconds == 60)
        h.advance(seconds: 60)
        #expect(h.templates.first?.expiresInSeconds == 60)
        let server = h.send(.syn, port: 2).serverAddress  // still sticky
        #expect(server == ConnectionHarness.serverAddress(2))
        h.send(.ack, port: 2)
        h.send([.rst])
        h.send([.rst], port: 2)  // both CLOSE: 10 s (RST on SYN_RECV would stay SYN_RECV)
        h.advance(seconds: 10)
        #expect(h.snapshots.count == 1)
        #expect(h.templates.count == 1)
        h.advance(seconds: 60)  // the template's own timer (last new conn + 60 s) has passed
        #expect(h.snapshots.isEmpty)
        #expect(h.counts(2) == [0, 0, 0])
    }

    @Test func firewallMarkTemplateIsProtocolIP() throws {
        let h = ConnectionHarness()
        let mark = VirtualServiceID(firewallMark: 1, family: .inet)
        try h.addService(mark, persistence: 360)
        try h.addServer(1, to: mark, port: 0)
        try h.addServer(2, to: mark, port: 0)
        let a = h.send(.syn, to: 80, mark: 1)
        // Any port and protocol carrying the mark sticks to the same server.
        #expect(h.send(.syn, port: 40_001, to: 443, mark: 1).serverAddress == a.serverAddress)
        #expect(h.send([], port: 40_002, protocolNumber: .udp, to: 53, mark: 1).serverAddress == a.serverAddress)
        #expect(a.destinationPort == 80)
        let t = try #require(h.templates.first)
        #expect(h.templates.count == 1)
        #expect(t.protocolNumber == .ip)
        #expect(t.virtualAddress == IPAddress(ipv4: 1))
        #expect(t.virtualPort == 0)
        #expect(t.destinationPort == 0)
        #expect(t.clientPort == 0)
        #expect(t.stateName == "NONE")
    }

    @Test func portZeroServiceKeepsClientPort() throws {
        let h = ConnectionHarness()
        let any = VirtualServiceID(protocol: .tcp, address: h.vipAddress, port: 0)
        try h.addService(any, persistence: 100)
        try h.addServer(1, to: any, port: 0)
        let v = h.send(.syn, to: 8443)
        #expect(v.destinationPort == 8443)
        let t = try #require(h.templates.first)
        #expect(t.protocolNumber == .tcp && t.virtualPort == 0 && t.destinationPort == 0)
    }

    @Test func quiescedServerKeepsTemplateClientsUnlessExpireQuiescent() throws {
        let h = try persistentHarness()
        let first = try #require(h.send(.syn, port: 1).serverAddress)
        let n: UInt32 = first == ConnectionHarness.serverAddress(1) ? 1 : 2
        try h.apply(.editRealServer(h.tcpService, h.serverConfig(n, weight: 0)))
        #expect(h.send(.syn, port: 2).serverAddress == first)  // template hit ignores weight 0
        var settings = DirectorSettings()
        settings.expireQuiescentTemplate = true
        try h.apply(.setDirectorSettings(settings))
        let moved = h.send(.syn, port: 3).serverAddress
        #expect(moved != nil && moved != first)
        // The old template is neutralised (vport 0xFFFF) and a new one serves the client.
        let t = h.templates
        #expect(t.count == 2)
        #expect(t.contains { $0.virtualPort == 0xFFFF && $0.destinationPort == 0xFFFF })
        #expect(t.contains { $0.virtualPort == 80 && $0.destinationAddress == moved })
        #expect(h.send(.syn, port: 4).serverAddress == moved)
    }

    @Test func templateOfDeletedServerIsReplaced() throws {
        let h = try persistentHarness()
        let first = try #require(h.send(.syn, port: 1).serverAddress)
        let n: UInt32 = first == ConnectionHarness.serverAddress(1) ? 1 : 2
        try h.apply(.deleteRealServer(h.tcpService, RealServerKey(address: first, port: 8080)))
        #expect(h.director.trash.count == 1)
        let next = h.send(.syn, port: 2).serverAddress
        #expect(next == ConnectionHarness.serverAddress(3 - n))
        // Once the old connection and template expire, the deleted server leaves the trash.
        h.advance(seconds: 301)
        #expect(h.director.trash.isEmpty)
    }

    @Test func onePacketWithPersistenceKeepsTemplate() throws {
        let h = ConnectionHarness()
        try h.addService(h.udpService, persistence: 100, onePacket: true)
        try h.addServer(1, to: h.udpService, port: 53)
        try h.addServer(2, to: h.udpService, port: 53)
        let a = h.send([], protocolNumber: .udp, to: 53)
        #expect(h.send([], port: 40_001, protocolNumber: .udp, to: 53).serverAddress == a.serverAddress)
        // Only the template is kept; each datagram's entry is gone.
        #expect(h.snapshots.count == 1)
        #expect(h.templates.count == 1)
        let n: UInt32 = a.serverAddress == ConnectionHarness.serverAddress(1) ? 1 : 2
        #expect(h.counts(n, port: 53, of: h.udpService) == [0, 0, 1])
        #expect(h.realServer(n, port: 53, of: h.udpService)?.stats.connections == 2)
    }
}
