import Testing

@testable import LVSCore

/// Which entries a packet-engine worker may forward on its own
/// (docs/design/0025-packet-engine-without-a-lock.md).
@Suite struct FastPathGrantTests {
    static func ref(_ verdict: InboundVerdict) -> ConnectionRef? {
        guard case .forward(let ref, _, _, _) = verdict else { return nil }
        return ref
    }

    @Test func natEntryIsGrantedOnceEstablishedAndAfterTheFirstReply() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        let ref = try #require(Self.ref(h.send(.syn)))
        #expect(h.director.fastPathGrant(ref) == nil)
        h.reply([.syn, .ack])
        h.send(.ack)
        let grant = try #require(h.director.fastPathGrant(ref))
        #expect(grant.inbound == h.send(.ack))
        #expect(grant.outbound != nil)
        #expect(grant.replySource == ConnectionHarness.serverAddress(1))
        #expect(grant.replySourcePort == 8080)
        h.send([.fin, .ack])
        #expect(h.director.fastPathGrant(ref) == nil)
    }

    @Test func directRoutingIsGrantedInboundOnly() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1, port: 80, forwarding: .directRouting)
        let ref = try #require(Self.ref(h.send(.syn)))
        h.send(.ack)
        let grant = try #require(h.director.fastPathGrant(ref))
        #expect(grant.inbound != nil)
        #expect(grant.outbound == nil)
    }

    @Test func helperOnePacketAndDeletedServersAreNotGranted() throws {
        let h = ConnectionHarness()
        // An FTP control connection (port 21, the helper's default) is the helper's.
        let ftp = VirtualServiceID(protocol: .tcp, address: h.vipAddress, port: 21)
        try h.addService(ftp)
        try h.addServer(1, to: ftp, port: 21)
        let control = try #require(Self.ref(h.send(.syn, to: 21)))
        h.reply([.syn, .ack], serverPort: 21)
        h.send(.ack, to: 21)
        #expect(h.director.fastPathGrant(control) == nil)
        // One-packet UDP entries are gone after their datagram.
        try h.addService(h.udpService, onePacket: true)
        try h.addServer(1, to: h.udpService, port: 53)
        #expect(Self.ref(h.send([], protocolNumber: .udp, to: 53)).flatMap(h.director.fastPathGrant) == nil)
        // A deleted real server withdraws the grant; the report says so.
        try h.addService()
        try h.addServer(2)
        let ref = try #require(Self.ref(h.send(.syn, port: 40_001)))
        h.reply([.syn, .ack], server: 2, port: 40_001)
        h.send(.ack, port: 40_001)
        #expect(h.director.fastPathGrant(ref) != nil)
        try h.apply(.deleteRealServer(h.tcpService, h.serverKey(2)))
        #expect(h.director.fastPathGrant(ref) == nil)
        #expect(
            h.director.reportFastPathTraffic(
                ref, inPackets: 1, inBytes: 40, outPackets: 0, outBytes: 0, lastSeen: h.now) == nil)
    }

    @Test func reportCountsAndRestartsTheTimer() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        let ref = try #require(Self.ref(h.send(.syn)))
        h.reply([.syn, .ack])
        h.send(.ack)
        let before = try #require(h.realServer(1)).stats
        h.advance(seconds: 100)
        let grant = h.director.reportFastPathTraffic(
            ref, inPackets: 3, inBytes: 300, outPackets: 2, outBytes: 2000, lastSeen: h.now)
        #expect(grant != nil)
        #expect(grant?.expiry == h.now.nanoseconds + 900 * 1_000_000_000)
        let after = try #require(h.realServer(1)).stats
        #expect(after.inPackets == before.inPackets + 3)
        #expect(after.outBytes == before.outBytes + 2000)
        #expect(h.entry()?.expiresInSeconds == 900)
    }
}
