// The packet engine's decision path alone (docs/design/0025-packet-engine-without-a-lock.md):
// every packet of established connections through the director's lock (as `--packet-locked`
// does) against the workers' own flow tables with their 10 ms traffic reports, with one and two
// threads. Built by bench/decider-bench.sh with LVSCore and the engine's FlowTable and
// WorkerDecider in one optimised module; no network traffic.
import Foundation
import Synchronization

/// The engine's forwarding protocol is not part of this build; the decider only needs a name.
protocol ConnectionDecider {}

/// The director behind one lock, as the daemon's SharedDirector.
final class BenchDirector: PacketEngineDirector {
    private let state: Mutex<Director>
    init(_ director: sending Director) { state = Mutex(director) }
    func withDirectorLocked<T: Sendable>(_ body: (Director) -> T) -> T { state.withLock { body($0) } }
}

func monotonicNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

let vip = IPAddress(ipv4: 0x0A00_0001)
let servers = [IPAddress(ipv4: 0xAC10_0002), IPAddress(ipv4: 0xAC10_0003)]
let connectionsPerThread = 1000
let packetsPerThread = Int(ProcessInfo.processInfo.environment["PACKETS"] ?? "") ?? 2_000_000

func inbound(_ port: UInt16, _ flags: TCPSegmentFlags) -> InboundPacket {
    InboundPacket(
        protocolNumber: .tcp, clientAddress: IPAddress(ipv4: 0xC633_6400 | UInt32(port % 200)), clientPort: port,
        destinationAddress: vip, destinationPort: 80, firewallMark: 0, tcpFlags: flags, length: 100)
}

func outbound(_ port: UInt16, server: IPAddress, _ flags: TCPSegmentFlags) -> OutboundPacket {
    OutboundPacket(
        protocolNumber: .tcp, sourceAddress: server, sourcePort: 8080,
        destinationAddress: IPAddress(ipv4: 0xC633_6400 | UInt32(port % 200)), destinationPort: port,
        tcpFlags: flags, length: 1500)
}

/// A director with a NAT service and `threads` × 1000 established connections; the real server
/// of each client port.
func makeDirector(threads: Int) throws -> (BenchDirector, [UInt16: IPAddress]) {
    let director = Director(seed: 1)
    let id = VirtualServiceID(protocol: .tcp, address: vip, port: 80)
    try director.apply(
        batch: [.addService(VirtualServiceConfig(id: id, scheduler: "rr"))]
            + servers.map { .addRealServer(id, RealServerConfig(address: $0, port: 8080, forwarding: .masquerading)) },
        now: MonotonicInstant(nanoseconds: monotonicNanoseconds()))
    var serverOf: [UInt16: IPAddress] = [:]
    let now = MonotonicInstant(nanoseconds: monotonicNanoseconds())
    for port in 0..<(threads * connectionsPerThread) {
        let clientPort = UInt16(10_000 + port)
        guard case .forward(_, let to, _, _) = director.inbound(inbound(clientPort, .syn), now: now) else { continue }
        serverOf[clientPort] = to.address
        _ = director.outbound(outbound(clientPort, server: to.address, [.syn, .ack]), now: now)
        _ = director.inbound(inbound(clientPort, .ack), now: now)
    }
    return (BenchDirector(director), serverOf)
}

/// Runs `threads` workers over their own connections; packets per second over all threads.
func run(threads: Int, flowTable: Bool) throws -> Double {
    let (shared, serverOf) = try makeDirector(threads: threads)
    let done = Atomic<Int>(0)
    let start = monotonicNanoseconds()
    for thread in 0..<threads {
        let first = 10_000 + thread * connectionsPerThread
        let table = Dictionary(
            uniqueKeysWithValues: (0..<connectionsPerThread).map {
                (UInt16(first + $0), serverOf[UInt16(first + $0)] ?? servers[0])
            })
        Thread {
            let decider = WorkerDecider(director: shared, capacity: flowTable ? 1 << 17 : 0)
            var now = MonotonicInstant(nanoseconds: monotonicNanoseconds())
            for n in 0..<packetsPerThread {
                let port = UInt16(first + n % connectionsPerThread)
                if n & 1 == 0 {
                    _ = decider.inbound(inbound(port, .ack), now: now)
                } else {
                    _ = decider.outbound(outbound(port, server: table[port] ?? servers[0], .ack), now: now)
                }
                // A reactor turn: the clock is read and the report considered once per batch.
                if n & 63 == 63 {
                    now = MonotonicInstant(nanoseconds: monotonicNanoseconds())
                    decider.report(now: now)
                }
            }
            decider.report(now: now, force: true)
            done.add(1, ordering: .releasing)
        }.start()
    }
    while done.load(ordering: .acquiring) < threads { usleep(1000) }
    let seconds = Double(monotonicNanoseconds() - start) / 1e9
    return Double(threads * packetsPerThread) / seconds
}

let repetitions = Int(ProcessInfo.processInfo.environment["REPS"] ?? "") ?? 3
var results: [String: [Double]] = [:]
let configurations = [(1, false), (1, true), (2, false), (2, true)]
for _ in 0..<repetitions {
    for (threads, flowTable) in configurations {
        let name = "\(threads) thread\(threads == 1 ? "" : "s"), \(flowTable ? "flow tables" : "director lock")"
        results[name, default: []].append(try run(threads: threads, flowTable: flowTable))
    }
}
print("| threads | decision path | packets/s (median) | ns per packet per thread | vs director lock |")
print("| ---: | --- | ---: | ---: | ---: |")
for (threads, flowTable) in configurations {
    let name = "\(threads) thread\(threads == 1 ? "" : "s"), \(flowTable ? "flow tables" : "director lock")"
    let lockName = "\(threads) thread\(threads == 1 ? "" : "s"), director lock"
    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    let rate = median(results[name] ?? [0])
    let base = median(results[lockName] ?? [1])
    print(
        "| \(threads) | \(flowTable ? "flow tables" : "director lock") | \(Int(rate)) | "
            + String(format: "%.0f", Double(threads) * 1e9 / rate) + " | " + String(format: "%.2f", rate / base) + " |")
}
