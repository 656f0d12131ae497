import Glibc
import LVSControl
import LVSCore
import LVSDaemon
import LVSProxy
import LVSReactor
import LVSSharedDirector
import Logging
import NIOPosix
import Testing

/// The director host with a running proxy engine (two reactors), driven in-process. Given a
/// manual clock, the engine's reactors and the director both follow it: timeouts fire only when
/// the test advances it.
final class ProxyHarness: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `servers`/`udpServers` are only touched by the test's own
    // task (add, then stop); everything else is `let` and Sendable or thread-safe.
    let host: DirectorHost
    let engine: ProxyEngine
    let group: MultiThreadedEventLoopGroup
    private var servers: [TestTCPServer] = []
    private var udpServers: [TestUDPServer] = []

    init(
        configuration: ProxyEngineConfiguration = ProxyEngineConfiguration(), settings: DirectorSettings? = nil,
        clock: ManualReactorClock? = nil
    ) throws {
        var configuration = configuration
        if configuration.reactorCount == 0 { configuration.reactorCount = 2 }
        configuration.connectTimeoutMilliseconds = min(configuration.connectTimeoutMilliseconds, 1_000)
        let director = Director(seed: 1)
        let now: @Sendable () -> MonotonicInstant
        if let clock {
            now = { clock.now() }
        } else {
            now = MonotonicClock.now
        }
        if let settings { try director.apply(.setDirectorSettings(settings), now: now()) }
        let shared = SharedDirector(director)
        engine = try ProxyEngine(
            shared: shared, configuration: configuration, timeouts: .kernelDefaults,
            clock: clock ?? SystemReactorClock())
        try engine.start()
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var logger = Logger(label: "proxy-test")
        logger.logLevel = .error
        host = DirectorHost(
            shared: shared, engine: engine, eventLoop: group.next(),
            serverInfo: ControlServerInfo(daemonVersion: "t", dryRun: false), clock: now, logger: logger)
    }

    /// A VIP:port on loopback that nothing listens on yet.
    static func freePort(udp: Bool = false, ipv6: Bool = false) -> UInt16 {
        let address = ipv6 ? SocketAddress.loopbackIPv6(port: 0) : SocketAddress.loopbackIPv4(port: 0)
        let fd =
            udp
            ? (try? Socket.makeUDPSocket(UDPSocketOptions(address: address, reusePort: false))) ?? -1
            : (try? Socket.makeTCPListener(TCPListenerOptions(address: address, reusePort: false))) ?? -1
        defer { close(fd) }
        return (try? Socket.localAddress(fd))?.port ?? 0
    }

    @discardableResult
    func apply(_ command: AdminCommand) -> ControlReplyBody { host.reply(to: .apply(command)) }

    func service(
        port: UInt16, scheduler: String = "rr", persistence: UInt32? = nil, udp: Bool = false, ipv6: Bool = false,
        onePacket: Bool = false, persistenceEngine: String? = nil
    ) -> VirtualServiceID {
        let address = ipv6 ? IPAddress(ipv6High: 0, low: 1) : IPAddress(ipv4: 0x7F00_0001)
        // Tests run in parallel: a port found free may be taken before the listener binds it, so
        // a refused add is retried on another free port. Callers use the returned id's port.
        var candidate = port
        var reply = ControlReplyBody.ok
        for _ in 0..<20 {
            let id = VirtualServiceID(protocol: udp ? .udp : .tcp, address: address, port: candidate)
            reply = apply(
                .addService(
                    VirtualServiceConfig(
                        id: id, scheduler: scheduler, persistenceTimeout: persistence, onePacketScheduling: onePacket,
                        persistenceEngine: persistenceEngine)))
            if reply == .ok { return id }
            candidate = Self.freePort(udp: udp, ipv6: ipv6)
        }
        Issue.record("add service on a free port failed 20 times: \(reply)")
        return VirtualServiceID(protocol: udp ? .udp : .tcp, address: address, port: candidate)
    }

    func realServer(
        _ server: TestTCPServer, weight: Int32 = 1, proxyProtocol: ProxyProtocolVersion = .none, upper: UInt32 = 0
    ) -> RealServerConfig {
        RealServerConfig(
            address: server.address.ip, port: server.port, forwarding: .proxy, weight: weight, upperThreshold: upper,
            proxyProtocol: proxyProtocol)
    }

    func server(_ behaviour: TestTCPServer.Behaviour, ipv6: Bool = false) -> TestTCPServer {
        let server = TestTCPServer(behaviour, ipv6: ipv6)
        servers.append(server)
        return server
    }

    func udpServer(name: String) -> TestUDPServer {
        let server = TestUDPServer(name: name)
        udpServers.append(server)
        return server
    }

    func add(_ config: RealServerConfig, to service: VirtualServiceID) {
        let reply = apply(.addRealServer(service, config))
        precondition(reply == .ok, "add real server: \(reply)")
    }

    /// Opens a connection to the VIP, sends `message`, returns the first line of the reply.
    func ask(_ service: VirtualServiceID, _ message: String = "hi") -> String {
        let fd = Net.connect(SocketAddress(service.address, port: service.port))
        guard fd >= 0 else { return "<connect failed>" }
        defer { close(fd) }
        _ = Net.send(fd, Array(message.utf8))
        var line: [UInt8] = []
        while line.last != 10 {
            let byte = Net.receive(fd, count: 1)
            if byte.isEmpty { break }
            line += byte
        }
        return Net.text(line).trimmingSuffix()
    }

    var connections: [ConnectionSnapshot] {
        guard case .connections(let entries) = host.reply(to: .getConnections) else { return [] }
        return entries
    }

    var table: TableSnapshot {
        guard case .table(let table) = host.reply(to: .getTable) else { return TableSnapshot() }
        return table
    }

    /// Polls `condition` every 20 ms for at most `seconds` (a bound for a loaded machine, not an
    /// expected duration: a passing test returns as soon as the condition holds).
    func eventually(seconds: Double = 30, _ condition: () -> Bool) -> Bool {
        let deadline = MonotonicClock.now().adding(nanoseconds: UInt64(seconds * 1e9))
        while MonotonicClock.now() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// Returns once every event that reached a one-reactor engine before this call has been
    /// handled, and every timer due by the engine's clock has fired: an exchange with
    /// `service` (an echo) takes later passes of the loop, and each pass reads the clock and
    /// expires due timers after its events.
    func barrier(through service: VirtualServiceID) {
        precondition(engine.reactorCount == 1, "a barrier proves nothing about another reactor")
        #expect(ask(service, "barrier\n") == "barrier")
    }

    func stop() {
        engine.stop()
        for server in servers { server.stop() }
        for server in udpServers { server.stop() }
        try? group.syncShutdownGracefully()
    }
}

extension String {
    func trimmingSuffix() -> String {
        var text = self
        while text.last == "\n" || text.last == "\r" { text.removeLast() }
        return text
    }
}
