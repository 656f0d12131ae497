import Foundation
import Testing

/// End to end in the kernel selftest topology (reference §9): the built `lvsd` with
/// `--packet-engine` in the director namespace, a socat listener on the real server, a socat
/// client sending 32 random bytes to the VIP.
@Suite("packet engine in network namespaces", .serialized)
struct PacketEngineNamespaceTests {
    static let virtualService = "207.175.44.110:8080"

    @Test("masquerading: payload intact, real server sees the client, Conns 1, TIME_WAIT, table removed")
    func masquerading() throws {
        guard NamespaceLab.available() else { return }
        let outcome = try runSelftest(mode: .masquerading, option: "-m")
        #expect(outcome.peer == "10.0.0.2")
        #expect(outcome.connections.contains("TIME_WAIT"))
        // Replies passed through the director (outbound counters, reference §5.1).
        #expect(outcome.outPackets > 0)
    }

    @Test("direct routing: payload intact, real server sees the client, replies bypass the director")
    func directRouting() throws {
        guard NamespaceLab.available() else { return }
        let outcome = try runSelftest(mode: .directRouting, option: "-g")
        #expect(outcome.peer == "10.0.0.2")
        #expect(outcome.outPackets == 0)
        #expect(outcome.connections.contains("10.0.0.2:"))
    }

    struct Outcome {
        var peer: String
        var connections: String
        var outPackets: Int
    }

    func runSelftest(mode: NamespaceLab.Mode, option: String) throws -> Outcome {
        let lab = try NamespaceLab(mode: mode)
        defer { lab.tearDown() }
        let lvsd = try NamespaceLab.executable("lvsd")
        let lvsadm = try NamespaceLab.executable("lvsadm")
        let socket = lab.file("lvsd.sock")
        let rules =
            "-A -t \(Self.virtualService) -s rr\n-a -t \(Self.virtualService) -r 172.16.0.2:8080 \(option) -w 1\n"
        try rules.write(toFile: lab.file("rules"), atomically: true, encoding: .utf8)
        let daemon = try lab.start(
            in: lab.director,
            [
                lvsd, "--control-socket", socket, "--packet-engine", "--interface", "veth10", "--interface", "veth12",
                "--packet-workers", "2", "--reactors", "1", "--rules", lab.file("rules"),
            ], name: "lvsd")
        let ready = lab.waitUntil(seconds: 10) { FileManager.default.fileExists(atPath: socket) || !daemon.isRunning }
        try #require(ready && daemon.isRunning, "lvsd did not start: \(contents(lab.file("lvsd.err")))")
        let tables = try lab.run(in: lab.director, "nft list tables")
        #expect(tables.output.contains("table netdev lvsd"))

        let payload = (0..<32).map { _ in UInt8.random(in: 0...255) }
        try Data(payload).write(to: URL(fileURLWithPath: lab.file("in.bin")))
        let listener = try lab.start(
            in: lab.server,
            [
                "timeout", "10", "socat", "-4", "TCP-LISTEN:8080,reuseaddr",
                "SYSTEM:echo $SOCAT_PEERADDR > \(lab.file("peer")); cat > \(lab.file("out.bin"))",
            ], name: "listener")
        let listening = try lab.waitUntil(seconds: 5) {
            try lab.run(in: lab.server, "ss -Hltn 'sport = :8080'").output.contains("8080")
        }
        try #require(listening, "listener did not start: \(contents(lab.file("listener.err")))")
        let sent = try lab.run(
            in: lab.client, "timeout 8 socat -u -4 OPEN:\(lab.file("in.bin")) TCP:\(Self.virtualService)")
        #expect(sent.status == 0, "client: \(sent.error)")
        listener.waitUntilExit()
        let received = (try? Data(contentsOf: URL(fileURLWithPath: lab.file("out.bin")))).map { [UInt8]($0) }
        #expect(received == payload)

        let stats = try shell(lvsadm, socket, "-L -n --stats")
        let serviceLine = stats.split(separator: "\n").first { $0.hasPrefix("TCP  207.175.44.110:8080") }
        let columns = serviceLine.map { $0.split(separator: " ") } ?? []
        #expect(columns.count == 7 && columns[2] == "1", "stats: \(stats)")
        let connections = try shell(lvsadm, socket, "-L -c -n")
        let engine = try shell(lvsadm, socket, "--engine-stats")
        #expect(engine.contains("packet_forwarded_inbound"))

        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
        let after = try lab.run(in: lab.director, "nft list tables")
        #expect(!after.output.contains("lvsd"), "the netdev table must be removed on exit")
        let peer = contents(lab.file("peer")).trimmingCharacters(in: .whitespacesAndNewlines)
        return Outcome(
            peer: peer, connections: connections, outPackets: columns.count == 7 ? Int(columns[4]) ?? -1 : -1)
    }

    func shell(_ lvsadm: String, _ socket: String, _ arguments: String) throws -> String {
        try NamespaceLab.shell("\(lvsadm) --control-socket \(socket) \(arguments)").output
    }

    func contents(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
}
