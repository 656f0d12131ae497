import Testing

@testable import LVSCore

@Suite struct DirectorConnectionTests {
    @Test func natTraceStatesTimeoutsAndCounts() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        let verdict = h.send(.syn)
        guard case .forward(_, let to, let fwd, let dport) = verdict else {
            Issue.record("expected forward, got \(verdict)")
            return
        }
        #expect(to == RealServerKey(address: ConnectionHarness.serverAddress(1), port: 8080))
        #expect(fwd == .masquerading)
        #expect(dport == 8080)
        var e = try #require(h.entry())
        #expect(e.stateName == "SYN_RECV")
        #expect(e.expiresInSeconds == 60)
        #expect(h.counts(1) == [1, 0, 0])
        h.reply([.syn, .ack])
        #expect(h.entry()?.stateName == "SYN_RECV")
        h.send(.ack)
        e = try #require(h.entry())
        #expect(e.stateName == "ESTABLISHED")
        #expect(e.expiresInSeconds == 900)
        #expect(h.counts(1) == [1, 0, 0])
        h.send([.fin, .ack])
        #expect(h.entry()?.stateName == "CLOSE_WAIT")
        #expect(h.entry()?.expiresInSeconds == 60)
        #expect(h.counts(1) == [0, 1, 0])
        h.reply([.fin, .ack])
        #expect(h.entry()?.stateName == "TIME_WAIT")
        #expect(h.entry()?.expiresInSeconds == 120)
        #expect(h.counts(1) == [0, 1, 0])
        // Listing fields (reference §2.4).
        e = try #require(h.entry())
        #expect(e.protocolNumber == .tcp)
        #expect(e.virtualAddress == h.vipAddress)
        #expect(e.virtualPort == 80)
        #expect(e.destinationAddress == ConnectionHarness.serverAddress(1))
        #expect(e.destinationPort == 8080)
        #expect(e.isTemplate == false)
        h.advance(seconds: 120)
        #expect(h.snapshots.isEmpty)
        #expect(h.counts(1) == [0, 0, 0])
    }

    @Test func directRoutingTraceUsesInputOnly() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1, port: 80, forwarding: .directRouting)
        #expect(h.send(.syn).destinationPort == 80)
        #expect(h.entry()?.stateName == "SYN_RECV")
        h.send(.ack)
        #expect(h.entry()?.stateName == "ESTABLISHED")
        h.send([.fin, .ack])
        #expect(h.entry()?.stateName == "FIN_WAIT")
        #expect(h.entry()?.expiresInSeconds == 120)
        h.send(.ack)
        #expect(h.entry()?.stateName == "FIN_WAIT")
        #expect(h.counts(1, port: 80) == [0, 1, 0])
    }

    @Test func firstReplyClearsNoOutput() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1, port: 80, forwarding: .directRouting)
        h.send(.syn)
        h.send(.ack)
        // A reply from the VIP (non-NAT entries match on vaddr:vport) ends INPUT_ONLY.
        guard case .reply(_, let vaddr, let vport, let fwd) = h.replyFromVIP(.ack) else {
            Issue.record("expected reply")
            return
        }
        #expect(vaddr == h.vipAddress && vport == 80 && fwd == .directRouting)
        // Now a client FIN uses the INPUT row: ES → CLOSE_WAIT instead of FIN_WAIT.
        h.send([.fin, .ack])
        #expect(h.entry()?.stateName == "CLOSE_WAIT")
        // A NAT-style reply from the real server address does not match a DR entry.
        #expect(h.reply(.ack, serverPort: 80) == .notOurs)
    }

    @Test func secureTableAppliesWhenSet() throws {
        let h = ConnectionHarness()
        var settings = DirectorSettings()
        settings.defences.secureTCP = .always
        try h.apply(.setDirectorSettings(settings))
        try h.addService()
        try h.addServer(1)
        h.send(.syn)
        h.send(.ack)
        // Secure table: INPUT ack on SYN_RECV stays SYN_RECV until the server answered.
        #expect(h.entry()?.stateName == "SYN_RECV")
        h.reply([.syn, .ack])
        #expect(h.entry()?.stateName == "SYNACK")
        h.send(.ack)
        #expect(h.entry()?.stateName == "SYNACK")
    }

    @Test func expiresExactlyTimeoutAfterLastPacket() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        h.send(.syn)
        h.advance(seconds: 30)
        h.send(.ack)  // ESTABLISHED, 900 s from now
        h.advance(nanoseconds: 900 * 1_000_000_000 - 1)
        #expect(h.entry()?.stateName == "ESTABLISHED")
        #expect(h.entry()?.expiresInSeconds == 0)
        #expect(h.counts(1) == [1, 0, 0])
        h.advance(nanoseconds: 1)
        #expect(h.entry() == nil)
        #expect(h.counts(1) == [0, 0, 0])
        #expect(h.director.connectionCount == 0)
    }

    @Test func everyPacketRestartsTheTimer() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        h.send(.syn)
        h.send(.ack)
        for _ in 0..<5 {
            h.advance(seconds: 800)
            h.send(.ack)
        }
        #expect(h.entry()?.expiresInSeconds == 900)
        h.advance(seconds: 899)
        #expect(h.entry()?.expiresInSeconds == 1)
        h.advance(seconds: 1)
        #expect(h.entry() == nil)
    }

    @Test func setTimeoutsApplyAtNextPacket() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1, port: 80, forwarding: .directRouting)
        h.send(.syn)
        h.send(.ack)
        try h.apply(.setTimeouts(TimeoutSettings(tcpEstablished: 100, tcpFinWait: 0, udp: 0)))
        #expect(h.director.timeouts == TimeoutSettings(tcpEstablished: 100, tcpFinWait: 120, udp: 300))
        #expect(h.entry()?.expiresInSeconds == 900)  // unchanged until its next packet
        h.advance(seconds: 10)
        h.send(.ack)
        #expect(h.entry()?.expiresInSeconds == 100)
        try h.apply(.setTimeouts(TimeoutSettings(tcpEstablished: 0, tcpFinWait: 7, udp: 0)))
        h.send([.fin, .ack])
        #expect(h.entry()?.stateName == "FIN_WAIT")
        #expect(h.entry()?.expiresInSeconds == 7)
        h.advance(seconds: 7)
        #expect(h.entry() == nil)
    }

    @Test func udpIsAlwaysInactiveWith300Seconds() throws {
        let h = ConnectionHarness()
        try h.addService(h.udpService)
        try h.addServer(1, to: h.udpService, port: 53)
        h.send([], protocolNumber: .udp, to: 53)
        var e = try #require(h.entry())
        #expect(e.stateName == "UDP")
        #expect(e.protocolNumber == .udp)
        #expect(e.expiresInSeconds == 300)
        #expect(h.counts(1, port: 53, of: h.udpService) == [0, 1, 0])
        h.advance(seconds: 100)
        h.reply([], serverPort: 53, protocolNumber: .udp)
        e = try #require(h.entry())
        #expect(e.expiresInSeconds == 300)
        try h.apply(.setTimeouts(TimeoutSettings(tcpEstablished: 0, tcpFinWait: 0, udp: 20)))
        h.send([], protocolNumber: .udp, to: 53)
        #expect(h.entry()?.expiresInSeconds == 20)
        #expect(h.counts(1, port: 53, of: h.udpService) == [0, 1, 0])
        h.advance(seconds: 20)
        #expect(h.entry() == nil)
        #expect(h.counts(1, port: 53, of: h.udpService) == [0, 0, 0])
    }

    @Test func whoMayStartAConnection() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        #expect(h.send(.ack) == .notOurs)
        #expect(h.send([.syn, .rst]) == .notOurs)
        #expect(h.send(.syn, to: 81) == .notOurs)  // no service
        #expect(h.send(.syn, port: 20) == .notOurs)  // FTP data from a real server (§4.4)
        #expect(h.director.connectionCount == 0)
        var settings = DirectorSettings()
        settings.sloppyTCP = true
        try h.apply(.setDirectorSettings(settings))
        #expect(h.send(.rst) == .notOurs)
        #expect(h.send(.ack).serverAddress == ConnectionHarness.serverAddress(1))
        #expect(h.entry()?.stateName == "ESTABLISHED")
    }

    @Test func noRealServerMeansNoDestination() throws {
        let h = ConnectionHarness()
        try h.addService()
        #expect(h.send(.syn) == .noDestination)
        try h.addServer(1, weight: 0)
        #expect(h.send(.syn) == .noDestination)
        #expect(h.director.connectionCounters.noDestination == 2)
        // Non-persistent port-zero service: refused (reference §4.4 step 5).
        let portZero = VirtualServiceID(protocol: .tcp, address: h.vipAddress, port: 0)
        try h.addService(portZero)
        try h.addServer(2, to: portZero)
        #expect(h.send(.syn, to: 443) == .noDestination)
    }

    @Test func firewallMarkServiceFirstAndPortZeroLast() throws {
        let h = ConnectionHarness()
        let mark = VirtualServiceID(firewallMark: 5, family: .inet)
        try h.addService(mark)
        try h.addServer(3, to: mark, port: 0)
        try h.addService()
        try h.addServer(1)
        // Marked packets go to the fwmark service even though an exact service exists; a
        // real-server port 0 keeps the packet's destination port.
        let v = h.send(.syn, mark: 5)
        #expect(v.serverAddress == ConnectionHarness.serverAddress(3))
        #expect(v.destinationPort == 80)
        #expect(h.send(.syn, port: 40_001).serverAddress == ConnectionHarness.serverAddress(1))
        #expect(h.director.services[mark]?.stats.connections == 1)
        #expect(h.director.services[h.tcpService]?.stats.connections == 1)
    }

    @Test func staleReferencesAreRecognised() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        guard case .forward(let ref, _, _, _) = h.send(.syn) else {
            Issue.record("expected forward")
            return
        }
        #expect(h.director.connectionSnapshot(ref, now: h.now)?.stateName == "SYN_RECV")
        h.advance(seconds: 60)
        #expect(h.director.connectionSnapshot(ref, now: h.now) == nil)
        guard case .forward(let again, _, _, _) = h.send(.syn) else {
            Issue.record("expected forward")
            return
        }
        #expect(again.index == ref.index)
        #expect(again.generation != ref.generation)
    }

    @Test func ipv6ConnectionsWork() throws {
        let h = ConnectionHarness()
        let vip6 = try #require(IPAddress("2001:db8::1"))
        let id = VirtualServiceID(protocol: .tcp, address: vip6, port: 80)
        try h.addService(id)
        let rs6 = try #require(IPAddress("2001:db8::10"))
        try h.apply(.addRealServer(id, RealServerConfig(address: rs6, port: 80, forwarding: .masquerading)))
        let client = try #require(IPAddress("2001:db8:ffff::2"))
        let p = InboundPacket(
            protocolNumber: .tcp, clientAddress: client, clientPort: 5000, destinationAddress: vip6,
            destinationPort: 80, tcpFlags: .syn, length: 80)
        #expect(h.director.inbound(p, now: h.now).serverAddress == rs6)
        let reply = OutboundPacket(
            protocolNumber: .tcp, sourceAddress: rs6, sourcePort: 80, destinationAddress: client, destinationPort: 5000,
            tcpFlags: [.syn, .ack], length: 80)
        guard case .reply(_, let vaddr, _, _) = h.director.outbound(reply, now: h.now) else {
            Issue.record("expected reply")
            return
        }
        #expect(vaddr == vip6)
        let e = try #require(h.snapshots.first)
        #expect(e.clientAddress == client && e.destinationAddress == rs6 && e.virtualAddress == vip6)
    }
}
