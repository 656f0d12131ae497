import Foundation
import Testing

/// A long-lived flow from the client namespace O to a virtual service: a shell loop writes
/// numbered lines (`c1 line 1`, `c1 line 2`, … every 0.1 s) into one socat, over one TCP
/// connection or from one UDP socket; the real server answers each line with its name in front
/// (`R2-c1 line 7`). Bounded: at most 3000 lines, socat under `timeout`; `stop()` makes the loop
/// write its last line, and socat then waits for the remaining answers and ends.
final class SyncLabLineClient: @unchecked Sendable {
    // Invariant for @unchecked Sendable: immutable after init; the files are read, not shared.
    let name: String
    let lab: VRRPLab
    let process: Process
    private let output: String
    private let count: String
    private let stopFile: String

    /// Starts flow `name` to the VIP's `port` over `protocolName` ("TCP" or "UDP"), from the
    /// client address `source` (O's addresses on br0).
    init(_ name: String, lab: VRRPLab, protocolName: String = "TCP", port: Int, source: String = "10.99.0.3") throws {
        self.name = name
        self.lab = lab
        output = lab.file("\(name).out")
        count = lab.file("\(name).count")
        stopFile = lab.file("\(name).stop")
        let socat = try #require(VRRPLab.tool("socat"))
        // TCP: after the last line socat half-closes and waits (up to 30 s) for the answers
        // until the real server closes. UDP has no close: socat waits 10 s for the last answers.
        let address =
            protocolName == "TCP"
            ? "-t 30 -T 120 - TCP:\(SyncLab.vip):\(port),bind=\(source),connect-timeout=10"
            : "-t 10 -T 120 - UDP:\(SyncLab.vip):\(port),bind=\(source)"
        let script = """
            i=0
            while [ $i -lt 3000 ]; do
              i=$((i+1)); echo "\(name) line $i"; echo $i > \(count)
              [ -e \(stopFile) ] && break
              sleep 0.1
            done | timeout 400 \(socat) \(address) > \(output) 2> \(lab.file("\(name).err"))
            """
        process = try lab.start(in: lab.observer, ["/bin/sh", "-c", script], log: lab.file("\(name).log"))
    }

    /// How many lines the loop has written.
    var written: Int { Int(lab.contents(count).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 }

    /// The answers so far: (real server, line number), in the order they arrived.
    var answers: [(server: String, number: Int)] {
        lab.contents(output).split(separator: "\n").map { line in
            let parts = line.split(separator: "-", maxSplits: 1)
            let words = parts.count == 2 ? parts[1].split(separator: " ") : []
            let number = words.count == 3 && words[0] == Substring(name) ? Int(words[2]) ?? -1 : -1
            return (parts.count == 2 ? String(parts[0]) : "?\(line)", number)
        }
    }

    /// Waits until the answer to line `number` (or a later one) arrived.
    func expectAnswers(through number: Int, within seconds: Double, step: String) async throws {
        let arrived = await lab.poll(within: seconds) { (self.answers.last?.number ?? 0) >= number }
        let last = answers.last.map { "\($0.server) line \($0.number)" } ?? "nothing"
        try #require(arrived, "\(step): \(name) got no answer to line \(number) within \(seconds) s (last: \(last))")
    }

    /// Makes the loop write its last line; socat then ends on its own.
    func stop() { _ = FileManager.default.createFile(atPath: stopFile, contents: Data()) }

    /// Waits (bounded) until the flow ended.
    func expectExit(within seconds: Double = 60) async throws {
        let ended = await lab.poll(within: seconds) { !self.process.isRunning }
        try #require(ended, "\(name) did not end within \(seconds) s")
    }

    /// A TCP stream came through whole: every line written was answered, in order, by one real
    /// server, whose name it returns.
    func expectWholeStream() throws -> String {
        let answers = answers
        let servers = Set(answers.map(\.server))
        let numbers = answers.map(\.number)
        #expect(written >= 1, "\(name) wrote nothing")
        #expect(
            numbers == Array(1...max(written, 1)),
            "\(name): wrote \(written) lines, got \(numbers.count) answers, first out of order or missing at \(numbers.indices.first { numbers[$0] != $0 + 1 }.map { "index \($0)" } ?? "the end"): \(lab.contents(lab.file("\(name).err")))"
        )
        #expect(servers.count == 1, "\(name) was answered by \(servers.sorted())")
        return try #require(servers.first, "\(name) got no answer")
    }

    /// A UDP flow came through: answers in increasing order, all from one real server, whose
    /// name it returns. Datagrams sent while no director held the VIP (after line `mark`) are
    /// lost; once the flow resumed, every line up to the last one written was answered, at
    /// least `minimum` of them.
    func expectDatagramFlow(resumedAfter mark: Int, minimum: Int) throws -> String {
        let answers = answers
        let numbers = answers.map(\.number)
        let servers = Set(answers.map(\.server))
        #expect(zip(numbers, numbers.dropFirst()).allSatisfy { $0 < $1 }, "\(name): answers out of order: \(numbers)")
        #expect(numbers.allSatisfy { $0 >= 1 }, "\(name): answers that are not this flow's: \(numbers)")
        #expect(servers.count == 1, "\(name) was answered by \(servers.sorted())")
        let resumed = numbers.filter { $0 > mark }
        let first = try #require(resumed.first, "\(name): no answer after line \(mark): \(numbers)")
        #expect(
            resumed == Array(first...max(first, written)) && resumed.count >= minimum,
            "\(name): wrote \(written) lines; after line \(mark) answered \(resumed)")
        return try #require(servers.first, "\(name) got no answer")
    }
}
