import Foundation
import Testing

/// What a running lvsd puts on the wire as a sync master, read by Wireshark's own `ipvs`
/// dissector (reference §7.3): a direct-routing connection through the packet engine, captured
/// on the client LAN where the master daemon multicasts.
@Suite("connection sync from a running lvsd, decoded by tshark", .serialized)
struct SyncCaptureTests {
    static let fields = [
        "ip.src", "ip.ttl", "udp.dstport", "ipvs.syncid", "ipvs.proto", "ipvs.caddr", "ipvs.cport", "ipvs.vaddr",
        "ipvs.vport", "ipvs.daddr", "ipvs.dport", "ipvs.state",
    ]

    @Test("an established DR connection's entry: client, virtual and real server addresses, ports and state")
    func established() throws {
        guard NamespaceLab.available() else { return }
        guard NamespaceLab.which("tshark") != nil else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("CI=true: tshark is missing") }
            return
        }
        let lab = try NamespaceLab(mode: .directRouting)
        defer { lab.tearDown() }
        let director = try LabDirector(lab, rules: PacketEngineScenarioTests.rules("-g", weights: [1]))
        try lab.serve(on: 0, port: 8080)
        try director.lvsadm("--start-daemon master --mcast-interface veth10 --syncid 9")
        let capture = try lab.start(
            in: lab.client,
            [
                "timeout", "30", "tshark", "-n", "-i", "br0", "-c", "1", "-f", "udp dst port 8848", "-d",
                "udp.port==8848,ipvs", "-T", "fields", "-E", "separator=/t",
            ] + Self.fields.flatMap { ["-e", $0] }, name: "tshark")
        // tshark's capture starts at a moment we cannot observe: its "Capturing on" line.
        #expect(lab.waitUntil(seconds: 15) { lab.contents("tshark.err").contains("Capturing on") })
        let connection = try OpenConnection(lab)
        defer { connection.close() }
        // Threshold 3: the third inbound packet of the connection is synced (reference §7.2).
        for index in 0..<5 { connection.send("line \(index)") }
        let captured = lab.waitUntil(seconds: 20) { !capture.isRunning }
        let line = lab.contents("tshark.out").split(separator: "\n").first.map(String.init) ?? ""
        let values = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        try #require(captured && values.count == Self.fields.count, "tshark: \(line) \(lab.contents("tshark.err"))")
        let decoded = Dictionary(uniqueKeysWithValues: zip(Self.fields, values))
        #expect(decoded["ip.src"] == "10.0.0.1" && decoded["ip.ttl"] == "1" && decoded["udp.dstport"] == "8848")
        #expect(decoded["ipvs.syncid"] == "9")
        #expect(decoded["ipvs.caddr"] == "10.0.0.2")
        #expect(decoded["ipvs.vaddr"] == NamespaceLab.vip && decoded["ipvs.vport"] == "8080")
        #expect(decoded["ipvs.daddr"] == NamespaceLab.serverAddress(0) && decoded["ipvs.dport"] == "8080")
        // TCP (6), ESTABLISHED (1), as the dissector prints them in hexadecimal.
        #expect(decoded["ipvs.proto"].flatMap { Int($0.dropFirst(2), radix: 16) } == 6, "\(decoded)")
        #expect(decoded["ipvs.state"].flatMap { Int($0.dropFirst(2), radix: 16) } == 1, "\(decoded)")
        let cport = Int(decoded["ipvs.cport"] ?? "") ?? 0
        #expect(cport > 1024)
        try director.stop()
    }
}
