import LVSCore
import Testing

@testable import LVSVRRP

@Suite struct VRRPScriptTrackerTests {
    typealias Tracker = VRRPScriptTracker

    /// Runs the tracker over one result per interval; returns the status changes seen.
    static func replay(_ configuration: Tracker.Configuration, _ exits: [Int32]) -> [Bool?] {
        var tracker = Tracker(configuration: configuration, now: .zero)
        var changes: [Bool?] = []
        for (index, status) in exits.enumerated() {
            let now = MonotonicInstant.seconds(UInt64(index))
            guard case .run(let run) = tracker.timerFired(now: now).first else {
                Issue.record("no run at \(index)")
                return changes
            }
            let actions = tracker.resultReceived(
                runNumber: run, .exited(status: status), now: now.adding(nanoseconds: 1))
            if case .statusChanged(_, let isOK) = actions.first { changes.append(isOK) } else { changes.append(nil) }
        }
        return changes
    }

    struct Row: Sendable, CustomStringConvertible {
        var note: String
        var rise = 1
        var fall = 1
        var initFail = false
        var exits: [Int32]
        var changes: [Bool?]
        var description: String { note }
    }

    static let rows: [Row] = [
        Row(note: "first success is enough", rise: 3, exits: [0, 0], changes: [true, nil]),
        Row(note: "first failure reports failed", rise: 3, exits: [1, 1], changes: [false, nil]),
        Row(note: "fall 2 needs two failures", fall: 2, exits: [0, 1, 1, 0], changes: [true, nil, false, true]),
        Row(note: "rise 3 needs three successes", rise: 3, exits: [1, 0, 0, 0], changes: [false, nil, nil, true]),
        Row(note: "a success resets fall", fall: 2, exits: [0, 1, 0, 1, 1], changes: [true, nil, nil, nil, false]),
        Row(
            note: "init_fail starts failed silently", rise: 2, initFail: true, exits: [1, 0, 0],
            changes: [nil, nil, true]),
    ]

    @Test(arguments: rows) func riseAndFall(row: Row) {
        let configuration = Tracker.Configuration(name: "chk", rise: row.rise, fall: row.fall, initFail: row.initFail)
        #expect(Self.replay(configuration, row.exits) == row.changes)
    }

    @Test func runsEveryIntervalAndTimesOut() {
        var tracker = Tracker(
            configuration: .init(name: "chk", interval: .seconds(2), timeout: .seconds(1), fall: 1), now: .zero)
        #expect(tracker.status == .initializing)
        #expect(tracker.timerFired(now: .zero) == [.run(runNumber: 1)])
        #expect(tracker.nextDeadline == .seconds(1))
        #expect(
            tracker.timerFired(now: .seconds(1)) == [
                .terminate(runNumber: 1), .statusChanged(name: "chk", isOK: false),
            ])
        // The killed run's late exit is ignored.
        #expect(tracker.resultReceived(runNumber: 1, .exited(status: 0), now: .seconds(1)).isEmpty)
        #expect(tracker.nextDeadline == .seconds(2))
        #expect(tracker.timerFired(now: .seconds(2)) == [.run(runNumber: 2)])
        #expect(
            tracker.resultReceived(runNumber: 2, .exited(status: 0), now: .seconds(2)) == [
                .statusChanged(name: "chk", isOK: true)
            ])
        #expect(tracker.isOK)
    }

    @Test func aRunStillGoingSkipsTheNextOne() {
        var tracker = Tracker(
            configuration: .init(name: "chk", interval: .seconds(1), timeout: .seconds(5)), now: .zero)
        _ = tracker.timerFired(now: .zero)
        #expect(tracker.timerFired(now: .seconds(1)).isEmpty)
        #expect(
            tracker.resultReceived(runNumber: 1, .signalled, now: .seconds(1)) == [
                .statusChanged(name: "chk", isOK: false)
            ])
    }

    @Test func weightIsClamped() {
        #expect(Tracker.Configuration(name: "chk", weight: 300).weight == 253)
        #expect(Tracker.Configuration(name: "chk", weight: -300).weight == -253)
    }
}
