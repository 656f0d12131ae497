import LVSControl
import LVSCore
import LVSProxy
import LVSReactor
import Testing

/// The SIP persistence engine through the proxy engine's UDP path on loopback (reference §4.14):
/// the Call-ID of each datagram the director schedules keys the persistence template.
@Suite("Proxy engine: SIP persistence engine", .serialized)
struct SIPPersistenceTests {
    static func message(_ method: String, callID: String) -> String {
        "\(method) sip:service@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-\(callID)\r\n"
            + "Call-ID: \(callID)\r\nCSeq: 1 \(method)\r\nContent-Length: 0\r\n\r\n"
    }

    /// The answering server's name ("a" or "b") of an exchange, "" when none came.
    static func server(_ reply: String?) -> String {
        String((reply ?? "").prefix { $0 != ":" })
    }

    @Test("-o -p --pe sip: two calls from one client socket reach two real servers; each call sticks")
    func callsSpreadAndStick() throws {
        let h = try ProxyHarness()
        defer { h.stop() }
        let a = h.udpServer(name: "a")
        let b = h.udpServer(name: "b")
        let service = h.service(
            port: ProxyHarness.freePort(udp: true), persistence: 60, udp: true, onePacket: true,
            persistenceEngine: "sip")
        for server in [a, b] {
            h.add(
                RealServerConfig(address: IPAddress(ipv4: 0x7F00_0001), port: server.port, forwarding: .proxy),
                to: service)
        }
        let client = TestUDPClient()
        defer { client.close() }
        let vip = SocketAddress(service.address, port: service.port)
        func send(_ method: String, _ callID: String) -> String {
            Self.server(client.exchange(Self.message(method, callID: callID), with: vip))
        }
        let first = send("INVITE", "one@127.0.0.1")
        let second = send("INVITE", "two@127.0.0.1")
        #expect(Set([first, second]) == ["a", "b"])
        for method in ["ACK", "BYE"] {
            #expect(send(method, "one@127.0.0.1") == first)
            #expect(send(method, "two@127.0.0.1") == second)
        }
        let templates = h.connections.filter(\.isTemplate)
        #expect(Set(templates.compactMap(\.persistenceEngineData)) == ["one@127.0.0.1", "two@127.0.0.1"])
        #expect(templates.allSatisfy { $0.persistenceEngineName == "sip" })
    }

    @Test("the engine follows the configuration: after -E without --pe the calls share one template")
    func engineRemoved() throws {
        let h = try ProxyHarness()
        defer { h.stop() }
        let a = h.udpServer(name: "a")
        let b = h.udpServer(name: "b")
        let service = h.service(
            port: ProxyHarness.freePort(udp: true), persistence: 60, udp: true, onePacket: true,
            persistenceEngine: "sip")
        for server in [a, b] {
            h.add(
                RealServerConfig(address: IPAddress(ipv4: 0x7F00_0001), port: server.port, forwarding: .proxy),
                to: service)
        }
        let client = TestUDPClient()
        defer { client.close() }
        let vip = SocketAddress(service.address, port: service.port)
        func send(_ callID: String) -> String {
            Self.server(client.exchange(Self.message("INVITE", callID: callID), with: vip))
        }
        #expect(Set([send("one@x"), send("two@x")]) == ["a", "b"])
        let edited = h.apply(
            .editService(
                VirtualServiceConfig(id: service, scheduler: "rr", persistenceTimeout: 60, onePacketScheduling: true)))
        #expect(edited == .ok)
        // The reactor still believes in the engine: its next datagram is read again under the lock.
        let answers = (0..<4).map { send("new-\($0)@x") }
        #expect(Set(answers).count == 1, "\(answers)")
        #expect(h.connections.filter { $0.isTemplate && $0.persistenceEngineData == nil }.count == 1)
    }
}
