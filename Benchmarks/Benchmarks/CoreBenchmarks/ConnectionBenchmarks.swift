import Benchmark
import LVSCore

/// Connection-table costs through the director's packet path (`Director.inbound`):
/// - "connection insert": a SYN from a new client: service lookup, scheduling, entry insert;
/// - "connection lookup": an ACK on an existing entry: lookup, state machine, timer restart;
/// - "1M connection entries": resident memory after one million IPv4 entries (target < 200 MB).
func connectionBenchmarks() {
    Benchmark(
        "connection insert (SYN, new client)",
        configuration: .init(
            metrics: [.throughput, .wallClock, .mallocCountTotal, .instructions], scalingFactor: .kilo,
            maxDuration: .seconds(3), maxIterations: 50)
    ) { benchmark in
        let fixture = DirectorFixture()
        var client: UInt32 = 0x0B00_0000
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            client &+= 1
            blackHole(fixture.director.inbound(fixture.packet(client: client, flags: .syn), now: .seconds(1)))
        }
    }

    Benchmark(
        "connection lookup (ACK, existing entry)",
        configuration: .init(
            metrics: [.throughput, .wallClock, .mallocCountTotal, .instructions], scalingFactor: .kilo,
            maxDuration: .seconds(3), maxIterations: 50)
    ) { benchmark in
        let fixture = DirectorFixture()
        let clients: UInt32 = 100_000
        for i in 0..<clients {
            _ = fixture.director.inbound(fixture.packet(client: 0x0C00_0000 + i, flags: .syn), now: .seconds(1))
        }
        var i: UInt32 = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            i = (i &+ 7919) % clients
            blackHole(fixture.director.inbound(fixture.packet(client: 0x0C00_0000 + i, flags: .ack), now: .seconds(2)))
        }
    }

    Benchmark(
        "1M connection entries (memory)",
        configuration: .init(
            metrics: [.peakMemoryResident, .peakMemoryResidentDelta, .wallClock], maxDuration: .seconds(30),
            maxIterations: 1)
    ) { benchmark in
        let fixture = DirectorFixture()
        benchmark.startMeasurement()
        for i in 0..<UInt32(1_000_000) {
            _ = fixture.director.inbound(fixture.packet(client: 0x0D00_0000 + i, flags: .syn), now: .seconds(1))
        }
        benchmark.stopMeasurement()
        precondition(fixture.director.connectionCount == 1_000_000, "expected one million entries")
    }
}

/// A TCP service on 192.168.0.1:80 over ten masquerading real servers with wlc.
final class DirectorFixture {
    let director = Director(seed: 7)
    let id = VirtualServiceID(protocol: .tcp, address: IPAddress(ipv4: 0xC0A8_0001), port: 80)

    init() {
        try! director.apply(.addService(VirtualServiceConfig(id: id, scheduler: "wlc")), now: .zero)
        for i in 0..<10 {
            let server = RealServerConfig(
                address: IPAddress(ipv4: 0x0A01_0000 | UInt32(i + 1)), port: 80, forwarding: .masquerading, weight: 1)
            try! director.apply(.addRealServer(id, server), now: .zero)
        }
    }

    @inline(__always)
    func packet(client: UInt32, flags: TCPSegmentFlags) -> InboundPacket {
        InboundPacket(
            protocolNumber: .tcp, clientAddress: IPAddress(ipv4: client),
            clientPort: UInt16(truncatingIfNeeded: 1024 &+ client % 60_000),
            destinationAddress: id.address, destinationPort: 80, tcpFlags: flags, length: 60)
    }
}
