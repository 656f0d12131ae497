import Foundation
import Testing

extension SyncEndToEndTests {
    /// UDP flows and persistence templates across the master's crash (reference §7.2: UDP has no
    /// state rule; a template is sent with the connection it controls), direct routing.
    @Suite("UDP flows and persistence templates survive the master's crash", .serialized)
    struct Flows {
        @Test("a UDP flow from one socket carries on through the backup to the same real server")
        func udpFlows() async throws {
            guard SyncLab.available() else { return }
            try await SyncLab.run(.directRouting) { sync in
                let service = SyncLab.VirtualService(port: 5353, protocolName: "UDP")
                let (a, b) = try await sync.startDirectors(services: [service])
                // Two flows from two sockets: rr gives them different real servers.
                let flows = try (1...2).map {
                    try SyncLabLineClient("u\($0)", lab: sync.lab, protocolName: "UDP", port: service.port)
                }
                for flow in flows { try await flow.expectAnswers(through: 5, within: 30, step: "through A") }
                let virtual = "\(SyncLab.vip):\(service.port)"
                let onA = try await sync.connections("A").filter { $0.virtual == virtual }
                try #require(onA.count == 2, "A's entries: \(onA)")
                var onB: [SyncLabEntry] = []
                let synced = await sync.lab.poll(within: 20) {
                    onB = try await sync.connections("B")
                    return Set(onA.map(\.flow)).isSubset(of: Set(onB.map(\.flow)))
                }
                try #require(synced, "B's entries \(onB) lack some of A's \(onA)")

                let marks = flows.map(\.written)
                try await sync.crash(a, takeoverBy: b)
                // The flows resume through B (what was sent before B held the VIP is lost), then
                // 20 more lines each.
                for (flow, mark) in zip(flows, marks) {
                    try await flow.expectAnswers(through: mark + 1, within: 60, step: "resuming through B")
                    try await flow.expectAnswers(through: flow.written + 20, within: 60, step: "through B")
                }
                for flow in flows { flow.stop() }
                for flow in flows { try await flow.expectExit() }
                var servers: [String] = []
                for (flow, mark) in zip(flows, marks) {
                    servers.append(try flow.expectDatagramFlow(resumedAfter: mark, minimum: 20))
                }
                #expect(Set(servers) == ["R1", "R2"], "the flows' real servers: \(servers)")
                // B scheduled neither flow: the datagrams it forwarded followed the synced entries.
                let statistics = try await sync.serviceStatistics("B", port: service.port, protocolName: "UDP")
                #expect(statistics.connections == 0, "B scheduled \(statistics.connections) flows itself")
                #expect(statistics.inPackets > 0, "B forwarded nothing")
            }
        }

        @Test(
            "persistence: a client reconnecting after the takeover reaches its real server through the synced template")
        func persistence() async throws {
            guard SyncLab.available() else { return }
            try await SyncLab.run(.directRouting) { sync in
                let service = SyncLab.VirtualService(port: 8081, persistence: 300)
                let (a, b) = try await sync.startDirectors(services: [service])
                // Client .4 first, then .3: rr gives them different real servers on A. B's rr
                // starts where A's did, so without the templates B would give .3 the server
                // that .4 got on A.
                let first = try await Self.answer(from: "10.99.0.4", sync: sync, port: service.port)
                let second = try await Self.answer(from: "10.99.0.3", sync: sync, port: service.port)
                try #require(first != second, "rr gave both clients \(first)")

                var templates: [SyncLabEntry] = []
                let synced = await sync.lab.poll(within: 20) {
                    templates = try await sync.connections("B").filter { $0.isTemplate }
                    return Set(templates.map(\.clientAddress)) == ["10.99.0.3", "10.99.0.4"]
                }
                try #require(synced, "B's templates: \(templates)")

                try await sync.crash(a, takeoverBy: b)
                // .3 first: the server its template names, not the first rr would give.
                let again = try await Self.answer(from: "10.99.0.3", sync: sync, port: service.port, retrying: true)
                #expect(again == second, "10.99.0.3 went to \(again) after the takeover, to \(second) before")
                for _ in 0..<2 {
                    let later = try await Self.answer(from: "10.99.0.4", sync: sync, port: service.port)
                    #expect(later == first, "10.99.0.4 went to \(later) after the takeover, to \(first) before")
                    let more = try await Self.answer(from: "10.99.0.3", sync: sync, port: service.port)
                    #expect(more == second, "10.99.0.3 went to \(more) after the takeover, to \(second) before")
                }
            }
        }

        /// One short connection from `source` (a new source port each time): the name of the
        /// real server that answered. `retrying`: until one is answered (bounded), while the
        /// client's neighbour entry for the VIP may still point at the dead director.
        static func answer(from source: String, sync: SyncLab, port: Int, retrying: Bool = false) async throws -> String
        {
            let socat = try #require(VRRPLab.tool("socat"))
            let command =
                "echo hello | ip netns exec \(sync.lab.observer) timeout 10 \(socat) -t 5 -T 5 -"
                + " TCP:\(SyncLab.vip):\(port),bind=\(source),connect-timeout=3 2>&1"
            var last = ""
            let answered = await sync.lab.poll(within: retrying ? 60 : 0) {
                last = try await VRRPLab.shell(command).output.trimmingCharacters(in: .whitespacesAndNewlines)
                return last.hasSuffix("-hello")
            }
            try #require(answered, "no answer from \(SyncLab.vip):\(port) for \(source): \(last)")
            return String(last.prefix { $0 != "-" })
        }
    }
}
