import Foundation
import Testing

/// What an operator does with a packet-engine service, end to end in namespaces (the selftest
/// topology with two real servers on an inside bridge): distribution by the scheduler, UDP,
/// persistence, weight-0 draining, removal and revival, and the tunnel MTU.
@Suite("packet engine in network namespaces: operating a service", .serialized)
struct PacketEngineScenarioTests {
    static let service = NamespaceLab.endpoint(NamespaceLab.vip, 8080)

    static func rules(_ option: String, scheduler: String = "rr", persistence: String = "", weights: [Int] = [1, 1])
        -> String
    {
        var rules = "-A -t \(service) -s \(scheduler) \(persistence)\n"
        for (index, weight) in weights.enumerated() {
            rules += "-a -t \(service) -r \(NamespaceLab.serverAddress(index)):8080 \(option) -w \(weight)\n"
        }
        return rules
    }

    @Test("NAT, wrr 2:1 over six connections: 4 and 2, each real server sees the client, --stats agrees")
    func distribution() throws {
        guard NamespaceLab.available() else { return }
        let lab = try NamespaceLab(mode: .masquerading, servers: 2)
        defer { lab.tearDown() }
        let director = try LabDirector(lab, rules: Self.rules("-m", scheduler: "wrr", weights: [2, 1]))
        for index in 0..<2 { try lab.serve(on: index, port: 8080) }
        var answers: [String] = []
        for _ in 0..<6 { answers.append(try lab.request(NamespaceLab.vip, port: 8080)) }
        // wrr with weights 2:1 (reference §4.5): rs0 rs0 rs1 | rs0 rs0 rs1 by weight stepping.
        #expect(answers.filter { $0.hasPrefix("rs0 ") }.count == 4, "\(answers)")
        #expect(answers.filter { $0.hasPrefix("rs1 ") }.count == 2, "\(answers)")
        #expect(answers.allSatisfy { $0.hasSuffix(" 10.0.0.2") }, "\(answers)")
        let first = try director.statsColumns("  -> \(NamespaceLab.serverAddress(0)):8080")
        let second = try director.statsColumns("  -> \(NamespaceLab.serverAddress(1)):8080")
        #expect(first.count == 7 && first[2] == "4", "\(first)")
        #expect(second.count == 7 && second[2] == "2", "\(second)")
        #expect(try director.statsColumns("TCP  \(Self.service)").dropFirst(2).first == "6")
        try director.stop()
    }

    @Test("UDP: NAT over IPv4 alternates real servers per client port and answers from the VIP")
    func udpMasquerading() throws {
        guard NamespaceLab.available() else { return }
        let lab = try NamespaceLab(mode: .masquerading, servers: 2)
        defer { lab.tearDown() }
        let service = NamespaceLab.endpoint(NamespaceLab.vip, 5300)
        var rules = "-A -u \(service) -s rr\n"
        for index in 0..<2 { rules += "-a -u \(service) -r \(NamespaceLab.serverAddress(index)):5300 -m -w 1\n" }
        let director = try LabDirector(lab, rules: rules)
        for index in 0..<2 { try lab.serve(on: index, port: 5300, udp: true) }
        var answers: [String] = []
        // A socat UDP client connects its socket: an answer arrives only if it comes from VIP:5300.
        for _ in 0..<4 { answers.append(try lab.request(NamespaceLab.vip, port: 5300, udp: true)) }
        let engine = try director.lvsadm("--engine-stats")
        // Round robin: every new client port is a new connection, so the servers alternate.
        let servers = answers.map { String($0.prefix(3)) }
        #expect(
            Set(servers) == ["rs0", "rs1"] && servers[0] == servers[2] && servers[1] == servers[3],
            "\(answers)\n\(engine)")
        #expect(answers.allSatisfy { $0.hasSuffix(" 10.0.0.2") }, "\(answers)")
        let connections = try director.lvsadm("-L -c -n")
        #expect(connections.split(separator: "\n").filter { $0.hasPrefix("UDP ") }.count == 4, "\(connections)")
        let columns = try director.statsColumns("UDP  \(service)")
        #expect(columns.count == 7 && columns[2] == "4" && columns[4] == "4", "\(columns)")
        try director.stop()
    }

    @Test("UDP: direct routing over IPv6, answered from the VIP by a server bound to it")
    func udpDirectRoutingIPv6() throws {
        guard NamespaceLab.available() else { return }
        let lab = try NamespaceLab(mode: .directRouting, servers: 2)
        defer { lab.tearDown() }
        let service = NamespaceLab.endpoint(NamespaceLab.vip6, 5300)
        var rules = "-A -u \(service) -s rr\n"
        for index in 0..<2 {
            rules +=
                "-a -u \(service) -r \(NamespaceLab.endpoint(NamespaceLab.serverAddress(index, ipv6: true), 5300)) -g\n"
        }
        let director = try LabDirector(lab, rules: rules)
        for index in 0..<2 {
            try lab.serve(on: index, port: 5300, udp: true, ipv6: true, bind: "[\(NamespaceLab.vip6)]")
        }
        var answers: [String] = []
        for _ in 0..<2 { answers.append(try lab.request(NamespaceLab.vip6, port: 5300, udp: true)) }
        let engine = try director.lvsadm("--engine-stats")
        #expect(Set(answers.map { $0.prefix(3) }) == ["rs0", "rs1"], "\(answers)\n\(engine)")
        let peers = answers.compactMap { $0.split(separator: " ").last.map(String.init) }
        #expect(peers.count == 2 && peers.allSatisfy { NamespaceLab.sameAddress($0, "fd00:10::2") }, "\(answers)")
        let columns = try director.statsColumns("UDP  \(service)")
        #expect(columns.count == 7 && columns[2] == "2" && columns[4] == "0", "\(columns)")
        try director.stop()
    }

    @Test(
        "ICMP relay: a NAT real server's port unreachable reaches the client from the VIP (connection refused)",
        arguments: [false, true])
    func portUnreachableRelayed(ipv6: Bool) throws {
        guard NamespaceLab.available() else { return }
        let lab = try NamespaceLab(mode: .masquerading)
        defer { lab.tearDown() }
        let vip = ipv6 ? NamespaceLab.vip6 : NamespaceLab.vip
        let service = NamespaceLab.endpoint(vip, 5301)
        let server = NamespaceLab.endpoint(NamespaceLab.serverAddress(0, ipv6: ipv6), 5301)
        // Nobody listens on the real server's port 5301: its kernel answers port unreachable, about
        // the rewritten datagram; the client's connected socket sees ECONNREFUSED only if the
        // error arrives from the VIP quoting VIP:5301 (reference §5.6, real server side).
        let director = try LabDirector(lab, rules: "-A -u \(service) -s rr\n-a -u \(service) -r \(server) -m\n")
        let result = try lab.run(
            in: lab.client, "sh -c 'printf \"x\\n\" | timeout 6 socat -t 3 - UDP:\(service); echo status $?'")
        #expect(result.error.contains("Connection refused"), "client: \(result.output) \(result.error)")
        #expect(try director.engineCounter("packet_icmp_relayed") > 0)
        try director.stop()
    }

    @Test("persistence: direct routing, rr -p 60: every connection of the client goes to one real server")
    func persistence() throws {
        guard NamespaceLab.available() else { return }
        let lab = try NamespaceLab(mode: .directRouting, servers: 2)
        defer { lab.tearDown() }
        let director = try LabDirector(lab, rules: Self.rules("-g", persistence: "-p 60"))
        for index in 0..<2 { try lab.serve(on: index, port: 8080) }
        var answers: [String] = []
        for _ in 0..<4 { answers.append(try lab.request(NamespaceLab.vip, port: 8080)) }
        #expect(Set(answers.map { $0.prefix(3) }).count == 1, "\(answers)")
        #expect(answers.allSatisfy { $0.hasSuffix(" 10.0.0.2") }, "\(answers)")
        let connections = try director.lvsadm("-L -c -n")
        // The persistence template: client address, port 0, state ASSURED (reference §4.7, §6).
        let template = connections.split(separator: "\n").first { $0.contains(" 10.0.0.2:0 ") }
        #expect(template?.contains("ASSURED") == true, "\(connections)")
        let listing = try director.lvsadm("-L -n")
        #expect(listing.contains("persistent 60"), "\(listing)")
        try director.stop()
    }

    @Test("weight 0 drains: the open connection keeps flowing, new ones go elsewhere")
    func weightZeroDrains() throws {
        guard NamespaceLab.available() else { return }
        let lab = try NamespaceLab(mode: .masquerading, servers: 2)
        defer { lab.tearDown() }
        let director = try LabDirector(lab, rules: Self.rules("-m"))
        for index in 0..<2 { try lab.serve(on: index, port: 8080) }
        let open = try OpenConnection(lab)
        defer { open.close() }
        let (busy, idle) = try open.start()
        try director.lvsadm("-e -t \(Self.service) -r \(NamespaceLab.serverAddress(busy)):8080 -m -w 0")
        for _ in 0..<3 {
            #expect(try lab.request(NamespaceLab.vip, port: 8080).hasPrefix("rs\(idle) "))
        }
        // Still forwarded: the quiesced real server receives the open connection's next line.
        open.send("second")
        #expect(lab.waitUntil(seconds: 5) { lab.contents("rs\(busy).data").contains("second") })
        try director.stop()
    }

    @Test("thresholds: a real server at its upper threshold (-x) gets no new connections until the limit is lifted")
    func upperThreshold() throws {
        guard NamespaceLab.available() else { return }
        let lab = try NamespaceLab(mode: .masquerading, servers: 2)
        defer { lab.tearDown() }
        let director = try LabDirector(lab, rules: Self.rules("-m"))
        for index in 0..<2 { try lab.serve(on: index, port: 8080) }
        let open = try OpenConnection(lab)
        defer { open.close() }
        let (busy, idle) = try open.start()
        let busyServer = "\(NamespaceLab.serverAddress(busy)):8080"
        // Reference §4.9: at activeconns + inactconns >= u_threshold the server is overloaded.
        try director.lvsadm("-e -t \(Self.service) -r \(busyServer) -m -w 1 -x 1")
        let thresholds = try director.lvsadm("-L -n --thresholds")
        let line = thresholds.split(separator: "\n").first { $0.contains(busyServer) }
        let columns = line.map { $0.split(separator: " ") } ?? []
        #expect(columns.count == 6 && columns[2] == "1" && columns[4] == "1", "\(thresholds)")
        for _ in 0..<3 {
            #expect(try lab.request(NamespaceLab.vip, port: 8080).hasPrefix("rs\(idle) "))
        }
        // Lifted (0 = no limit): round robin reaches the busy server again.
        try director.lvsadm("-e -t \(Self.service) -r \(busyServer) -m -w 1 -x 0")
        let answers = try (0..<2).map { _ in try lab.request(NamespaceLab.vip, port: 8080) }
        #expect(answers.contains { $0.hasPrefix("rs\(busy) ") }, "\(answers)")
        try director.stop()
    }

    @Test("removal: new connections go elsewhere, the removed server's packets are dropped; re-adding revives it")
    func removalAndRevival() throws {
        guard NamespaceLab.available() else { return }
        let lab = try NamespaceLab(mode: .masquerading, servers: 2)
        defer { lab.tearDown() }
        let director = try LabDirector(lab, rules: Self.rules("-m"))
        for index in 0..<2 { try lab.serve(on: index, port: 8080) }
        let open = try OpenConnection(lab)
        defer { open.close() }
        let (busy, idle) = try open.start()
        let removed = "\(NamespaceLab.serverAddress(busy)):8080"
        try director.lvsadm("-d -t \(Self.service) -r \(removed)")
        for _ in 0..<3 {
            #expect(try lab.request(NamespaceLab.vip, port: 8080).hasPrefix("rs\(idle) "))
        }
        #expect(!(try director.lvsadm("-L -n")).contains(removed))
        // Reference §4.11: packets of the removed server's connections are dropped (counted)...
        open.send("second")
        #expect(
            try lab.waitUntil(seconds: 5) { try director.engineCounter("packet_drop_destination_unavailable") > 0 })
        #expect(!lab.contents("rs\(busy).data").contains("second"))
        // ...and re-adding the same real server revives it: the client's retransmission gets through.
        try director.lvsadm("-a -t \(Self.service) -r \(removed) -m -w 1")
        #expect(lab.waitUntil(seconds: 20) { lab.contents("rs\(busy).data").contains("second") })
        try director.stop()
    }

    @Test(
        "tunnel MTU: a full-size segment with DF gets fragmentation needed, the client lowers its path MTU",
        arguments: [false, true])
    func tooBigForTheTunnel(ipv6: Bool) throws {
        guard NamespaceLab.available() else { return }
        let lab = try NamespaceLab(mode: .tunnelling)
        defer { lab.tearDown() }
        let vip = ipv6 ? NamespaceLab.vip6 : NamespaceLab.vip
        let service = NamespaceLab.endpoint(vip, 8080)
        let server = NamespaceLab.endpoint(NamespaceLab.serverAddress(0, ipv6: ipv6), 8080)
        let director = try LabDirector(lab, rules: "-A -t \(service) -s rr\n-a -t \(service) -r \(server) -i\n")
        try lab.serve(on: 0, port: 8080, ipv6: ipv6)
        // 64 KiB: the client's segments are 1500 bytes (its MTU), the tunnel carries 1480 (1460).
        try Self.upload(lab, bytes: 65536, to: service, timeout: 15)
        #expect(try director.engineCounter("packet_drop_too_big") > 0)
        #expect(try director.engineCounter("packet_icmp_sent") > 0)
        let route = try lab.run(in: lab.client, "ip \(ipv6 ? "-6 " : "")route get \(vip)")
        #expect(route.output.contains("mtu \(ipv6 ? 1460 : 1480)"), "client route: \(route.output)")
        try director.stop()
    }

    /// Random bytes in the lab's directory, for bulk transfers.
    static func bulkFile(_ lab: NamespaceLab, _ name: String, bytes: Int) throws -> [UInt8] {
        let payload = (0..<bytes).map { _ in UInt8.random(in: 0...255) }
        try Data(payload).write(to: URL(fileURLWithPath: lab.file(name)))
        return payload
    }

    /// Sends `bytes` random bytes from the client to `service` (TCP) and expects real server 0's
    /// listener (`serve`) to have written exactly them to `rs0.data`.
    static func upload(_ lab: NamespaceLab, bytes: Int, to service: String, timeout: Int) throws {
        let payload = try bulkFile(lab, "big.bin", bytes: bytes)
        // Both directions: the listener's greeting must be read, or closing would reset the connection.
        let sent = try lab.run(
            in: lab.client,
            "sh -c 'timeout \(timeout) socat -t 4 - TCP:\(service) < \(lab.file("big.bin")) > /dev/null'")
        #expect(sent.status == 0, "client: \(sent.error)")
        // A Bool, not the arrays: a failed comparison of large arrays would be diffed for hours.
        let arrived = lab.waitUntil(seconds: 10) {
            (try? Data(contentsOf: URL(fileURLWithPath: lab.file("rs0.data")))).map { [UInt8]($0) } == payload
        }
        let size = (try? Data(contentsOf: URL(fileURLWithPath: lab.file("rs0.data"))))?.count ?? -1
        #expect(arrived, "received \(size) of \(payload.count) bytes; client: \(sent.output) \(sent.error)")
    }

    @Test(
        "bulk download through NAT: the real server's aggregates (GSO) pass whole, 4 MiB arrive intact (both rings)",
        arguments: [false, true], ["frames", "blocks"])
    func bulkDownload(ipv6: Bool, ring: String) throws {
        guard NamespaceLab.available() else { return }
        let lab = try NamespaceLab(mode: .masquerading)
        defer { lab.tearDown() }
        let vip = ipv6 ? NamespaceLab.vip6 : NamespaceLab.vip
        let service = NamespaceLab.endpoint(vip, 8080)
        let server = NamespaceLab.endpoint(NamespaceLab.serverAddress(0, ipv6: ipv6), 8080)
        let director = try LabDirector(
            lab, rules: "-A -t \(service) -s rr\n-a -t \(service) -r \(server) -m\n", ring: ring)
        let payload = try Self.bulkFile(lab, "big.bin", bytes: 4 << 20)
        try lab.start(
            in: lab.servers[0],
            ["socat", "-T", "30", "-u", "OPEN:\(lab.file("big.bin"))", "TCP\(ipv6 ? "6" : "4")-LISTEN:8080,reuseaddr"],
            name: "download")
        let listening = try lab.waitUntil(seconds: 5) {
            try lab.run(in: lab.servers[0], "ss -Hltn 'sport = :8080'").output.contains("8080")
        }
        #expect(listening)
        let fetched = try lab.run(
            in: lab.client, "timeout 20 socat -u TCP:\(service) CREATE:\(lab.file("down.bin"))")
        #expect(fetched.status == 0, "client: \(fetched.error)")
        let received = (try? Data(contentsOf: URL(fileURLWithPath: lab.file("down.bin")))).map { [UInt8]($0) } ?? []
        // A Bool, not the arrays: a failed comparison of 4 MiB arrays would be diffed for hours.
        let intact = received == payload
        #expect(intact, "received \(received.count) of \(payload.count) bytes")
        #expect(try director.engineCounter("packet_aggregates_received") > 0)
        #expect(try director.engineCounter("packet_drop_too_big") == 0)
        #expect(try director.engineCounter("packet_drop_segmentation_failed") == 0)
        // --stats counts the 4 MiB the real server sent in OutBytes (IP lengths, so a little more),
        // and the rate estimator (2-second ticks) shows the download in OutBPS.
        let stats = try director.statsColumns("TCP  \(service)")
        #expect(stats.count == 7 && (Int(stats[6]) ?? 0) > payload.count, "\(stats)")
        var rates: [Substring] = []
        let rated = try lab.waitUntil(seconds: 6) {
            rates = try director.statsColumns("TCP  \(service)", listing: "--rate")
            return rates.count == 7 && (Int(rates[6]) ?? 0) > 0
        }
        #expect(rated, "\(rates)")
        try director.stop()
    }

    @Test(
        "bulk upload, 4 MiB intact: NAT and direct routing pass the client's aggregates whole, the tunnel splits them",
        arguments: [NamespaceLab.Mode.masquerading, .directRouting, .tunnelling])
    func bulkUpload(mode: NamespaceLab.Mode) throws {
        guard NamespaceLab.available() else { return }
        let lab = try NamespaceLab(mode: mode)
        defer { lab.tearDown() }
        let option = [NamespaceLab.Mode.masquerading: "-m", .directRouting: "-g", .tunnelling: "-i"][mode]!
        let director = try LabDirector(lab, rules: Self.rules(option, weights: [1]))
        try lab.serve(on: 0, port: 8080)
        try Self.upload(lab, bytes: 4 << 20, to: Self.service, timeout: 20)
        #expect(try director.engineCounter("packet_aggregates_received") > 0)
        #expect((try director.engineCounter("packet_segments_written") > 0) == (mode == .tunnelling))
        #expect(try director.engineCounter("packet_drop_segmentation_failed") == 0)
        try director.stop()
    }
}

/// A client connection that stays open while the test changes the configuration: socat in the
/// client namespace reading its input from a pipe the test writes lines into.
final class OpenConnection {
    let lab: NamespaceLab
    let input = Pipe()
    let process: Process

    init(_ lab: NamespaceLab) throws {
        self.lab = lab
        process = try lab.start(
            in: lab.client, ["socat", "-t", "4", "-", "TCP:\(NamespaceLab.endpoint(NamespaceLab.vip, 8080))"],
            name: "open", input: input)
    }

    /// Sends the first line and returns (the real server that got the connection, the other).
    func start() throws -> (busy: Int, idle: Int) {
        send("first")
        var busy = -1
        let served = lab.waitUntil(seconds: 10) {
            busy = (0..<2).first { lab.contents("rs\($0).data").contains("first") } ?? -1
            return busy >= 0
        }
        guard served else { throw LabError("the open connection reached no real server: \(lab.contents("open.err"))") }
        return (busy, 1 - busy)
    }

    func send(_ line: String) {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    func close() {
        try? input.fileHandleForWriting.close()
    }
}
