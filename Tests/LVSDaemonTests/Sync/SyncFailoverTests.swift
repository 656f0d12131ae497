import Foundation
import Testing

/// Connection synchronisation end to end (reference §7; docs/sync.md): two lvsd directors share
/// the VIP by VRRP and follow it with `lvs_sync_daemon`; long-lived TCP connections go through
/// the master to two real servers; the master's host fails (SIGKILL, links down); the VIP moves
/// to the backup, and every connection carries on through it, byte for byte, to the same real
/// server. Without the synced entries the backup would see mid-stream segments of connections
/// it never scheduled, and they would break.
extension SyncEndToEndTests {
    @Suite("established TCP connections survive the master's crash", .serialized)
    struct Failover {
        @Test("direct routing: four connections to two real servers carry on through the backup")
        func directRouting() async throws {
            guard SyncLab.available() else { return }
            try await SyncLab.run(.directRouting) { try await Self.connectionsSurvive($0) }
        }

        @Test("masquerading: the real servers' gateway VIP moves with the sync group, the connections carry on")
        func masquerading() async throws {
            guard SyncLab.available() else { return }
            try await SyncLab.run(.masquerading) { try await Self.connectionsSurvive($0) }
        }

        @Test("tunnelling: the decapsulating real servers keep their connections through the backup")
        func tunnelling() async throws {
            guard SyncLab.available() else { return }
            try await SyncLab.run(.tunnelling) { try await Self.connectionsSurvive($0) }
        }

        static let port = 8080

        /// Four connections through A; B holds their entries; A crashes; each connection gets at
        /// least 20 more lines answered through B, then ends with every line answered in order by
        /// the real server it started with.
        static func connectionsSurvive(_ sync: SyncLab) async throws {
            let begin = ContinuousClock.now
            let (a, b) = try await sync.startDirectors(services: [SyncLab.VirtualService(port: port)])
            let clients = try (1...4).map { try SyncLabLineClient("c\($0)", lab: sync.lab, port: port) }
            for client in clients { try await client.expectAnswers(through: 5, within: 30, step: "through A") }

            // Every connection is ESTABLISHED on A, and B holds the same entries (same client port,
            // same real server) from A's sync messages.
            let virtual = "\(SyncLab.vip):\(port)"
            let onA = try await sync.connections("A").filter { $0.virtual == virtual && $0.state == "ESTABLISHED" }
            try #require(onA.count == 4, "A's entries: \(onA)")
            let expected = Set(onA.map(\.flow))
            var onB: [SyncLabEntry] = []
            let synced = await sync.lab.poll(within: 20) {
                onB = try await sync.connections("B").filter { $0.state == "ESTABLISHED" }
                return expected.isSubset(of: Set(onB.map(\.flow)))
            }
            try #require(synced, "B's entries \(onB) lack some of A's \(onA)")
            #expect(
                Set(onA.map(\.destination)).count == 2, "rr should spread 4 connections over both real servers: \(onA)")

            let marks = clients.map(\.written)
            try await sync.crash(a, takeoverBy: b)
            let takeover = VRRPLabSteps.seconds(ContinuousClock.now - begin)
            for (client, mark) in zip(clients, marks) {
                try await client.expectAnswers(through: mark + 20, within: 60, step: "through B")
            }
            for client in clients { client.stop() }
            for client in clients { try await client.expectExit() }

            var servers: [String] = []
            for client in clients { servers.append(try client.expectWholeStream()) }
            #expect(Set(servers) == ["R1", "R2"], "the connections' real servers: \(servers)")
            // Each connection stayed with the real server A chose (R1 is 10.98.0.11, R2 .12).
            let chosen = onA.sorted { $0.clientPort < $1.clientPort }.map {
                $0.destination.hasPrefix("10.98.0.11:") ? "R1" : "R2"
            }
            #expect(chosen.sorted() == servers.sorted(), "A chose \(chosen), the clients were answered by \(servers)")
            // B forwarded the rest of the connections and scheduled none of them itself: every
            // packet it forwarded followed a synced entry.
            let statistics = try await sync.serviceStatistics("B", port: port)
            #expect(statistics.connections == 0, "B scheduled \(statistics.connections) connections itself")
            #expect(statistics.inPackets > 0, "B forwarded nothing")
            print(
                "SyncFailover [\(sync.method.rawValue)]: takeover after \(String(format: "%.1f", takeover)) s;"
                    + " lines per connection \(clients.map(\.written)); servers \(servers)")
        }

        /// The director that served while the master was away hands the connections it holds back
        /// to the master that returns (IPVS loses those established meanwhile): on leaving MASTER
        /// it sends its whole table, and the returning master, which keeps its backup daemon,
        /// takes it in before the connections' next segments arrive.
        @Test("a returning master takes back the connections established while it was away")
        func returningMasterIsResynchronised() async throws {
            guard SyncLab.available() else { return }
            try await SyncLab.run(.directRouting) { sync in
                // Threshold 3, period 0: an entry is sent once, at its third packet, so only the
                // whole table B sends when it steps down can give A the connections it missed.
                let (a, b) = try await sync.startDirectors(
                    services: [SyncLab.VirtualService(port: Self.port)], extraArguments: ["--sync-threshold", "3,0"])
                try await sync.crash(a, takeoverBy: b)
                // Established through B while A is down: only B knows them.
                let clients = try (1...4).map { try SyncLabLineClient("r\($0)", lab: sync.lab, port: Self.port) }
                for client in clients { try await client.expectAnswers(through: 5, within: 30, step: "through B") }
                let onB = try await sync.connections("B").filter { $0.state == "ESTABLISHED" }
                try #require(onB.count == 4, "B's entries: \(onB)")
                // B has sent them (its partly filled message leaves within 2 s) while A was down.
                let sent = await sync.lab.poll(within: 15) { try await sync.masterMessagesSent("B") >= 1 }
                try #require(sent, "B's master daemon sent nothing")

                // A comes back (links up, lvsd restarted) and preempts: B leaves MASTER.
                try await sync.lab.ip(sync.lab.a, "link set eth0 up")
                try await sync.lab.ip(sync.lab.a, "link set eth1 up")
                try await a.start()
                let back = await a.waitForState(
                    "MASTER", of: "VI_1", within: SyncLab.timing.masterDown(priority: 100) + 30)
                try #require(back, "A did not take the VIP back:\n\(a.log)")
                let stepDown = await sync.lab.poll(within: 20) { b.log.contains("sync: sent a snapshot of") }
                #expect(stepDown, "B sent no snapshot when it left MASTER:\n\(b.log)")
                var onA: [SyncLabEntry] = []
                let handed = await sync.lab.poll(within: 20) {
                    onA = try await sync.connections("A").filter { $0.state == "ESTABLISHED" }
                    return Set(onB.map(\.flow)).isSubset(of: Set(onA.map(\.flow)))
                }
                try #require(handed, "A's entries \(onA) lack some of B's \(onB)")

                let marks = clients.map(\.written)
                for (client, mark) in zip(clients, marks) {
                    try await client.expectAnswers(through: mark + 20, within: 60, step: "through A again")
                }
                for client in clients { client.stop() }
                for client in clients { try await client.expectExit() }
                for client in clients { _ = try client.expectWholeStream() }
                // A forwarded the rest and scheduled none of them itself.
                let statistics = try await sync.serviceStatistics("A", port: Self.port)
                #expect(statistics.connections == 0, "A scheduled \(statistics.connections) connections itself")
                #expect(statistics.inPackets > 0, "A forwarded nothing")
            }
        }
    }
}
