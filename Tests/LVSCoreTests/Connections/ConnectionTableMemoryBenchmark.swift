import Foundation
import Testing

@testable import LVSCore

/// Not a timed test: a benchmark of the director's memory per connection entry, run by hand
/// (`LVS_TABLE_BENCH=1 swift test --filter ConnectionTableMemoryBenchmark`); the figures are in
/// docs/performance.md. It opens NAT connections through a real `Director` (SYN, SYN-ACK, ACK:
/// ESTABLISHED entries, hashed and on the timer wheel) and prints the table's footprint and the
/// process's resident set size.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["LVS_TABLE_BENCH"] == "1"))
struct ConnectionTableMemoryBenchmark {
    static func residentKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
        }
        return -1
    }

    @Test(arguments: [100_000, 1_000_000])
    func entries(_ target: Int) throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        let before = Self.residentKiB()
        let idle = h.director.connectionTable.footprintBytes
        for n in 0..<target {
            let client = UInt32(n / 50_000) + 1
            let port = UInt16(1024 + n % 50_000)
            h.send(.syn, client: client, port: port)
            h.reply([.syn, .ack], client: client, port: port)
            h.send(.ack, client: client, port: port)
        }
        #expect(h.director.connectionCount == target)
        let after = Self.residentKiB()
        // Read through the director: a copy of the table would share (and keep) its storage.
        let slab = h.director.connectionTable.entries.capacity
        let buckets = h.director.connectionTable.buckets.count
        let footprint = h.director.connectionTable.footprintBytes - idle
        print(
            """
            table-bench entries=\(target) stride=\(MemoryLayout<ConnectionEntry>.stride) slab=\(slab) \
            buckets=\(buckets) footprint=\(footprint) per-entry=\(footprint / target) \
            rss-before-kib=\(before) rss-after-kib=\(after) rss-per-entry=\((after - before) * 1024 / target)
            """)
        h.advance(seconds: 901)
        h.advance(seconds: 61)
        print(
            "table-bench entries=\(target) after-expiry count=\(h.director.connectionCount) rss-kib=\(Self.residentKiB()) footprint=\(h.director.connectionTable.footprintBytes)"
        )
    }
}
