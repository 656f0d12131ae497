import Foundation
import Testing

/// SIP calls through the packet engine in namespaces with SIPp (Debian `sip-tester`): one UAC
/// places 40 calls from 10.0.0.2:5070 (`-t u1`), two UAS answer as real servers of a
/// `-o -p --pe sip` UDP service (reference §4.14, §4.9). Direct routing: the UAS are bound to the
/// VIP and answer the client straight. Masquerading: the UAS are bound to their own addresses;
/// their answers match no entry (the one-packet entries are gone), so the director creates one
/// for each under the call's template (IPVS's SIP `conn_out`) and masquerades it to VIP:5060.
@Suite("packet engine in network namespaces: SIP calls (sipp)", .serialized)
struct SIPNamespaceTests {
    static let calls = 40
    static let service = NamespaceLab.endpoint(NamespaceLab.vip, 5060)

    /// Call-ID → the request methods a UAS's message log (`-trace_msg`) shows it received.
    static func receivedRequests(_ log: String) -> [String: Set<String>] {
        var calls: [String: Set<String>] = [:]
        for block in log.components(separatedBy: "message received") {
            // SIP lines end in CRLF, one Character in Swift: split on any newline.
            let lines = block.split(whereSeparator: \.isNewline).map {
                $0.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard let start = lines.firstIndex(where: { $0.hasSuffix("bytes :") }), start + 1 < lines.count else {
                continue
            }
            let method = String(lines[start + 1].prefix { $0 != " " })
            guard method != "SIP/2.0",
                let header = lines[(start + 1)...].first(where: { $0.lowercased().hasPrefix("call-id:") })
            else { continue }
            calls[header.dropFirst("call-id:".count).trimmingCharacters(in: .whitespaces), default: []].insert(method)
        }
        return calls
    }

    @Test("DR, -o -p --pe sip: every call completes, sticks to one UAS, and the calls split 40–60 %")
    func callsThroughDirectRouting() throws {
        try Self.calls(through: .directRouting)
    }

    @Test("NAT, -o -p --pe sip: the UAS answers are masqueraded, every call completes and sticks, 40–60 %")
    func callsThroughMasquerading() throws {
        try Self.calls(through: .masquerading)
    }

    static func calls(through mode: NamespaceLab.Mode) throws {
        guard NamespaceLab.available() else { return }
        guard let sipp = NamespaceLab.which("sipp") else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("CI=true: the SIP namespace test needs sipp (apt-get install sip-tester)")
            }
            return
        }
        let lab = try NamespaceLab(mode: mode, servers: 2)
        defer { lab.tearDown() }
        let method = mode == .masquerading ? "-m" : "-g"
        var rules = "-A -u \(Self.service) -s rr -p 60 -o --pe sip\n"
        for index in 0..<2 { rules += "-a -u \(Self.service) -r \(NamespaceLab.serverAddress(index)):5060 \(method)\n" }
        let director = try LabDirector(lab, rules: rules)
        for index in 0..<2 {
            // Direct routing: the UAS answers from the VIP; NAT: from its own address.
            let address = mode == .masquerading ? NamespaceLab.serverAddress(index) : NamespaceLab.vip
            try lab.start(
                in: lab.servers[index],
                [
                    sipp, "-sn", "uas", "-i", address, "-p", "5060", "-t", "u1", "-nostdin", "-trace_msg",
                    "-message_file", lab.file("uas\(index).msg"), "-timeout", "120s",
                ], name: "uas\(index)")
            let listening = try lab.waitUntil(seconds: 10) {
                try lab.run(in: lab.servers[index], "ss -Hlun 'sport = :5060'").output.contains("5060")
            }
            #expect(listening, "uas\(index): \(lab.contents("uas\(index).err"))")
        }
        // Bounded: 40 calls at 20 per second, at most 10 at once, 90 s global timeout.
        let uac = try lab.run(
            in: lab.client,
            "timeout 100 \(sipp) -sn uac \(Self.service) -i 10.0.0.2 -p 5070 -t u1 -nostdin -m \(Self.calls) "
                + "-r 20 -l 10 -timeout 90s -timeout_error -trace_stat -stf \(lab.file("uac.csv")) "
                + "</dev/null >\(lab.file("uac.out")) 2>\(lab.file("uac.err"))")
        let engine = try director.lvsadm("--engine-stats")
        #expect(uac.status == 0, "sipp uac: \(lab.contents("uac.err"))\n\(engine)")
        let stats = lab.contents("uac.csv").split(whereSeparator: \.isNewline)
        let header = stats.first.map { $0.split(separator: ";").map(String.init) } ?? []
        let row = stats.last.map { $0.split(separator: ";", omittingEmptySubsequences: false).map(String.init) } ?? []
        if let column = header.firstIndex(of: "SuccessfulCall(C)"), column < row.count {
            #expect(row[column] == String(Self.calls), "\(row)")
        } else {
            Issue.record("no SuccessfulCall(C) in sipp's statistics: \(stats)")
        }
        let perServer = (0..<2).map { Self.receivedRequests(lab.contents("uas\($0).msg")) }
        let first = Set(perServer[0].keys)
        let second = Set(perServer[1].keys)
        #expect(first.isDisjoint(with: second), "calls split between servers: \(first.intersection(second))")
        #expect(first.count + second.count == Self.calls, "\(first.count) + \(second.count)")
        for server in perServer {
            for (callID, methods) in server {
                #expect(methods.isSuperset(of: ["INVITE", "ACK", "BYE"]), "\(callID): \(methods)")
            }
        }
        let share = Double(first.count) / Double(max(first.count + second.count, 1))
        #expect((0.4...0.6).contains(share), "first real server's share \(share)")
        let templates = try director.lvsadm("-L -n -c --persistent-conn")
        let sipTemplates = templates.split(whereSeparator: \.isNewline).filter {
            $0.split(separator: " ").contains("sip")
        }
        #expect(sipTemplates.count == Self.calls, "\(templates)")
        try director.stop()
    }
}
