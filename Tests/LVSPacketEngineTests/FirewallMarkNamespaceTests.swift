import Foundation
import Testing

/// Firewall-mark services (reference §4.7) end to end: the operator's own nftables mangle rule
/// marks the packets, the VIP is an address of the director (as IPVS requires: it sees marked
/// packets at LOCAL_IN), and `lvsd` serves `-f MARK` with the packet engine.
@Suite("packet engine in network namespaces: firewall-mark services", .serialized)
struct FirewallMarkNamespaceTests {
    /// The operator's side: the VIPs on the director's lo and a mangle rule marking TCP 8080 and
    /// 8081 to the VIP with mark 1 (IPv4) and to the IPv6 VIP with mark 2.
    static func markTraffic(_ lab: NamespaceLab) throws {
        let script = """
            set -e
            ip -n \(lab.director) addr add \(NamespaceLab.vip)/32 dev lo
            ip -n \(lab.director) addr add \(NamespaceLab.vip6)/128 dev lo nodad
            ip netns exec \(lab.director) nft -f - <<'EOF'
            table inet operator_mangle {
              chain prerouting {
                type filter hook prerouting priority mangle; policy accept;
                ip daddr \(NamespaceLab.vip) tcp dport { 8080, 8081 } meta mark set 1
                ip daddr \(NamespaceLab.vip) udp dport 5300 meta mark set 1
                ip6 daddr \(NamespaceLab.vip6) tcp dport 8090 meta mark set 2
              }
            }
            EOF
            """
        let result = try NamespaceLab.shell(script)
        guard result.status == 0 else { throw LabError("marking: \(result.error)") }
    }

    @Test("NAT: one mark for two ports with persistence; each client sticks to one real server across both ports")
    func masqueradingTwoPortsPersistent() throws {
        guard NamespaceLab.available() else { return }
        let lab = try NamespaceLab(mode: .masquerading, servers: 2)
        defer { lab.tearDown() }
        try Self.markTraffic(lab)
        var rules = "-A -f 1 -s rr -p 60\n"
        rules += "-A -f 2 -6 -s rr\n"
        for index in 0..<2 {
            // Port 0: the packet keeps its destination port (reference §4.7).
            rules += "-a -f 1 -r \(NamespaceLab.serverAddress(index)):0 -m -w 1\n"
            rules += "-a -f 2 -6 -r [\(NamespaceLab.serverAddress(index, ipv6: true))]:0 -m -w 1\n"
        }
        let director = try LabDirector(lab, rules: rules)
        for index in 0..<2 {
            try lab.serve(on: index, port: 8080)
            try lab.serve(on: index, port: 8081)
            try lab.serve(on: index, port: 5300, udp: true)
            try lab.serve(on: index, port: 8090, ipv6: true)
        }
        var answers: [String] = []
        for port in [8080, 8081, 8080, 8081] { answers.append(try lab.request(NamespaceLab.vip, port: port)) }
        answers.append(try lab.request(NamespaceLab.vip, port: 5300, udp: true))
        let engine = try director.lvsadm("--engine-stats")
        // Persistent by mark: one template for the client, whatever the port or protocol.
        let servers = Set(answers.map { String($0.prefix(3)) })
        #expect(servers.count == 1 && (servers.first == "rs0" || servers.first == "rs1"), "\(answers)\n\(engine)")
        #expect(answers.allSatisfy { $0.hasSuffix(" 10.0.0.2") }, "\(answers)")
        // IPv6, not persistent: round robin over two connections.
        let six = try (0..<2).map { _ in try lab.request(NamespaceLab.vip6, port: 8090) }
        let debug = try lab.run(in: lab.director, "nft list ruleset; ip -6 addr; ip -6 route").output
        #expect(Set(six.map { String($0.prefix(3)) }) == ["rs0", "rs1"], "\(six)\n\(debug)")
        let listing = try director.lvsadm("-L -n")
        #expect(listing.contains("FWM  1 rr persistent 60"), "\(listing)")
        #expect(listing.contains("FWM  2 IPv6 rr"), "\(listing)")
        let connections = try director.lvsadm("-L -n -c")
        #expect(connections.contains("\(NamespaceLab.vip):8081"), "\(connections)")
        #expect(try director.engineCounter("packet_marked_received") >= 10, "\(engine)")
        #expect(try director.engineCounter("packet_drop_bad_checksum") == 0, "\(engine)")
        // Unmarked traffic to the VIP stays the kernel's: nothing listens on 9000, so a reset.
        let other = try lab.run(in: lab.client, "timeout 5 socat -u - TCP:\(NamespaceLab.vip):9000 </dev/null")
        #expect(other.error.contains("Connection refused"), "\(other.error)")
        try director.stop()
        let tables = try lab.run(in: lab.director, "nft list tables")
        #expect(tables.output.contains("operator_mangle"), "the operator's table stays: \(tables.output)")
    }

    @Test("direct routing: a 1 MiB upload (the client's aggregates, split by the engine) arrives whole")
    func directRouting() throws {
        guard NamespaceLab.available() else { return }
        let lab = try NamespaceLab(mode: .directRouting)
        defer { lab.tearDown() }
        try Self.markTraffic(lab)
        let rules = "-A -f 1 -s rr\n-a -f 1 -r \(NamespaceLab.serverAddress(0)):0 -g -w 1\n"
        let director = try LabDirector(lab, rules: rules)
        try lab.serve(on: 0, port: 8080)
        try PacketEngineScenarioTests.upload(
            lab, bytes: 1 << 20, to: NamespaceLab.endpoint(NamespaceLab.vip, 8080), timeout: 30)
        let answer = try lab.request(NamespaceLab.vip, port: 8080)
        let engine = try director.lvsadm("--engine-stats")
        #expect(answer == "rs0 10.0.0.2", "\(engine)")
        #expect(try director.engineCounter("packet_marked_received") > 0, "\(engine)")
        #expect(try director.engineCounter("packet_drop_bad_checksum") == 0, "\(engine)")
        try director.stop()
    }
}
