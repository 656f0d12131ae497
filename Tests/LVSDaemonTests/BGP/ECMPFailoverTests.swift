import Foundation
import Testing

/// Established connections survive a director change: two directors run the packet engine by
/// direct routing behind ECMP, one leaves, and the connections the router moves to the other
/// keep their real server (docs/scale-out.md, docs/design/0031-active-active-dr.md).
@Suite(.serialized) struct ECMPFailoverTests {
    /// How the surviving director knows the moved flows, and how the other leaves.
    struct Case: CustomTestStringConvertible, Sendable {
        var sync: Bool
        var sloppyTCP: Bool
        var kill: Bool
        /// Sync from `lvs_sync_daemon` in the configuration instead of `lvsadm --start-daemon`.
        var syncInConfiguration = false
        var testDescription: String {
            [
                sync ? (syncInConfiguration ? "sync (lvs_sync_daemon)" : "sync") : nil,
                sloppyTCP ? "sloppy TCP + mh" : nil, kill ? "SIGKILL" : "clean stop",
            ]
            .compactMap { $0 }.joined(separator: ", ")
        }
    }

    static let connections = 300

    @Test(
        .timeLimit(.minutes(3)),
        arguments: [
            Case(sync: true, sloppyTCP: false, kill: true),
            Case(sync: false, sloppyTCP: true, kill: false),
            Case(sync: false, sloppyTCP: false, kill: true),
        ])
    func establishedConnectionsKeepTheirRealServer(_ scenario: Case) async throws {
        guard ECMPLab.available() else { return }
        try await ECMPLab.run(engine: .directRouting) { lab in
            let hops = ["10.201.1.2", "10.201.2.2"]
            let (leaving, _, moved) = try await Self.startSpread(lab, scenario, marks: 1)

            // One director leaves; the router withdraws its next hop; its flows move.
            kill(leaving.processIdentifier, scenario.kill ? SIGKILL : SIGTERM)
            let withdrawn = try #require(
                await lab.waitForNextHops([hops[1]], within: 10), "the leaving director's route was not withdrawn")
            try lab.markChange()
            let results = try #require(await lab.clientResults(within: 20), "the client wrote no results")
            try #require(results.count == Self.connections)

            let continued = results.filter(\.continued)
            let movedContinued = continued.filter { moved.contains($0.sourcePort) }.count
            let share = Double(continued.count) / Double(results.count)
            print(
                "ECMP DR failover (\(scenario.testDescription)): withdrawn after \(withdrawn), "
                    + "\(continued.count)/\(results.count) connections continued on their real server "
                    + "(moved: \(movedContinued)/\(moved.count))")
            for broken in results.filter({ !$0.continued }).prefix(5) { print("  not continued: \(broken)") }
            if scenario.sync || scenario.sloppyTCP {
                #expect(share >= 0.999, "\(continued.count) of \(results.count) continued")
            } else {
                // The control: a director that neither got the entry nor may create one drops
                // the moved flows' segments, while the flows that stayed go on.
                #expect(movedContinued == 0, "\(movedContinued) moved flows continued without sync or sloppy TCP")
                #expect(continued.count == results.count - moved.count, "\(continued.count) continued")
            }
            #expect(results.allSatisfy { $0.answersBefore >= 3 })
            #expect(Set(results.map(\.realServer)) == ["rs1", "rs2"])
        }
    }

    /// The director comes back: the router moves part of the flows back to it (hash-threshold),
    /// and those must keep their real server too. With sync alone the returning director knows
    /// them only because its master's start announcement makes the peer send a snapshot
    /// (docs/design/0031); sloppy TCP + mh needs no entry (measured in docs/scale-out.md).
    @Test(
        .timeLimit(.minutes(3)),
        arguments: [Case(sync: true, sloppyTCP: false, kill: true, syncInConfiguration: true)])
    func connectionsKeepTheirRealServerWhenTheDirectorReturns(_ scenario: Case) async throws {
        guard ECMPLab.available() else { return }
        try await ECMPLab.run(engine: .directRouting) { lab in
            let hops = ["10.201.1.2", "10.201.2.2"]
            let (leaving, ports, _) = try await Self.startSpread(lab, scenario, marks: 2)
            kill(leaving.processIdentifier, scenario.kill ? SIGKILL : SIGTERM)
            try #require(await lab.waitForNextHops([hops[1]], within: 10) != nil, "route not withdrawn")
            try lab.markChange(1)
            // Pacing only: let the moved flows carry a few answers on the remaining director.
            try await Task.sleep(for: .seconds(2))
            try await lab.forgetFlows(of: 0)
            _ = try await lab.startDirectRoutingDirector(
                0, sloppyTCP: scenario.sloppyTCP, syncInConfiguration: scenario.syncInConfiguration)
            if scenario.sync && !scenario.syncInConfiguration { try lab.startActiveActiveSync(0) }
            try #require(await lab.waitForNextHops(hops, within: 30) != nil, "the director's route did not return")
            try lab.markChange(2)
            let results = try #require(await lab.clientResults(within: 20), "the client wrote no results")
            try #require(results.count == Self.connections)
            let back = try await lab.flowsForwarded(to: 0).intersection(ports)
            let continued = results.filter(\.continuedBack)
            print(
                "ECMP DR director returns (\(scenario.testDescription)): "
                    + "\(continued.count)/\(results.count) connections continued on their real server "
                    + "(moved back: \(continued.filter { back.contains($0.sourcePort) }.count)/\(back.count))")
            for broken in results.filter({ !$0.continuedBack }).prefix(5) { print("  not continued: \(broken)") }
            #expect(back.count >= Self.connections / 5, "\(back.count) flows moved back")
            #expect(Double(continued.count) / Double(results.count) >= 0.999)
        }
    }

    /// Starts the router, the real servers, both directors (and their sync daemons) and the
    /// client's long-lived connections; returns the director that will leave, the connections'
    /// source ports and those the router sent to the leaving director.
    static func startSpread(_ lab: ECMPLab, _ scenario: Case, marks: Int) async throws -> (
        leaving: Process, ports: [Int], moved: Set<Int>
    ) {
        try lab.startRouter()
        _ = try lab.startEchoServer(0)
        _ = try lab.startEchoServer(1)
        let leaving = try await lab.startDirectRoutingDirector(
            0, sloppyTCP: scenario.sloppyTCP, syncInConfiguration: scenario.syncInConfiguration)
        _ = try await lab.startDirectRoutingDirector(
            1, sloppyTCP: scenario.sloppyTCP, syncInConfiguration: scenario.syncInConfiguration)
        if scenario.sync && !scenario.syncInConfiguration {
            try lab.startActiveActiveSync(0)
            try lab.startActiveActiveSync(1)
        }
        try #require(
            await lab.waitForNextHops(["10.201.1.2", "10.201.2.2"], within: 30) != nil,
            "the router did not learn the VIP from both")
        try await lab.recordFlowsPerDirector()

        // Long-lived connections spread over both directors by the router's L4 hash.
        _ = try lab.startLongLivedClient(count: connections, period: 0.25, after: 4, marks: marks, limit: 55)
        let ports = try #require(await lab.waitForClientReady(within: 20), "the client did not get ready")
        try #require(ports.count == connections, "\(ports.count) of \(connections) connected")
        let moved = try await lab.flowsForwarded(to: 0).intersection(ports)
        #expect(try await lab.flowsForwarded(to: 1).intersection(moved).isEmpty)
        #expect(moved.count >= connections / 5, "\(moved.count) flows on the leaving director")
        #expect(moved.count <= connections * 4 / 5, "\(moved.count) flows on the leaving director")
        if scenario.sync {
            // Each director's backup holds the other's entries: both list every connection.
            let synced = await lab.poll(within: 15) {
                lab.establishedEntries(0) >= connections && lab.establishedEntries(1) >= connections
            }
            #expect(synced, "entries: \(lab.establishedEntries(0)), \(lab.establishedEntries(1))")
        }
        return (leaving, ports, moved)
    }
}
