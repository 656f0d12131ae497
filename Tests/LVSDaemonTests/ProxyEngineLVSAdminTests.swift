import Glibc
import LVSCore
import LVSReactor
import Testing

/// The proxy engine configured through the real `lvsadm` executable against a daemon that binds.
@Suite("lvsadm with the proxy engine", .serialized)
struct ProxyEngineLVSAdminTests {
    static func freePort() -> UInt16 {
        let fd =
            (try? Socket.makeTCPListener(TCPListenerOptions(address: .loopbackIPv4(port: 0), reusePort: false))) ?? -1
        defer { close(fd) }
        return (try? Socket.localAddress(fd))?.port ?? 0
    }

    @Test("-A binds the VIP, -a --proxy forwards, -L -c shows the entry, --engine-stats counts it")
    func forwardThroughLVSAdmin() async throws {
        let daemon = try await TestDaemon.start(dryRun: false)
        // A real server: a listener whose accepted connection the test answers itself.
        let realServer = try Socket.makeTCPListener(
            TCPListenerOptions(address: .loopbackIPv4(port: 0), reusePort: false))
        defer { close(realServer) }
        let realPort = try Socket.localAddress(realServer).port
        let vip = "127.0.0.1:\(Self.freePort())"
        #expect(try await LVSAdminEndToEndTests.lvsadm(daemon, ["-A", "-t", vip, "-s", "rr"]).status == 0)
        #expect(
            try await LVSAdminEndToEndTests.lvsadm(daemon, ["-a", "-t", vip, "-r", "127.0.0.1:\(realPort)", "--proxy"])
                .status == 0)
        let refused = try await LVSAdminEndToEndTests.lvsadm(
            daemon, ["-a", "-t", vip, "-r", "127.0.0.2:\(realPort)", "-m"])
        #expect(refused.status == 255)
        #expect(
            refused.standardError
                == "Masquerading needs the packet engine: start lvsd as root with --packet-engine (a --config that uses it starts it by itself); or use --proxy\n"
        )
        // A sync daemon opens its sockets when the command is applied: a missing interface
        // refuses it, and nothing is recorded.
        let sync = try await LVSAdminEndToEndTests.lvsadm(
            daemon, ["--start-daemon", "master", "--mcast-interface", "nosuchif0"])
        #expect(sync.status == 255)
        #expect(sync.standardError.hasPrefix("master sync daemon: "), "\(sync.standardError)")
        #expect(sync.standardError.contains("nosuchif0"), "\(sync.standardError)")
        #expect(try await LVSAdminEndToEndTests.lvsadm(daemon, ["-L", "--daemon"]).standardOutput == "")

        let client = try Socket.connect(
            to: SocketAddress(IPAddress(ipv4: 0x7F00_0001), port: UInt16(vip.split(separator: ":")[1])!))
        defer { close(client.fd) }
        // Blocking accept on the real server side (bounded by the poll below).
        var pollfd = Glibc.pollfd(fd: realServer, events: Int16(POLLIN), revents: 0)
        #expect(poll(&pollfd, 1, 20_000) == 1)  // a bound, generous for a loaded machine
        let accepted = accept(realServer, nil, nil)
        defer { close(accepted) }
        #expect(accepted >= 0)
        // The entry turns ESTABLISHED when the engine's connect completes, which may come just
        // after the real server's accept: wait for it (bounded for a loaded machine).
        var listing = ""
        let established = try await eventually(within: 30) {
            listing = try await LVSAdminEndToEndTests.lvsadm(daemon, ["-L", "-n", "-c"]).standardOutput
            return listing.contains("ESTABLISHED")
        }
        #expect(established, "\(listing)")
        let stats = try await LVSAdminEndToEndTests.lvsadm(daemon, ["--engine-stats"])
        #expect(stats.status == 0)
        #expect(stats.standardOutput.contains("accepted_connections 1\n"))

        let nonLocal = try await LVSAdminEndToEndTests.lvsadm(daemon, ["-A", "-t", "203.0.113.7:80"])
        #expect(nonLocal.status == 255)
        #expect(
            nonLocal.standardError
                == "Cannot listen on 203.0.113.7:80: 203.0.113.7 is not a local address; add it to an interface, or start lvsd with --transparent to bind it anyway\n"
        )
        await daemon.stop()
    }
}
