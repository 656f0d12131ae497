import Foundation
import Testing

@testable import LVSPacketEngine

/// End to end in the kernel selftest topology (reference §9): the built `lvsd` with
/// `--packet-engine` in the director namespace, a socat listener on the real server, a socat
/// client sending 32 random bytes to the VIP — for each forwarding method, over IPv4 and IPv6.
@Suite("packet engine in network namespaces: the kernel selftest", .serialized)
struct PacketEngineNamespaceTests {
    @Test(
        "masquerading: payload intact, real server sees the client, Conns 1, TIME_WAIT, replies rewritten",
        arguments: PacketIO.allCases)
    func masquerading(io: PacketIO) throws {
        guard NamespaceLab.available() else { return }
        let outcome = try runSelftest(mode: .masquerading, option: "-m", ipv6: false, io: io)
        #expect(outcome.peer == "10.0.0.2")
        #expect(outcome.connections.contains("TIME_WAIT"), "\(outcome.connections)")
        // Replies passed through the director (outbound counters, reference §5.1).
        #expect(outcome.outPackets > 0)
    }

    @Test(
        "direct routing: payload intact, real server sees the client, replies bypass the director",
        arguments: PacketIO.allCases)
    func directRouting(io: PacketIO) throws {
        guard NamespaceLab.available() else { return }
        let outcome = try runSelftest(mode: .directRouting, option: "-g", ipv6: false, io: io)
        #expect(outcome.peer == "10.0.0.2")
        #expect(outcome.outPackets == 0)
        #expect(outcome.connections.contains("10.0.0.2:"), "\(outcome.connections)")
    }

    @Test(
        "tunnelling: IP-IP to the real server's user-space decapsulator, replies bypass the director",
        arguments: PacketIO.allCases)
    func tunnelling(io: PacketIO) throws {
        guard NamespaceLab.available() else { return }
        let outcome = try runSelftest(mode: .tunnelling, option: "-i", ipv6: false, io: io)
        #expect(outcome.peer == "10.0.0.2")
        #expect(outcome.outPackets == 0)
        #expect(outcome.connections.contains("10.0.0.2:"), "\(outcome.connections)")
        #expect(outcome.decapsulated.contains("injected"), "decap: \(outcome.decapsulated)")
    }

    @Test(
        "IPv6 masquerading: payload intact, real server sees the client, replies rewritten",
        arguments: PacketIO.allCases)
    func masqueradingIPv6(io: PacketIO) throws {
        guard NamespaceLab.available() else { return }
        let outcome = try runSelftest(mode: .masquerading, option: "-m", ipv6: true, io: io)
        #expect(NamespaceLab.sameAddress(outcome.peer, "fd00:10::2"), "peer: \(outcome.peer)")
        #expect(outcome.connections.contains("TIME_WAIT"), "\(outcome.connections)")
        #expect(outcome.outPackets > 0)
    }

    @Test("IPv6 direct routing: payload intact, real server sees the client", arguments: PacketIO.allCases)
    func directRoutingIPv6(io: PacketIO) throws {
        guard NamespaceLab.available() else { return }
        let outcome = try runSelftest(mode: .directRouting, option: "-g", ipv6: true, io: io)
        #expect(NamespaceLab.sameAddress(outcome.peer, "fd00:10::2"), "peer: \(outcome.peer)")
        #expect(outcome.outPackets == 0)
    }

    @Test("IPv6 tunnelling: IPv6-in-IPv6 to the user-space decapsulator", arguments: PacketIO.allCases)
    func tunnellingIPv6(io: PacketIO) throws {
        guard NamespaceLab.available() else { return }
        let outcome = try runSelftest(mode: .tunnelling, option: "-i", ipv6: true, io: io)
        #expect(NamespaceLab.sameAddress(outcome.peer, "fd00:10::2"), "peer: \(outcome.peer)")
        #expect(outcome.outPackets == 0)
    }

    struct Outcome {
        var peer: String
        var connections: String
        var outPackets: Int
        var decapsulated: String
    }

    /// The scenario's outcome, through the I/O path `io`.
    func runSelftest(mode: NamespaceLab.Mode, option: String, ipv6: Bool, io: PacketIO) throws -> Outcome {
        let lab = try NamespaceLab(mode: mode)
        defer { lab.tearDown() }
        let vip = ipv6 ? NamespaceLab.vip6 : NamespaceLab.vip
        let service = NamespaceLab.endpoint(vip, 8080)
        let server = NamespaceLab.endpoint(NamespaceLab.serverAddress(0, ipv6: ipv6), 8080)
        let director = try LabDirector(
            lab, rules: "-A -t \(service) -s rr\n-a -t \(service) -r \(server) \(option) -w 1\n",
            extra: ["--packet-io", io.rawValue])
        let tables = try lab.run(in: lab.director, "nft list tables")
        #expect(tables.output.contains("table netdev lvsd"))

        let payload = (0..<32).map { _ in UInt8.random(in: 0...255) }
        try Data(payload).write(to: URL(fileURLWithPath: lab.file("in.bin")))
        let family = ipv6 ? "-6" : "-4"
        let listener = try lab.start(
            in: lab.servers[0],
            [
                "timeout", "10", "socat", family, "TCP-LISTEN:8080,reuseaddr",
                "SYSTEM:echo $SOCAT_PEERADDR > \(lab.file("peer")); cat > \(lab.file("out.bin"))",
            ], name: "listener")
        let listening = try lab.waitUntil(seconds: 5) {
            try lab.run(in: lab.servers[0], "ss -Hltn 'sport = :8080'").output.contains("8080")
        }
        try #require(listening, "listener did not start: \(lab.contents("listener.err"))")
        let sent = try lab.run(in: lab.client, "timeout 8 socat -u \(family) OPEN:\(lab.file("in.bin")) TCP:\(service)")
        #expect(sent.status == 0, "client: \(sent.error)")
        _ = lab.waitUntil(seconds: 12) { !listener.isRunning }
        let received = (try? Data(contentsOf: URL(fileURLWithPath: lab.file("out.bin")))).map { [UInt8]($0) }
        #expect(received == payload)

        let columns = try director.statsColumns("TCP  \(service)")
        let stats = try director.lvsadm("-L -n --stats")
        #expect(columns.count == 7 && columns[2] == "1", "stats: \(stats)")
        let connections = try director.lvsadm("-L -c -n")
        let forwarded = try director.engineCounter("packet_forwarded_inbound")
        #expect(forwarded > 0)
        if io == .xdp {
            // The flows came through the XDP program and the AF_XDP sockets.
            let engineStats = try director.lvsadm("--engine-stats")
            #expect(try director.engineCounter("packet_xdp_redirected") > 0, "\(engineStats)")
        }
        try director.stop()
        var decapsulated = ""
        if mode == .tunnelling {
            decapsulated = lab.stopDecapsulator(0)
        }
        return Outcome(
            peer: lab.contents("peer").trimmingCharacters(in: .whitespacesAndNewlines), connections: connections,
            outPackets: columns.count == 7 ? Int(columns[4]) ?? -1 : -1, decapsulated: decapsulated)
    }
}
