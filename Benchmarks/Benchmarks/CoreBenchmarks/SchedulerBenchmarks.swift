import Benchmark
import LVSCore

/// Picks per second for every scheduler with 10 and 1000 real servers, and the allocations a
/// pick costs (the target is zero: reference DESIGN.md §4 "a pick allocates nothing").
func schedulerBenchmarks() {
    for name in SchedulerRegistry.names where name != "none" {
        for count in [10, 1000] {
            Benchmark(
                "pick \(name) \(count) real servers",
                configuration: .init(
                    metrics: [.throughput, .wallClock, .mallocCountTotal, .instructions],
                    scalingFactor: .kilo,
                    maxDuration: .seconds(2),
                    maxIterations: 200
                )
            ) { benchmark in
                let fixture = SchedulerFixture(scheduler: name, realServers: count)
                var client: UInt32 = 0x0A00_0000
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    client &+= 1
                    blackHole(fixture.pick(client: client))
                }
            }
        }
    }
}

/// A service with `realServers` real servers of weights 1...5 and some connections each, so
/// least-connection schedulers have real comparisons to make.
struct SchedulerFixture {
    let scheduler: any Scheduler
    let vip = IPAddress(ipv4: 0xC0A8_0001)

    init(scheduler name: String, realServers count: Int) {
        let director = Director(seed: 42)
        let id = VirtualServiceID(protocol: .tcp, address: vip, port: 80)
        try! director.apply(.addService(VirtualServiceConfig(id: id, scheduler: name)), now: .zero)
        for i in 0..<count {
            let config = RealServerConfig(
                address: IPAddress(ipv4: 0x0A01_0000 | UInt32(i + 1)), port: 80, forwarding: .masquerading,
                weight: Int32(i % 5 + 1))
            try! director.apply(.addRealServer(id, config), now: .zero)
        }
        scheduler = director.services[id]!.scheduler
    }

    @inline(__always)
    func pick(client: UInt32) -> RealServer? {
        scheduler.pick(
            SchedulingInput(
                clientAddress: IPAddress(ipv4: client), clientPort: UInt16(truncatingIfNeeded: client),
                destinationAddress: vip, destinationPort: 80))
    }
}
