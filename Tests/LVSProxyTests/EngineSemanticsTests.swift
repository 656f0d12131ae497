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
        // On a manual clock: TIME_WAIT's expiry is exactly its timeout however slow the machine.
        let h = try ProxyHarness(clock: ManualReactorClock())
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
        #expect(h.connections.first?.expiresInSeconds == 120)
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

    @Test("--set applies its idle timeout to connections already open: not before it, just after it")
    func idleTimeout() throws {
        let clock = ManualReactorClock()
        let h = try ProxyHarness(configuration: ProxyEngineConfiguration(reactorCount: 1), clock: clock)
        defer { h.stop() }
        let service = h.service(port: ProxyHarness.freePort())
        h.add(h.realServer(h.server(.echo)), to: service)
        let fd = Net.connect(SocketAddress(service.address, port: service.port))
        defer { close(fd) }
        _ = Net.send(fd, [0x21])
        #expect(Net.receive(fd, count: 1) == [0x21])
        // FIN_WAIT longer than ESTABLISHED: the barrier's own half-closed connections outlive the deadline.
        #expect(h.apply(.setTimeouts(TimeoutSettings(tcpEstablished: 30, tcpFinWait: 120, udp: 30))) == .ok)
        h.barrier(through: service)
        // The last byte moved at the clock's start: the deadline is 30 s after it.
        Self.expectDeadline(
            after: 30_000_000_000, of: fd, counted: .idleTimeouts, clock: clock, harness: h, barrier: service)
        // The proxy closed the idle connection: the client reads end of file.
        #expect(Self.readsEndOfFile(fd))
    }

    @Test("a real server that never answers the SYN: the connect timeout fires at its deadline, not before")
    func connectTimeout() throws {
        let clock = ManualReactorClock()
        let h = try ProxyHarness(
            configuration: ProxyEngineConfiguration(
                reactorCount: 1, connectTimeoutMilliseconds: 1_000, connectAttempts: 1),
            clock: clock)
        defer { h.stop() }
        // A listener whose accept queue is full drops further SYNs (backlog 0 holds one
        // connection, never accepted): the proxy's connect neither succeeds nor fails.
        let blackHole = Self.fullListener()
        defer {
            close(blackHole.filler)
            close(blackHole.listener)
        }
        let silent = h.service(port: ProxyHarness.freePort())
        h.add(
            RealServerConfig(address: IPAddress(ipv4: 0x7F00_0001), port: blackHole.port, forwarding: .proxy),
            to: silent)
        let echo = h.service(port: ProxyHarness.freePort())
        h.add(h.realServer(h.server(.echo)), to: echo)
        let fd = Net.connect(SocketAddress(silent.address, port: silent.port))
        defer { close(fd) }
        #expect(fd >= 0)
        h.barrier(through: echo)
        #expect(h.connections.contains { $0.virtualPort == silent.port })
        Self.expectDeadline(
            after: 1_000_000_000, of: fd, counted: .connectTimeouts, clock: clock, harness: h, barrier: echo)
        #expect(h.engine.count(.redispatchesExhausted) == 1)
        // The client is reset (no real server answered): end of file or ECONNRESET, not a hang.
        #expect(Self.readsEndOfFile(fd, orReset: true))
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

        let keeping = try ProxyHarness(configuration: ProxyEngineConfiguration(reactorCount: 1))
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
        #expect(keeping.table.services.first?.realServers.count == 1)
        // The flush tells the reactor the real server is gone; the barrier proves it was heard.
        keeping.engine.flush()
        keeping.barrier(through: kept)
        // Its packets are dropped (reference §4.11): the proxy leaves them unread, nothing comes
        // back, the connection stays.
        _ = Net.send(stalled, Array("y".utf8))
        keeping.barrier(through: kept)
        let proxySide = try #require(Self.peerSocket(of: stalled))
        var unread: Int32 = 0
        #expect(ioctl(proxySide, UInt(FIONREAD), &unread) == 0)
        #expect(unread == 1, "the proxy read from a stalled connection")
        #expect(Self.isOpenAndQuiet(stalled))
        #expect(keeping.connections.contains { $0.stateName == "ESTABLISHED" })
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

extension EngineSemanticsTests {
    /// Proves a timer fires at its deadline and not before: 10 ms short of `nanoseconds` (one
    /// reactor tick) nothing has happened to `fd` and `counter` is 0; 10 ms past it, `counter`
    /// is 1. Each check follows a barrier, so the timers due by then have run.
    static func expectDeadline(
        after nanoseconds: UInt64, of fd: Int32, counted counter: ProxyCounter, clock: ManualReactorClock,
        harness: ProxyHarness, barrier: VirtualServiceID, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        clock.advance(by: nanoseconds - 10_000_000)
        harness.barrier(through: barrier)
        #expect(harness.engine.count(counter) == 0, "fired early", sourceLocation: sourceLocation)
        #expect(isOpenAndQuiet(fd), "closed early", sourceLocation: sourceLocation)
        clock.advance(by: 20_000_000)
        harness.barrier(through: barrier)
        #expect(harness.engine.count(counter) == 1, "did not fire", sourceLocation: sourceLocation)
    }

    /// True if `fd` is connected with nothing to read: neither bytes nor an end of file.
    static func isOpenAndQuiet(_ fd: Int32) -> Bool {
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_DONTWAIT))
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
    }

    /// True if the next read on `fd` (blocking, within its receive timeout) is an end of file,
    /// or with `orReset` a reset.
    static func readsEndOfFile(_ fd: Int32, orReset: Bool = false) -> Bool {
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, 0)
        return n == 0 || (orReset && n < 0 && errno == ECONNRESET)
    }

    /// The socket of this process whose peer is `client` (its local address): the proxy's side
    /// of a proxied connection, since the engine runs in the test process.
    static func peerSocket(of client: Int32) -> Int32? {
        var clientAddress = sockaddr_storage()
        var clientLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &clientAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(client, $0, &clientLength) }
        }
        guard named == 0 else { return nil }
        let wanted = withUnsafeBytes(of: &clientAddress) { Array($0.prefix(Int(clientLength))) }
        for fd in Int32(0)..<4096 where fd != client {
            var peer = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let found = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
            }
            if found == 0, length == clientLength,
                withUnsafeBytes(of: &peer, { Array($0.prefix(Int(length))) }) == wanted
            {
                return fd
            }
        }
        return nil
    }

    /// A loopback listener (backlog 0) whose accept queue is full: the kernel drops further SYNs.
    static func fullListener() -> (listener: Int32, filler: Int32, port: UInt16) {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) }
        }
        _ = listen(listener, 0)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        let port = UInt16(bigEndian: address.sin_port)
        let filler = Net.connect(SocketAddress(IPAddress(ipv4: 0x7F00_0001), port: port))
        return (listener, filler, port)
    }
}
