import Foundation
import Testing

@testable import LVSCore

/// The ECMP simulation's figures hold their shape (docs/scale-out.md). With
/// `LVS_SIMULATION=full` (scripts/ecmp-simulation) it prints the whole table instead of a
/// small case.
@Suite struct ECMPSimulationTests {
    @Test func aDirectorLeavingKeepsEveryFlowOnItsRealServer() {
        let simulation = ECMPSimulation(directors: 3, realServers: 10, flows: 20_000)
        let outcome = simulation.directorLeaves()
        #expect(outcome.keptRealServer == 1)
        // Hash-threshold moves the leaving director's third and part of the others' ranges.
        #expect(outcome.movedDirector > 0.3 && outcome.movedDirector < 0.7)
        let inconsistent = simulation.directorLeavesWithoutConsistentHashing()
        #expect(inconsistent.keptRealServer < 0.7)
    }

    @Test func aRealServerLeavingMovesLittleMoreThanItsOwnFlows() {
        let simulation = ECMPSimulation(directors: 3, realServers: 10, flows: 20_000)
        #expect(simulation.realServerLeaves(inhibit: true).keptRealServer == 1)
        let removed = simulation.realServerLeaves(inhibit: false).keptRealServer
        #expect(removed > 0.9 && removed < 1, "\(removed)")
    }

    @Test func directorsWithListsInAnotherOrderDisagreeOnAFewFlows() {
        // Maglev's permutations are per real server: the order only decides who wins a
        // contended slot, so a few flows change, not most.
        let same = ECMPSimulation(directors: 2, realServers: 10, flows: 20_000).directorsDisagreeOnOrder()
        #expect(same > 0.9 && same < 1, "\(same)")
    }

    @Test func fullTable() {
        guard Environment.full else { return }
        var lines = [
            "| N directors | M real servers | director leaves: flows moved / kept RS (mh) | kept RS (per-director scheduler) "
                + "| RS removed: others' flows kept | RS inhibited + mh-fallback | lists in another order: same RS "
                + "| table share max / min |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for directors in [2, 3, 4, 8, 16] {
            for realServers in [10, 100, 1000] {
                let s = ECMPSimulation(directors: directors, realServers: realServers, flows: 100_000)
                let leave = s.directorLeaves()
                let inconsistent = s.directorLeavesWithoutConsistentHashing()
                let removed = s.realServerLeaves(inhibit: false)
                let inhibited = s.realServerLeaves(inhibit: true)
                let order = s.directorsDisagreeOnOrder()
                let balance = s.tableBalance()
                typealias O = ECMPSimulation.Outcome
                lines.append(
                    "| \(directors) | \(realServers) | \(O.percent(leave.movedDirector)) / \(O.percent(leave.keptRealServer)) "
                        + "| \(O.percent(inconsistent.keptRealServer)) | \(O.percent(removed.keptRealServer)) "
                        + "| \(O.percent(inhibited.keptRealServer)) | \(O.percent(order)) "
                        + "| \(O.percent(balance.max)) / \(O.percent(balance.min)) |")
            }
        }
        print(lines.joined(separator: "\n"))
    }
}

private enum Environment {
    static var full: Bool { ProcessInfo.processInfo.environment["LVS_SIMULATION"] == "full" }
}
