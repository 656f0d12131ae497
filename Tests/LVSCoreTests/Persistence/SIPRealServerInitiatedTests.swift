import Testing

@testable import LVSCore

/// Connections for datagrams real servers initiate, the SIP engine's `conn_out` (reference
/// §4.14 "requests initiated by real servers", §4.3 "Outbound"), on a manual clock.
@Suite struct SIPRealServerInitiatedTests {
    static let server1 = ConnectionHarness.serverAddress(1)
    static let server2 = ConnectionHarness.serverAddress(2)

    @Test func answerToAOnePacketEntryIsMasqueradedAndKeepsTheCallOnItsServer() throws {
        let h = try ConnectionHarness.sip()
        let server = try #require(h.sendSIP(callID: "c1@uac").serverAddress)
        let n: UInt32 = server == Self.server1 ? 1 : 2
        // The -o entry is gone: only the Call-ID template is left.
        #expect(h.director.connectionCount == 1)
        for _ in 0..<3 {
            let verdict = h.replySIP(callID: "c1@uac", server: n)
            #expect(verdict.isReply(virtual: h.vipAddress, port: 5060))
            // The reply's one-packet entry is released again; the template is reused.
            #expect(h.director.connectionCount == 1)
            #expect(h.sipTemplates["c1@uac"]?.destinationAddress == server)
            #expect(h.sendSIP(callID: "c1@uac").serverAddress == server)
            h.advance(seconds: 10)
        }
        // Each reply counted as one new connection and one outbound packet of its server.
        let rs = try #require(h.realServer(n, port: 5060, of: h.sipService))
        #expect(rs.stats.connections == 7)
        #expect(rs.stats.outPackets == 3)
        #expect(h.counts(n, port: 5060, of: h.sipService) == [0, 0, 1])
        // The reply marked the template assured.
        #expect(h.sipTemplates["c1@uac"]?.stateName == "ASSURED")
    }

    @Test func requestFromARealServerCreatesTheCallsTemplate() throws {
        let h = try ConnectionHarness.sip()
        // Server 2 calls out first: no template, no entry; it gets both.
        #expect(
            h.replySIP(callID: "from-rs2", server: 2, client: 3, port: 5070).isReply(
                virtual: h.vipAddress, port: 5060))
        let template = try #require(h.sipTemplates["from-rs2"])
        #expect(template.destinationAddress == Self.server2)
        #expect(template.destinationPort == 5060)
        #expect(template.clientAddress == ConnectionHarness.client(3))
        #expect(template.virtualPort == 5060)
        // The far end's answers (from any port) reach server 2, whatever rr would pick.
        for _ in 0..<4 {
            #expect(h.sendSIP(callID: "from-rs2", client: 3, port: 5070).serverAddress == Self.server2)
        }
        // A call from server 1 to the same client is its own template.
        #expect(
            h.replySIP(callID: "from-rs1", server: 1, client: 3, port: 5070).isReply(
                virtual: h.vipAddress, port: 5060))
        for _ in 0..<4 {
            #expect(h.sendSIP(callID: "from-rs1", client: 3, port: 5070).serverAddress == Self.server1)
        }
        #expect(h.sipTemplates.count == 2)
    }

    @Test func callOnAnotherServerMovesToTheServerThatSends() throws {
        // ip_vs_check_template with the sender: a template of the call that points elsewhere is
        // neutralised and a new one made for the sending server.
        let h = try ConnectionHarness.sip()
        let first = try #require(h.sendSIP(callID: "moved").serverAddress)
        let other: UInt32 = first == Self.server1 ? 2 : 1
        #expect(h.replySIP(callID: "moved", server: other).isReply(virtual: h.vipAddress, port: 5060))
        let template = try #require(h.sipTemplates["moved"])
        #expect(template.destinationAddress == ConnectionHarness.serverAddress(other))
        #expect(h.sendSIP(callID: "moved").serverAddress == ConnectionHarness.serverAddress(other))
        // The neutralised template is still listed until its timer ends, under vport 65535.
        #expect(h.templates.filter { $0.virtualPort == 0xFFFF }.count == 1)
        h.advance(seconds: 361)
        #expect(h.templates.count == 0)
    }

    @Test func withoutOnePacketTheEntryStaysAndCarriesBothDirections() throws {
        let h = try ConnectionHarness.sip(ops: false)
        #expect(
            h.replySIP(callID: "kept", server: 2, client: 4, port: 5080).isReply(
                virtual: h.vipAddress, port: 5060))
        // Template + the hashed connection client 4:5080 ↔ server 2:5060.
        #expect(h.director.connectionCount == 2)
        let entry = try #require(h.entry(client: 4, port: 5080))
        #expect(entry.destinationAddress == Self.server2)
        #expect(entry.virtualAddress == h.vipAddress)
        #expect(entry.stateName == "UDP")
        // A later reply finds the entry (no new connection counted); the client's datagram too.
        let rs = try #require(h.realServer(2, port: 5060, of: h.sipService))
        #expect(h.replySIP(callID: nil, server: 2, client: 4, port: 5080).isReply(virtual: h.vipAddress, port: 5060))
        #expect(rs.stats.connections == 1)
        #expect(h.sendSIP(callID: "kept", client: 4, port: 5080).serverAddress == Self.server2)
        #expect(rs.stats.connections == 1)
        #expect(h.counts(2, port: 5060, of: h.sipService) == [0, 1, 1])
        // UDP timeout 300 s after the last packet, then the template (persistence 360 s after
        // the connection was made, re-armed while it controlled it).
        h.advance(seconds: 299)
        #expect(h.director.connectionCount == 2)
        h.advance(seconds: 2)
        #expect(h.entry(client: 4, port: 5080) == nil)
        #expect(h.counts(2, port: 5060, of: h.sipService) == [0, 0, 1])
        h.advance(seconds: 120)
        #expect(h.director.connectionCount == 0)
    }

    @Test func templateExpiresAPersistenceTimeoutAfterTheLastMessage() throws {
        let h = try ConnectionHarness.sip(timeout: 60)
        _ = h.replySIP(callID: "t", server: 1)
        h.advance(seconds: 50)
        _ = h.replySIP(callID: "t", server: 1)
        h.advance(seconds: 50)
        #expect(h.sipTemplates["t"] != nil)
        h.advance(seconds: 11)
        #expect(h.sipTemplates["t"] == nil)
        #expect(h.director.connectionCount == 0)
    }

    @Test func nothingIsCreatedWhereTheEngineDoesNotApply() throws {
        let h = try ConnectionHarness.sip()
        // No Call-ID: the datagram matches no template and passes (IPVS's fill_param fails).
        #expect(h.replySIP(callID: nil, server: 1) == .notOurs)
        // Not a real server of the service (port), or not UDP.
        #expect(h.replySIP(callID: "x", server: 1, serverPort: 5061) == .notOurs)
        #expect(h.replySIP(callID: "x", server: 3) == .notOurs)
        #expect(h.replySIP(callID: "x", server: 1, protocolNumber: .tcp) == .notOurs)
        #expect(h.director.connectionCount == 0)
        // A direct-routing real server is never the source of a masqueraded datagram.
        let d = ConnectionHarness()
        try d.apply(
            .addService(
                VirtualServiceConfig(
                    id: d.sipService, scheduler: "rr", persistenceTimeout: 60, onePacketScheduling: true,
                    persistenceEngine: "sip")))
        try d.addServer(1, to: d.sipService, port: 5060, forwarding: .directRouting)
        #expect(d.replySIP(callID: "x", server: 1) == .notOurs)
        // A service without the engine.
        let e = try ConnectionHarness.sip(engine: nil)
        #expect(e.replySIP(callID: "x", server: 1) == .notOurs)
        // A firewall-mark service with the engine (IPVS: non-fwmark services only).
        let f = ConnectionHarness()
        let mark = VirtualServiceID(firewallMark: 9, family: .inet)
        try f.apply(
            .addService(
                VirtualServiceConfig(
                    id: mark, scheduler: "rr", persistenceTimeout: 60, onePacketScheduling: true,
                    persistenceEngine: "sip")))
        try f.addServer(1, to: mark, port: 5060)
        #expect(f.replySIP(callID: "x", server: 1) == .notOurs)
        #expect(f.director.connectionCount == 0)
    }

    @Test func deletedRealServerSendsNothingThrough() throws {
        let h = try ConnectionHarness.sip()
        try h.apply(.deleteRealServer(h.sipService, h.serverKey(1, port: 5060)))
        #expect(h.replySIP(callID: "x", server: 1) == .notOurs)
        #expect(h.replySIP(callID: "x", server: 2).isReply(virtual: h.vipAddress, port: 5060))
    }
}

extension ConnectionHarness {
    /// A SIP message from real server `server` (NAT) to client `client:port`, with the Call-ID
    /// a packet engine would pass for a real server of a SIP service.
    func replySIP(
        callID: String?, server: UInt32, serverPort: UInt16 = 5060, client: UInt32 = 1, port: UInt16 = 5060,
        protocolNumber: IPProtocolNumber = .udp
    ) -> OutboundVerdict {
        let payload = Self.sipPayload(callID: callID, method: "BYE")
        return director.outbound(
            OutboundPacket(
                protocolNumber: protocolNumber, sourceAddress: Self.serverAddress(server), sourcePort: serverPort,
                destinationAddress: Self.client(client), destinationPort: port, length: UInt32(28 + payload.count),
                persistenceData: PersistenceEngine.sip.persistenceData(from: payload)),
            now: now)
    }
}

extension OutboundVerdict {
    /// True for a masquerade verdict to `virtual:port`.
    func isReply(virtual: IPAddress, port: UInt16) -> Bool {
        switch self {
        case .reply(_, let address, let vport, let method):
            return address == virtual && vport == port && method == .masquerading
        case .notOurs:
            return false
        }
    }
}
