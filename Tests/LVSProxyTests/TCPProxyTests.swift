import Glibc
import LVSControl
import LVSCore
import LVSProxy
import LVSReactor
import Testing

/// End to end on 127.0.0.1: clients → proxy engine (two reactors) → in-test real servers.
@Suite("Proxy engine: TCP", .serialized)
struct TCPProxyTests {
    @Test("rr alternates exactly between two real servers")
    func roundRobin() throws {
        let h = try ProxyHarness()
        defer { h.stop() }
        let service = h.service(port: ProxyHarness.freePort())
        h.add(h.realServer(h.server(.name("a"))), to: service)
        h.add(h.realServer(h.server(.name("b"))), to: service)
        let answers = (0..<6).map { _ in h.ask(service) }
        // Newest first (reference §3.0): b was added last.
        #expect(answers == ["b", "a", "b", "a", "b", "a"])
        #expect(h.table.services.first?.stats.connections == 6)
    }

    @Test("wrr follows the weights")
    func weightedRoundRobin() throws {
        let h = try ProxyHarness()
        defer { h.stop() }
        let service = h.service(port: ProxyHarness.freePort(), scheduler: "wrr")
        h.add(h.realServer(h.server(.name("a")), weight: 3), to: service)
        h.add(h.realServer(h.server(.name("b")), weight: 1), to: service)
        let answers = (0..<8).map { _ in h.ask(service) }
        #expect(answers.filter { $0 == "a" }.count == 6)
        #expect(answers.filter { $0 == "b" }.count == 2)
    }

    @Test("sh and persistence keep one client on one real server")
    func sourceHashingAndPersistence() throws {
        let h = try ProxyHarness()
        defer { h.stop() }
        let hashed = h.service(port: ProxyHarness.freePort(), scheduler: "sh")
        let persistent = h.service(port: ProxyHarness.freePort(), persistence: 60)
        for name in ["a", "b", "c"] {
            let server = h.server(.name(name))
            h.add(h.realServer(server), to: hashed)
            h.add(h.realServer(server), to: persistent)
        }
        #expect(Set((0..<5).map { _ in h.ask(hashed) }).count == 1)
        #expect(Set((0..<5).map { _ in h.ask(persistent) }).count == 1)
        #expect(h.connections.contains { $0.isTemplate })
    }

    @Test("weight 0 drains: the open connection keeps working, new ones go elsewhere")
    func drain() throws {
        let h = try ProxyHarness()
        defer { h.stop() }
        let service = h.service(port: ProxyHarness.freePort())
        let a = h.server(.name("a"))
        let b = h.server(.name("b"))
        h.add(h.realServer(a), to: service)
        h.add(h.realServer(b), to: service)
        let open = Net.connect(SocketAddress(service.address, port: service.port))
        defer { close(open) }
        _ = Net.send(open, Array("x".utf8))
        #expect(Net.text(Net.receive(open, count: 2)) == "b\n")
        #expect(h.apply(.editRealServer(service, h.realServer(b, weight: 0))) == .ok)
        #expect((0..<3).map { _ in h.ask(service) } == ["a", "a", "a"])
        _ = Net.send(open, Array("y".utf8))
        #expect(Net.text(Net.receive(open, count: 2)) == "b\n")
    }

    @Test("a refused real server is redispatched to the next one, and counted")
    func redispatch() throws {
        let h = try ProxyHarness()
        defer { h.stop() }
        let service = h.service(port: ProxyHarness.freePort())
        let good = h.server(.name("good"))
        h.add(h.realServer(good), to: service)
        // Nothing listens on this port: connect is refused.
        h.add(
            RealServerConfig(
                address: IPAddress(ipv4: 0x7F00_0001), port: ProxyHarness.freePort(), forwarding: .proxy), to: service)
        #expect((0..<4).map { _ in h.ask(service) } == ["good", "good", "good", "good"])
        // rr without health checks comes back to the dead server every other pick; each time the
        // connection is redispatched (and both picks count in conns, reference §4.13).
        #expect(h.engine.count(.redispatches) == 4)
        #expect(h.engine.count(.connectFailures) == 4)
        #expect(h.table.services.first?.stats.connections == 8)
    }

    @Test("PROXY protocol v1 and v2 headers carry the client's and the VIP's addresses")
    func proxyProtocol() throws {
        let h = try ProxyHarness()
        defer { h.stop() }
        let service = h.service(port: ProxyHarness.freePort())
        let port = service.port
        let v1 = h.server(.proxyHeader("v1"))
        h.add(h.realServer(v1, proxyProtocol: .v1), to: service)
        let client = Net.connect(SocketAddress(service.address, port: port))
        defer { close(client) }
        let clientPort = (try Socket.localAddress(client)).port
        _ = Net.send(client, [0x21])
        #expect(Net.text(Net.receive(client, count: 3)) == "v1\n")
        #expect(v1.headers.map(Net.text) == ["PROXY TCP4 127.0.0.1 127.0.0.1 \(clientPort) \(port)\r\n"])

        #expect(h.apply(.deleteRealServer(service, RealServerKey(address: v1.address.ip, port: v1.port))) == .ok)
        let v2 = h.server(.proxyHeader("v2"))
        h.add(h.realServer(v2, proxyProtocol: .v2), to: service)
        let second = Net.connect(SocketAddress(service.address, port: port))
        defer { close(second) }
        let secondPort = (try Socket.localAddress(second)).port
        _ = Net.send(second, [0x21])
        #expect(Net.text(Net.receive(second, count: 3)) == "v2\n")
        let expected: [UInt8] =
            ProxyProtocolHeader.signature + [0x21, 0x11, 0x00, 0x0C, 127, 0, 0, 1, 127, 0, 0, 1]
            + [UInt8(secondPort >> 8), UInt8(secondPort & 0xFF), UInt8(port >> 8), UInt8(port & 0xFF)]
        #expect(v2.headers == [expected])
    }

    @Test("half-close: the client shuts its write side and still receives the reply")
    func halfClose() throws {
        let h = try ProxyHarness()
        defer { h.stop() }
        let service = h.service(port: ProxyHarness.freePort())
        h.add(h.realServer(h.server(.checksum)), to: service)
        let fd = Net.connect(SocketAddress(service.address, port: service.port))
        defer { close(fd) }
        _ = Net.send(fd, Array("hello".utf8))
        shutdown(fd, Int32(SHUT_WR))
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        Array("hello".utf8).withUnsafeBytes { Net.fnv(&hash, $0) }
        #expect(Net.text(Net.receiveAll(fd)) == "5 \(String(hash, radix: 16))\n")
    }

    @Test("100 MB through the proxy arrive intact")
    func bulkTransfer() throws {
        let h = try ProxyHarness()
        defer { h.stop() }
        let service = h.service(port: ProxyHarness.freePort())
        h.add(h.realServer(h.server(.checksum)), to: service)
        let fd = Net.connect(SocketAddress(service.address, port: service.port), timeoutMilliseconds: 30_000)
        defer { close(fd) }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var state: UInt64 = 42
        let total = 100 << 20
        for _ in 0..<(total >> 20) {
            for index in chunk.indices {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                chunk[index] = UInt8(truncatingIfNeeded: state >> 56)
            }
            chunk.withUnsafeBytes { Net.fnv(&hash, $0) }
            #expect(Net.send(fd, chunk))
        }
        shutdown(fd, Int32(SHUT_WR))
        #expect(Net.text(Net.receiveAll(fd)) == "\(total) \(String(hash, radix: 16))\n")
        #expect(h.engine.count(.splicedDirections) >= 1)
    }

    @Test("a real server dying mid-stream closes the client")
    func serverDies() throws {
        let h = try ProxyHarness()
        defer { h.stop() }
        let service = h.service(port: ProxyHarness.freePort())
        let server = h.server(.echo)
        h.add(h.realServer(server), to: service)
        let fd = Net.connect(SocketAddress(service.address, port: service.port))
        defer { close(fd) }
        _ = Net.send(fd, Array("ping".utf8))
        #expect(Net.text(Net.receive(fd, count: 4)) == "ping")
        server.killConnections()
        #expect(Net.receiveAll(fd).isEmpty)
        #expect(h.eventually { h.engine.count(.resets) == 1 })
    }
}
