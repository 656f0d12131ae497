import Foundation
import Testing

/// IPVS's drop_packet defence end to end (reference §4.12): the built `lvsd --packet-engine`
/// with `--drop-packet 3 --am-droprate 4` in the selftest topology, a masquerading service and
/// a real server answering every connection.
@Suite("packet engine in network namespaces: the defences", .serialized)
struct DefenceNamespaceTests {
    @Test("drop_packet 3, rate 4: every 4th SYN dropped and counted; every connection served after its retransmission")
    func dropPacketAlways() throws {
        guard NamespaceLab.available() else { return }
        let lab = try NamespaceLab(mode: .masquerading)
        defer { lab.tearDown() }
        let service = NamespaceLab.endpoint(NamespaceLab.vip, 8080)
        let rules = "-A -t \(service) -s rr\n-a -t \(service) -r \(NamespaceLab.serverAddress(0)):8080 -m -w 1\n"
        let director = try LabDirector(lab, rules: rules, extra: ["--drop-packet", "3", "--am-droprate", "4"])
        try lab.serve(on: 0, port: 8080)
        var answers: [String] = []
        for n in 0..<12 { answers.append(try lab.request(NamespaceLab.vip, port: 8080, payload: "c\(n)")) }
        #expect(answers.allSatisfy { $0.hasPrefix("rs0 ") }, "\(answers)")
        // 12 connections, one SYN each plus one retransmission per dropped SYN: SYNs 4, 8 and
        // 12 of the 15 are dropped (a 16th only if the client retransmitted once more).
        let dropped = try director.engineCounter("director_dropped_drop_packet")
        let stats = try director.lvsadm("--engine-stats")
        #expect((3...4).contains(dropped), "\(stats)")
        #expect(try director.engineCounter("packet_drop_defence") == dropped)
        #expect(try director.engineCounter("director_drop_packet_mode") == 3)
        #expect(try director.engineCounter("director_drop_rate") == 4)
        // Each connection was scheduled once, by its SYN that got through.
        #expect(try director.statsColumns("TCP  \(service)").dropFirst(2).first == "12")
        try director.stop()
    }
}
