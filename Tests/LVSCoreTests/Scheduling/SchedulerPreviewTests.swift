import Testing

@testable import LVSCore

/// `preview` is what the next `pick` returns, and calling it changes nothing (docs/design/0020).
@Suite("Scheduler preview")
struct SchedulerPreviewTests {
    @Test("preview, twice, names the next pick", arguments: ["rr", "wrr", "lblc", "lblcr", "twos", "wlc", "sh", "mh"])
    func previewMatchesPick(scheduler name: String) throws {
        let scheduler = try #require(SchedulerRegistry.make(name: name, flags: [], seed: 42))
        let servers = [Int32(3), 2, 1, 0].enumerated().map { index, weight in
            RealServer(
                config: RealServerConfig(
                    address: IPAddress(ipv4: 0xC0A8_0001 + UInt32(index)), port: 80, forwarding: .masquerading,
                    weight: weight))
        }
        scheduler.destinationsChanged(servers)
        for round in 0..<12 {
            let input = SchedulingInput(
                clientAddress: IPAddress(ipv4: 0xC000_0200 + UInt32(round % 3)), clientPort: 1000,
                destinationAddress: IPAddress(ipv4: 0x0A00_0001 + UInt32(round % 2)), destinationPort: 80)
            let first = scheduler.preview(input)
            let second = scheduler.preview(input)
            #expect(first === second)
            let picked = scheduler.pick(input)
            #expect(picked === first, "round \(round)")
            // sh without fallback may land on the weight-0 server's buckets and pick nothing.
            if name != "sh" { #expect(picked != nil) }
        }
    }
}
