import LVSCore
import LVSPacket
import Testing

@testable import LVSPacketEngine

/// Masquerading with one-packet scheduling and the SIP engine (reference §4.14, IPVS's SIP
/// `conn_out`): a real server's datagram that matches no entry carries its Call-ID to the
/// director, which makes an entry for it. Frames built in memory, a real `Director`.
@Suite("packet forwarder: SIP through NAT with -o")
struct PacketForwarderSIPNATTests {
    typealias SIP = PacketForwarderSIPTests

    /// A SIP message from real server `server` (172.16.0.2 or .3) port 5060 to the client
    /// 10.0.0.2:5070; without `callID` it has no Call-ID header.
    static func fromServer(_ server: IPAddress, callID: String?, status: String = "SIP/2.0 200 OK") -> [UInt8] {
        var message = status + "\r\nVia: SIP/2.0/UDP 10.0.0.2:5070;branch=z9hG4bK-1\r\nCSeq: 1 INVITE\r\n"
        if let callID { message += "Call-ID: " + callID + "\r\n" }
        message += "Content-Length: 0\r\n\r\n"
        let mac = server == SIP.servers[0] ? PacketForwarderTests.serverMAC : MACAddress(0x02, 0, 0, 0, 0, 0x23)
        return PacketBuilder.ethernet(source: mac, destination: PacketForwarderTests.insideMAC)
            .ipv4(source: server.description, destination: "10.0.0.2")
            .udp(sourcePort: 5060, destinationPort: 5070)
            .payload(Array(message.utf8)).build()
    }

    struct Lab {
        let director: Director
        var forwarder: PacketForwarder
        var neighbours = SIP.neighbours()

        init(onePacket: Bool = true, engine: String? = "sip") throws {
            director = try SIP.director(onePacket: onePacket, engine: engine)
            forwarder = PacketForwarderTests.forwarder(plan: ForwardingPlan(director.configuration))
        }

        /// The real server a client request of `callID` is sent to.
        mutating func request(_ method: String, _ callID: String) throws -> IPAddress? {
            try SIP.destination(
                of: SIP.request(method, callID: callID), forwarder: &forwarder, director: director,
                neighbours: &neighbours)
        }

        /// A real server's datagram: the action, and the source address:port of the sent frame.
        mutating func fromServer(_ server: IPAddress, callID: String?) throws -> (ForwardAction, IPAddress?, UInt16?) {
            let (action, out) = PacketForwarderTests.run(
                PacketForwarderSIPNATTests.fromServer(server, callID: callID), ingress: 1, forwarder: &forwarder,
                director: director, neighbours: &neighbours)
            guard action == .transmit(interface: 0) else { return (action, nil, nil) }
            return try PacketBuffer.withCopy(of: out) { frame in
                let packet = try #require(try parseFrame(frame).packet)
                #expect(TransportChecksum.isValid(in: frame, packet: packet))
                #expect(packet.destination.ipAddress == PacketForwarderTests.client)
                #expect(packet.destinationPort == 5070)
                return (action, packet.source.ipAddress, packet.sourcePort)
            }
        }
    }

    @Test("the plan names the masquerading real servers of sip services as engine sources")
    func plan() throws {
        let plan = ForwardingPlan(try SIP.director().configuration)
        #expect(plan.persistenceEngineSources.map(\.address) == SIP.servers)
        #expect(plan.persistenceEngine(forUDPFrom: SIP.servers[0], port: 5060) == .sip)
        #expect(plan.persistenceEngine(forUDPFrom: SIP.servers[0], port: 5061) == nil)
        #expect(ForwardingPlan(try SIP.director(engine: nil).configuration).persistenceEngineSources.isEmpty)
    }

    @Test("answers to -o entries are masqueraded to VIP:5060 and every message of a call stays on its server")
    func answersAreMasqueraded() throws {
        var lab = try Lab()
        let first = try #require(try lab.request("INVITE", "one@10.0.0.2"))
        let second = try #require(try lab.request("INVITE", "two@10.0.0.2"))
        #expect(first != second)
        for (server, call) in [(first, "one@10.0.0.2"), (second, "two@10.0.0.2")] {
            for _ in 0..<2 {
                let (action, source, port) = try lab.fromServer(server, callID: call)
                #expect(action == .transmit(interface: 0))
                #expect(source == SIP.vip)
                #expect(port == 5060)
            }
            #expect(try lab.request("ACK", call) == server)
            #expect(try lab.request("BYE", call) == server)
        }
        #expect(lab.forwarder.counters.forwardedOutbound == 4)
        #expect(lab.forwarder.counters.forwardedInbound == 6)
        // Only the two Call-ID templates remain: every -o entry was released.
        let entries = lab.director.connectionSnapshots(now: MonotonicInstant(nanoseconds: 2_000))
        #expect(entries.count == 2 && entries.allSatisfy(\.isTemplate))
    }

    @Test("a real server's request starts a call the client's answers follow")
    func serverInitiatedCall() throws {
        var lab = try Lab()
        let (action, source, _) = try lab.fromServer(SIP.servers[1], callID: "rs-call@172.16.0.3")
        #expect(action == .transmit(interface: 0))
        #expect(source == SIP.vip)
        for method in ["ACK", "BYE", "INFO"] {
            #expect(try lab.request(method, "rs-call@172.16.0.3") == SIP.servers[1])
        }
    }

    @Test("without a Call-ID, or without the engine, an unmatched datagram is dropped as before")
    func unmatchedWithoutEngineData() throws {
        var lab = try Lab()
        let (action, _, _) = try lab.fromServer(SIP.servers[0], callID: nil)
        #expect(action == .drop(.noConnection))
        var plain = try Lab(engine: nil)
        let (other, _, _) = try plain.fromServer(SIP.servers[0], callID: "x@y")
        #expect(other == .drop(.noConnection))
        #expect(plain.director.connectionCount == 0)
    }
}
