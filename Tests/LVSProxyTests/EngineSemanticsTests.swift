import Glibc
import LVSControl
import LVSCore
import LVSProxy
import LVSReactor
import Testing

/// IPVS semantics through the proxy engine: states, counters, limits, timeouts, removal, UDP.
@Suite("Proxy engine: IPVS semantics", .serialized)
struct EngineSemanticsTests {
    @Test("-L -c shows ESTABLISHED while open and TIME_WAIT lingering after close; --stats count it")
    func statesAndCounters() throws {
        let h = try ProxyHarness()
        defer { h.stop() }
        let service = h.service(port: ProxyHarness.freePort())
        h.add(h.realServer(h.server(.echo)), to: service)
        let fd = Net.connect(SocketAddress(service.address, port: service.port))
        _ = Net.send(fd, Array("12345".utf8))
        #expect(Net.text(Net.receive(fd, count: 5)) == "12345")
        #expect(h.connections.map(\.stateName) == ["ESTABLISHED"])
        #expect(h.table.services.first?.realServers.first?.activeConnections == 1)
        shutdown(fd, Int32(SHUT_WR))
        #expect(Net.receiveAll(fd).isEmpty)
        close(fd)
        #expect(h.eventually { h.connections.first?.stateName == "TIME_WAIT" })
        #expect((h.connections.first?.expiresInSeconds ?? 0) >= 118)
        let server = try #require(h.table.services.first?.realServers.first)
        #expect(server.activeConnections == 0)
        #expect(server.inactiveConnections == 1)
        #expect(server.stats.connections == 1)
        // The byte and packet counts are added when the reactor closes the pair, which may come
        // just after the state change the test waited for.
        let counted = h.eventually {
            guard let stats = h.table.services.first?.realServers.first?.stats else { return false }
            return stats.inBytes == 5 && stats.outBytes == 5 && stats.inPackets >= 3 && stats.outPackets >= 2
        }
        #expect(counted, "\(String(describing: h.table.services.first?.realServers.first?.stats))")
        #expect(h.apply(.zero(nil)) == .ok)
        #expect(h.table.services.first?.realServers.first?.stats == StatsCounters())
    }

    @Test("an upper threshold marks the real server overloaded while it holds that many")
    func threshold() throws {
        let h = try ProxyHarness()
        defer { h.stop() }
        let service = h.service(port: ProxyHarness.freePort())
        let a = h.server(.name("a"))
        h.add(h.realServer(a), to: service)
        h.add(h.realServer(h.server(.name("b")), upper: 1), to: service)
        let held = Net.connect(SocketAddress(service.address, port: service.port))
        defer { close(held) }
        _ = Net.send(held, [0x21])
        #expect(Net.text(Net.receive(held, count: 2)) == "b\n")
        #expect(h.table.services.first?.realServers.contains { $0.overloaded } == true)
        #expect((0..<3).map { _ in h.ask(service) } == ["a", "a", "a"])
    }

    @Test("--set applies its idle timeout to connections already open")
    func idleTimeout() throws {
        let h = try ProxyHarness()
        defer { h.stop() }
        let service = h.service(port: ProxyHarness.freePort())
        h.add(h.realServer(h.server(.echo)), to: service)
        let fd = Net.connect(SocketAddress(service.address, port: service.port))
        defer { close(fd) }
        _ = Net.send(fd, [0x21])
        #expect(Net.receive(fd, count: 1) == [0x21])
        #expect(h.apply(.setTimeouts(TimeoutSettings(tcpEstablished: 1, tcpFinWait: 1, udp: 1))) == .ok)
        // The proxy closes the idle connection: the client reads end of file.
        #expect(Net.receiveAll(fd).isEmpty)
        #expect(h.engine.count(.idleTimeouts) == 1)
    }

    @Test("--max-connections and --max-service-connections drop and count")
    func maxConnections() throws {
        let h = try ProxyHarness(configuration: ProxyEngineConfiguration(maxConnections: 2))
        defer { h.stop() }
        let service = h.service(port: ProxyHarness.freePort())
        h.add(h.realServer(h.server(.echo)), to: service)
        let first = Net.connect(SocketAddress(service.address, port: service.port))
        let second = Net.connect(SocketAddress(service.address, port: service.port))
        defer {
            close(first)
            close(second)
        }
        for fd in [first, second] {
            _ = Net.send(fd, [1])
            #expect(Net.receive(fd, count: 1) == [1])
        }
        let third = Net.connect(SocketAddress(service.address, port: service.port))
        defer { close(third) }
        #expect(Net.receiveAll(third).isEmpty)
        #expect(h.engine.count(.droppedMaxConnections) == 1)

        let s = try ProxyHarness(configuration: ProxyEngineConfiguration(maxServiceConnections: 1))
        defer { s.stop() }
        let limited = s.service(port: ProxyHarness.freePort())
        s.add(s.realServer(s.server(.echo)), to: limited)
        let one = Net.connect(SocketAddress(limited.address, port: limited.port))
        defer { close(one) }
        _ = Net.send(one, [1])
        #expect(Net.receive(one, count: 1) == [1])
        let two = Net.connect(SocketAddress(limited.address, port: limited.port))
        defer { close(two) }
        #expect(Net.receiveAll(two).isEmpty)
        #expect(s.engine.count(.droppedServiceMaxConnections) == 1)
    }

    @Test("deleting a real server: expire_nodest_conn closes its connections, else they stall")
    func removal() throws {
        var settings = DirectorSettings()
        settings.expireNodestConn = true
        let expiring = try ProxyHarness(settings: settings)
        defer { expiring.stop() }
        let service = expiring.service(port: ProxyHarness.freePort())
        let server = expiring.server(.echo)
        expiring.add(expiring.realServer(server), to: service)
        let fd = Net.connect(SocketAddress(service.address, port: service.port))
        defer { close(fd) }
        _ = Net.send(fd, [1])
        #expect(Net.receive(fd, count: 1) == [1])
        #expect(
            expiring.apply(.deleteRealServer(service, RealServerKey(address: server.address.ip, port: server.port)))
                == .ok)
        #expect(Net.receiveAll(fd).isEmpty)
        #expect(expiring.engine.count(.expiredByDirector) == 1)

        let keeping = try ProxyHarness()
        defer { keeping.stop() }
        let kept = keeping.service(port: ProxyHarness.freePort())
        let echo = keeping.server(.echo)
        keeping.add(keeping.realServer(echo), to: kept)
        let other = keeping.server(.name("other"))
        keeping.add(keeping.realServer(other), to: kept)
        let stalled = Net.connect(SocketAddress(kept.address, port: kept.port), timeoutMilliseconds: 2_500)
        defer { close(stalled) }
        _ = Net.send(stalled, Array("x".utf8))
        #expect(Net.text(Net.receive(stalled, count: 6)) == "other\n")
        #expect(
            keeping.apply(.deleteRealServer(kept, RealServerKey(address: other.address.ip, port: other.port))) == .ok)
        keeping.engine.flush()
        #expect(keeping.eventually { keeping.table.services.first?.realServers.count == 1 })
        usleep(300_000)
        // Its packets are dropped (reference §4.11): nothing comes back, the connection stays.
        _ = Net.send(stalled, Array("y".utf8))
        #expect(Net.receive(stalled, count: 6).isEmpty)
        #expect(keeping.connections.contains { $0.stateName == "ESTABLISHED" })
        #expect(keeping.ask(kept, "z") == "z")
    }

    @Test("IPv6 on ::1")
    func ipv6() throws {
        let h = try ProxyHarness()
        defer { h.stop() }
        let service = h.service(port: ProxyHarness.freePort(ipv6: true), ipv6: true)
        h.add(h.realServer(h.server(.name("six"), ipv6: true)), to: service)
        #expect(h.ask(service) == "six")
        #expect(h.connections.first?.clientAddress == IPAddress(ipv6High: 0, low: 1))
    }

    @Test("a VIP that is not local, and packet-engine methods, are refused with the fix named")
    func refusals() throws {
        let h = try ProxyHarness()
        defer { h.stop() }
        let remote = VirtualServiceID(protocol: .tcp, address: IPAddress(ipv4: 0xCB00_7107), port: 80)
        let reply = h.apply(.addService(VirtualServiceConfig(id: remote)))
        guard case .failure(let failure) = reply else {
            Issue.record("expected a refusal, got \(reply)")
            return
        }
        #expect(
            failure.message
                == "Cannot listen on 203.0.113.7:80: 203.0.113.7 is not a local address; add it to an interface, or start lvsd with --transparent to bind it anyway"
        )
        #expect(h.table.services.isEmpty)
        let service = h.service(port: ProxyHarness.freePort())
        let masq = h.apply(
            .addRealServer(
                service, RealServerConfig(address: IPAddress(ipv4: 0x7F00_0001), port: 80, forwarding: .masquerading)))
        #expect(
            masq
                == .failure(
                    .admin(
                        .notSupported(
                            "Masquerading needs the packet engine: start lvsd as root with --packet-engine (a --config that uses it starts it by itself); or use --proxy"
                        ),
                        command: .addRealServer(
                            service,
                            RealServerConfig(address: IPAddress(ipv4: 0x7F00_0001), port: 80, forwarding: .masquerading)
                        ))))
        // A firewall-mark service is accepted as a content-switching group (docs/design/0019);
        // a packet-engine method on it still needs the packet engine.
        let markID = VirtualServiceID(firewallMark: 1, family: .inet)
        #expect(h.apply(.addService(VirtualServiceConfig(id: markID))) == .ok)
        let markMasq = h.apply(
            .addRealServer(
                markID, RealServerConfig(address: IPAddress(ipv4: 0x7F00_0001), port: 80, forwarding: .masquerading)))
        #expect(markMasq != .ok)
    }

    @Test("UDP: a client's datagrams form one session; -o schedules each datagram")
    func udp() throws {
        let h = try ProxyHarness()
        defer { h.stop() }
        let a = h.udpServer(name: "a")
        let b = h.udpServer(name: "b")
        let sessions = h.service(port: ProxyHarness.freePort(udp: true), udp: true)
        let onePacket = h.service(port: ProxyHarness.freePort(udp: true), udp: true, onePacket: true)
        for (service, server) in [(sessions, a), (sessions, b), (onePacket, a), (onePacket, b)] {
            h.add(
                RealServerConfig(address: IPAddress(ipv4: 0x7F00_0001), port: server.port, forwarding: .proxy),
                to: service)
        }
        let client = TestUDPClient()
        defer { client.close() }
        let vip = SocketAddress(sessions.address, port: sessions.port)
        #expect((0..<3).map { client.exchange("\($0)", with: vip) } == ["b:0", "b:1", "b:2"])
        #expect(h.connections.filter { $0.virtualPort == sessions.port }.map(\.stateName) == ["UDP"])
        let o = SocketAddress(onePacket.address, port: onePacket.port)
        #expect((0..<4).map { client.exchange("\($0)", with: o) } == ["b:0", "a:1", "b:2", "a:3"])
        #expect(h.connections.filter { $0.virtualPort == onePacket.port }.isEmpty)
    }

    @Test("UDP sessions past the limit evict the least recently used one, so descriptors stay bounded")
    func udpSessionLimit() throws {
        let h = try ProxyHarness(configuration: ProxyEngineConfiguration(reactorCount: 1, maxUDPSessions: 16))
        defer { h.stop() }
        let server = h.udpServer(name: "a")
        let service = h.service(port: ProxyHarness.freePort(udp: true), udp: true)
        h.add(
            RealServerConfig(address: IPAddress(ipv4: 0x7F00_0001), port: server.port, forwarding: .proxy), to: service)
        let vip = SocketAddress(service.address, port: service.port)
        // A long-lived client that keeps talking, then 40 one-shot clients (new source ports).
        let steady = TestUDPClient()
        defer { steady.close() }
        #expect(steady.exchange("s", with: vip) == "a:s")
        for round in 0..<40 {
            let oneShot = TestUDPClient()
            #expect(oneShot.exchange("\(round)", with: vip) == "a:\(round)")
            oneShot.close()
            if round % 4 == 0 { #expect(steady.exchange("s\(round)", with: vip) == "a:s\(round)") }
        }
        // About 41 sessions (a one-shot client may reuse a source port) through a limit of 16:
        // live sessions = opened - evicted never exceeds it, and the steady one was never evicted.
        let opened = h.engine.count(.udpSessions)
        #expect(opened >= 30)
        #expect(opened - h.engine.count(.udpEvictedSessions) <= 16)
        #expect(steady.exchange("last", with: vip) == "a:last")
        #expect(h.engine.count(.udpSessions) == opened, "the steady client kept its session")
    }

    @Test("a slow reader does not stall other clients")
    func slowReader() throws {
        let h = try ProxyHarness(configuration: ProxyEngineConfiguration(reactorCount: 1))
        defer { h.stop() }
        let service = h.service(port: ProxyHarness.freePort())
        h.add(h.realServer(h.server(.source(64 << 20))), to: service)
        let slow = Net.connect(SocketAddress(service.address, port: service.port))
        defer { close(slow) }
        _ = Net.send(slow, [1])
        #expect(Net.receive(slow, count: 1000).count == 1000)
        // The slow client reads nothing more; another client is served in full meanwhile.
        let fast = Net.connect(SocketAddress(service.address, port: service.port), timeoutMilliseconds: 20_000)
        defer { close(fast) }
        _ = Net.send(fast, [1])
        #expect(Net.receive(fast, count: 64 << 20).count == 64 << 20)
    }
}
