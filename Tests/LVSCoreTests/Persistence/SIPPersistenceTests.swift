import Testing

@testable import LVSCore

/// The "sip" persistence engine in the director (reference §4.14, §4.7, §2.4).
@Suite struct SIPPersistenceTests {
    static let server1 = ConnectionHarness.serverAddress(1)
    static let server2 = ConnectionHarness.serverAddress(2)

    @Test func engineIsNamedOnlyForUDPPacketsOfPersistentSIPServices() throws {
        let h = try ConnectionHarness.sip()
        #expect(h.director.persistenceEngineServices == [h.sipService: .sip])
        #expect(h.director.persistenceEngine(forPacketTo: .udp, address: h.vipAddress, port: 5060) == .sip)
        #expect(h.director.persistenceEngine(forPacketTo: .tcp, address: h.vipAddress, port: 5060) == nil)
        #expect(h.director.persistenceEngine(forPacketTo: .udp, address: h.vipAddress, port: 5061) == nil)
        // Another service without an engine.
        try h.addService(h.udpService, persistence: 60)
        #expect(h.director.persistenceEngine(forPacketTo: .udp, address: h.vipAddress, port: 53) == nil)
        // -E without -p: the engine no longer matters; -E back; -D.
        try h.apply(.editService(VirtualServiceConfig(id: h.sipService, scheduler: "rr", persistenceEngine: "sip")))
        #expect(h.director.persistenceEngine(forPacketTo: .udp, address: h.vipAddress, port: 5060) == nil)
        try h.apply(
            .editService(
                VirtualServiceConfig(
                    id: h.sipService, scheduler: "rr", persistenceTimeout: 60, persistenceEngine: "sip")))
        #expect(h.director.persistenceEngine(forPacketTo: .udp, address: h.vipAddress, port: 5060) == .sip)
        try h.apply(.deleteService(h.sipService))
        #expect(h.director.persistenceEngineServices.isEmpty)
        #expect(h.director.persistenceEngine(forPacketTo: .udp, address: h.vipAddress, port: 5060) == nil)
    }

    @Test func firewallMarkServiceWithSIPEngine() throws {
        let h = ConnectionHarness()
        let id = VirtualServiceID(firewallMark: 7, family: .inet)
        try h.apply(
            .addService(
                VirtualServiceConfig(
                    id: id, scheduler: "rr", persistenceTimeout: 60, onePacketScheduling: true,
                    persistenceEngine: "sip")))
        #expect(h.director.persistenceEngine(forPacketTo: .udp, address: h.vipAddress, port: 5060) == nil)
        #expect(
            h.director.persistenceEngine(forPacketTo: .udp, address: h.vipAddress, port: 5060, firewallMark: 7) == .sip)
    }

    /// Reference §4.14 with `-o` (the engine's intended use): every datagram is scheduled, and
    /// the Call-ID template decides. Many calls from one client address:port spread over both
    /// real servers; every message of a call reaches its call's server.
    @Test func callsFromOneClientPortSpreadAndEachCallSticks() throws {
        let h = try ConnectionHarness.sip()
        var serverOfCall: [String: IPAddress] = [:]
        for round in 0..<3 {
            for call in 0..<20 {
                let id = "call-\(call)@198.51.100.1"
                let server = try #require(h.sendSIP(callID: id).serverAddress)
                if round == 0 {
                    serverOfCall[id] = server
                } else {
                    #expect(server == serverOfCall[id], "\(id), round \(round)")
                }
                h.advance(seconds: 1)
            }
        }
        let onServer1 = serverOfCall.values.filter { $0 == Self.server1 }.count
        #expect(onServer1 == 10)  // rr over two servers, one new template per call
        #expect(serverOfCall.count == 20)
        // One template per call, keyed on the Call-ID; one-packet entries do not stay.
        let templates = h.sipTemplates
        #expect(templates.count == 20)
        #expect(h.director.connectionCount == 20)
        #expect(h.counts(1, port: 5060, of: h.sipService) == [0, 0, 10])
        #expect(h.counts(2, port: 5060, of: h.sipService) == [0, 0, 10])
        for (id, t) in templates { #expect(t.destinationAddress == serverOfCall[id]) }
    }

    @Test func sameCallFromOtherClientPortsAndAddressesWithMaskZero() throws {
        // `-M 0.0.0.0`: the Call-ID alone keys the template (the configuration the engine's
        // author suggests), so a call reached through another proxy stays on its server.
        let h = try ConnectionHarness.sip(netmask: .ipv4(mask: 0))
        let first = try #require(h.sendSIP(callID: "shared", client: 1, port: 5060).serverAddress)
        #expect(h.sendSIP(callID: "other", client: 1, port: 5060).serverAddress != first)
        for client: UInt32 in [2, 3, 4] {
            #expect(h.sendSIP(callID: "shared", client: client, port: 6000 + UInt16(client)).serverAddress == first)
        }
        #expect(h.sipTemplates["shared"]?.clientAddress == IPAddress(ipv4: 0))
        // With the default /32 mask another client address is another template.
        let g = try ConnectionHarness.sip()
        let a = g.sendSIP(callID: "shared", client: 1).serverAddress
        #expect(g.sendSIP(callID: "shared", client: 2).serverAddress != a)
        #expect(g.templates.count == 2)
    }

    @Test func messageWithoutCallIDUsesTheAddressTemplate() throws {
        let h = try ConnectionHarness.sip()
        let call = try #require(h.sendSIP(callID: "a@host").serverAddress)
        // No Call-ID: the ordinary <udp, client, 0, vip, 5060> template, scheduled anew.
        let plain = try #require(h.sendSIP(callID: nil).serverAddress)
        #expect(plain != call)
        #expect(h.templates.count == 2)
        let address = try #require(h.templates.first { $0.persistenceEngineData == nil })
        #expect(address.persistenceEngineName == nil)
        #expect(address.clientPort == 0)
        #expect(address.destinationAddress == plain)
        // Later messages without a Call-ID (or with a malformed one) stick to it; the call keeps
        // its own server; a payload that is not SIP at all is the same as no Call-ID.
        let garbage: [UInt8] = Array("Call-ID: x\r\n".utf8)
        for _ in 0..<3 {
            #expect(h.sendSIP(callID: nil).serverAddress == plain)
            #expect(h.sendSIP(payload: garbage).serverAddress == plain)
            #expect(h.sendSIP(callID: "a@host").serverAddress == call)
        }
        #expect(h.templates.count == 2)
    }

    @Test func dataIsIgnoredWhereNoEngineApplies() throws {
        // A packet engine that sets data for a service without `--pe` changes nothing.
        let h = try ConnectionHarness.sip(engine: nil)
        let payload = ConnectionHarness.sipPayload(callID: "x")
        #expect(h.director.persistenceEngine(forPacketTo: .udp, address: h.vipAddress, port: 5060) == nil)
        let packet = InboundPacket(
            protocolNumber: .udp, clientAddress: ConnectionHarness.client(1), clientPort: 5060,
            destinationAddress: h.vipAddress, destinationPort: 5060, persistenceData: SIPCallID.extract(from: payload))
        let first = h.director.inbound(packet, now: h.now).serverAddress
        var other = packet
        other.persistenceData = Array("y".utf8)
        #expect(h.director.inbound(other, now: h.now).serverAddress == first)
        #expect(h.templates.count == 1)
        #expect(h.templates.first?.persistenceEngineData == nil)
    }

    /// Without `-o` the client port's connection entry takes every later datagram whatever its
    /// Call-ID, as in IPVS (the in-lookup knows no engine); templates still key new connections.
    @Test func withoutOnePacketSchedulingTheConnectionEntryDecides() throws {
        let h = try ConnectionHarness.sip(ops: false)
        let a = try #require(h.sendSIP(callID: "A", port: 5060).serverAddress)
        #expect(h.sendSIP(callID: "B", port: 5060).serverAddress == a)
        #expect(h.sipTemplates.keys.sorted() == ["A"])
        // Call B from another client port is a new connection: its own template, the next server.
        let b = try #require(h.sendSIP(callID: "B", port: 5062).serverAddress)
        #expect(b != a)
        // Call A from a third port finds A's template.
        #expect(h.sendSIP(callID: "A", port: 5064).serverAddress == a)
        // Connections carry no engine data; the templates control them.
        #expect(h.snapshots.filter { !$0.isTemplate }.allSatisfy { $0.persistenceEngineName == nil })
        #expect(h.counts(1, port: 5060, of: h.sipService)[2] == 1)
        #expect(h.counts(2, port: 5060, of: h.sipService)[2] == 1)
    }

    @Test func templateExpiresPersistenceTimeoutAfterTheLastMessage() throws {
        let h = try ConnectionHarness.sip(timeout: 60)
        let a = try #require(h.sendSIP(callID: "A").serverAddress)
        h.advance(seconds: 50)
        #expect(h.sipTemplates["A"]?.expiresInSeconds == 10)
        #expect(h.sendSIP(callID: "A").serverAddress == a)  // a new one-packet connection restarts it
        #expect(h.sipTemplates["A"]?.expiresInSeconds == 60)
        h.advance(seconds: 59)
        #expect(h.sipTemplates["A"] != nil)
        h.advance(seconds: 2)
        #expect(h.templates.isEmpty)
        #expect(h.director.connectionCount == 0)
        // The side table let go of the Call-ID with the entry.
        #expect(h.director.connectionTable.persistenceData.isEmpty)
        #expect(h.counts(1, port: 5060, of: h.sipService) == [0, 0, 0])
        // The call is scheduled afresh: rr moves on to the other server.
        #expect(h.sendSIP(callID: "A").serverAddress != a)
    }

    @Test func templateOfADeletedServerIsReplaced() throws {
        let h = try ConnectionHarness.sip()
        let a = try #require(h.sendSIP(callID: "A").serverAddress)
        let n: UInt32 = a == Self.server1 ? 1 : 2
        try h.apply(.deleteRealServer(h.sipService, h.serverKey(n, port: 5060)))
        // The old template is neutralised (never found again), a new one points elsewhere.
        let b = try #require(h.sendSIP(callID: "A").serverAddress)
        #expect(b != a)
        #expect(h.sendSIP(callID: "A").serverAddress == b)
        #expect(h.templates.count == 2)
        #expect(h.templates.filter { $0.virtualPort == 5060 }.count == 1)
    }

    @Test func snapshotShowsEngineNameAndData() throws {
        let h = try ConnectionHarness.sip(timeout: 180)
        h.sendSIP(callID: "a84b4c76e66710@pc33.example.com")
        let t = try #require(h.templates.first)
        #expect(t.persistenceEngineName == "sip")
        #expect(t.persistenceEngineData == "a84b4c76e66710@pc33.example.com")
        #expect(t.protocolNumber == .udp)
        #expect(t.clientAddress == ConnectionHarness.client(1))
        #expect(t.clientPort == 0)
        #expect(t.virtualPort == 5060)
        #expect(t.destinationPort == 5060)
        #expect(t.stateName == "NONE")
        #expect(t.expiresInSeconds == 180)
        #expect(!t.isSynced)
    }
}
