import LVSCore
import Testing

@testable import LVSPacketEngine

/// The workers' own flow tables (docs/design/0025-packet-engine-without-a-lock.md): which packets
/// they decide without the director, and that `lvsadm` still sees every packet and every entry.
@Suite struct WorkerFlowTableTests {
    static let vip = IPAddress(ipv4: 0xCB00_7101)
    static let server = IPAddress(ipv4: 0xC0A8_0A02)
    static let client = IPAddress(ipv4: 0xC633_6407)
    static let service = VirtualServiceID(protocol: .tcp, address: vip, port: 80)
    static let udpService = VirtualServiceID(protocol: .udp, address: vip, port: 53)

    /// A director with a masqueraded TCP and UDP service, one real server each.
    static func director(forwarding: ForwardingMethod = .masquerading) throws -> LockedTestDirector {
        let shared = LockedTestDirector()
        try shared.withDirector { director in
            try director.apply(
                batch: [
                    .addService(VirtualServiceConfig(id: service, scheduler: "rr")),
                    .addRealServer(service, RealServerConfig(address: server, port: 8080, forwarding: forwarding)),
                    .addService(VirtualServiceConfig(id: udpService, scheduler: "rr")),
                    .addRealServer(udpService, RealServerConfig(address: server, port: 53, forwarding: forwarding)),
                ], now: .seconds(1))
        }
        return shared
    }

    static func inbound(_ flags: TCPSegmentFlags, port: UInt16 = 40_000, length: UInt32 = 100, udp: Bool = false)
        -> InboundPacket
    {
        InboundPacket(
            protocolNumber: udp ? .udp : .tcp, clientAddress: client, clientPort: port, destinationAddress: vip,
            destinationPort: udp ? 53 : 80, firewallMark: 0, tcpFlags: flags, length: length)
    }

    static func outbound(_ flags: TCPSegmentFlags, port: UInt16 = 40_000, length: UInt32 = 1000, udp: Bool = false)
        -> OutboundPacket
    {
        OutboundPacket(
            protocolNumber: udp ? .udp : .tcp, sourceAddress: server, sourcePort: udp ? 53 : 8080,
            destinationAddress: client, destinationPort: port, tcpFlags: flags, length: length)
    }

    /// SYN, SYN+ACK, ACK through `decider` at `now`.
    static func handshake(_ decider: WorkerDecider, port: UInt16 = 40_000, now: MonotonicInstant) {
        _ = decider.inbound(inbound(.syn, port: port), now: now)
        _ = decider.outbound(outbound([.syn, .ack], port: port), now: now)
        _ = decider.inbound(inbound(.ack, port: port), now: now)
    }

    static func serverStats(_ shared: LockedTestDirector) -> StatsCounters {
        shared.withDirector { $0.services[service]?.realServer(RealServerKey(address: server, port: 8080))?.stats }
            ?? StatsCounters()
    }

    @Test func establishedFlowIsFoundFromBothDirectionsAndCountedOnReport() throws {
        let shared = try Self.director()
        let decider = WorkerDecider(director: shared)
        let now = MonotonicInstant.seconds(10)
        Self.handshake(decider, now: now)
        #expect(decider.flows.count == 1)
        #expect(!decider.flows.hasUnreportedTraffic)
        let before = Self.serverStats(shared)
        for _ in 0..<5 {
            guard case .forward(_, let to, .masquerading, 8080) = decider.inbound(Self.inbound(.ack), now: now) else {
                Issue.record("inbound not forwarded")
                return
            }
            #expect(to.address == Self.server)
            guard case .reply(_, Self.vip, 80, .masquerading) = decider.outbound(Self.outbound(.ack), now: now) else {
                Issue.record("reply not forwarded")
                return
            }
        }
        // Counted in the worker, not yet in the director.
        #expect(decider.flows.hasUnreportedTraffic)
        #expect(Self.serverStats(shared).inPackets == before.inPackets)
        decider.report(now: now, force: true)
        let after = Self.serverStats(shared)
        #expect(after.inPackets == before.inPackets + 5)
        #expect(after.outPackets == before.outPackets + 5)
        #expect(after.inBytes == before.inBytes + 500)
        #expect(after.outBytes == before.outBytes + 5000)
        #expect(shared.withDirector { $0.globalStats.inPackets } == after.inPackets)
        #expect(!decider.flows.hasUnreportedTraffic)
    }

    @Test func finGoesToTheDirectorAfterTheCountedTrafficAndEndsTheGrant() throws {
        let shared = try Self.director()
        let decider = WorkerDecider(director: shared)
        Self.handshake(decider, now: .seconds(10))
        _ = decider.inbound(Self.inbound(.ack), now: .seconds(20))
        _ = decider.inbound(Self.inbound([.fin, .ack]), now: .seconds(21))
        #expect(decider.flows.count == 0)
        let entries = shared.withDirector { $0.connectionSnapshots(now: .seconds(21)) }
        #expect(entries.count == 1)
        #expect(entries.first?.stateName == "CLOSE_WAIT")
        // SYN, ACK, the counted ACK (reported first), FIN.
        #expect(Self.serverStats(shared).inPackets == 4)
        // A later ACK is the director's again (CLOSE_WAIT is not granted).
        _ = decider.outbound(Self.outbound(.ack), now: .seconds(22))
        #expect(decider.flows.count == 0)
    }

    @Test func reportRestartsTheEntrysTimerFromTheLastPacket() throws {
        let shared = try Self.director()
        let decider = WorkerDecider(director: shared)
        Self.handshake(decider, now: .seconds(10))
        _ = decider.inbound(Self.inbound(.ack), now: .seconds(500))
        decider.report(now: .seconds(500), force: true)
        let entry = shared.withDirector { $0.connectionSnapshots(now: .seconds(500)).first }
        #expect(entry?.expiresInSeconds == 900)
        // Past the grant's margin before expiry the worker asks the director again.
        #expect(decider.flows.removeExpired(now: MonotonicInstant.seconds(1399).nanoseconds) == 1)
        shared.withDirector { $0.advance(to: .seconds(1401)) }
        #expect(shared.withDirector { $0.connectionCount } == 0)
        // The entry expired: a bare ACK is the director's to decide again, not the table's.
        _ = decider.inbound(Self.inbound(.ack), now: .seconds(1401))
        #expect(decider.flows.count == 0)
    }

    @Test func twoWorkersCountersAreSummedAndEveryEntryListed() throws {
        let shared = try Self.director()
        let workers = [WorkerDecider(director: shared), WorkerDecider(director: shared)]
        for (index, worker) in workers.enumerated() {
            Self.handshake(worker, port: UInt16(41_000 + index), now: .seconds(10))
            for _ in 0..<(index + 1) * 10 {
                _ = worker.inbound(Self.inbound(.ack, port: UInt16(41_000 + index)), now: .seconds(11))
            }
        }
        for worker in workers { worker.report(now: .seconds(11), force: true) }
        // Two SYNs, two ACKs, then 10 + 20 counted in the workers.
        #expect(Self.serverStats(shared).inPackets == 34)
        let listed = shared.withDirector { $0.connectionSnapshots(now: .seconds(11)) }
        #expect(listed.count == 2)
        #expect(listed.allSatisfy { $0.stateName == "ESTABLISHED" })
    }

    @Test func replyOnAnotherWorkerIsStillCorrect() throws {
        // Without steering (a packet the program could not classify) the reply reaches another
        // worker: it asks the director and gets a grant of its own.
        let shared = try Self.director()
        let first = WorkerDecider(director: shared)
        let second = WorkerDecider(director: shared)
        _ = first.inbound(Self.inbound(.syn), now: .seconds(10))
        _ = second.outbound(Self.outbound([.syn, .ack]), now: .seconds(10))
        _ = first.inbound(Self.inbound(.ack), now: .seconds(10))
        _ = second.outbound(Self.outbound(.ack), now: .seconds(10))
        guard case .reply = second.outbound(Self.outbound(.ack), now: .seconds(11)) else {
            Issue.record("reply not forwarded")
            return
        }
        for worker in [first, second] { worker.report(now: .seconds(11), force: true) }
        #expect(Self.serverStats(shared).outPackets == 3)
        #expect(shared.withDirector { $0.connectionCount } == 1)
    }

    @Test func udpFlowAndDeletedServerWithdrawTheGrant() throws {
        let shared = try Self.director()
        let decider = WorkerDecider(director: shared)
        _ = decider.inbound(Self.inbound([], udp: true), now: .seconds(10))
        #expect(decider.flows.count == 1)
        _ = decider.outbound(Self.outbound([], udp: true), now: .seconds(10))
        _ = decider.inbound(Self.inbound([], udp: true), now: .seconds(10))
        try shared.withDirector { director in
            try director.apply(
                .deleteRealServer(Self.udpService, RealServerKey(address: Self.server, port: 53)),
                now: .seconds(10))
        }
        decider.report(now: .seconds(10), force: true)
        #expect(decider.flows.count == 0)
    }

    @Test func forgetFlowsReportsFirst() throws {
        let shared = try Self.director()
        let decider = WorkerDecider(director: shared)
        Self.handshake(decider, now: .seconds(10))
        _ = decider.inbound(Self.inbound(.ack), now: .seconds(10))
        decider.forgetFlows(now: .seconds(10))
        #expect(decider.flows.count == 0)
        #expect(Self.serverStats(shared).inPackets == 3)
    }

    @Test func directRoutingGrantsInboundOnly() throws {
        let shared = try Self.director(forwarding: .directRouting)
        let decider = WorkerDecider(director: shared)
        _ = decider.inbound(Self.inbound(.syn), now: .seconds(10))
        _ = decider.inbound(Self.inbound(.ack), now: .seconds(10))
        let grant = shared.withDirector { director in
            director.connectionSnapshots(now: .seconds(10)).isEmpty
                ? nil
                : director.fastPathGrant(
                    ConnectionRef(index: 0, generation: 0))
        }
        #expect(grant?.inbound != nil)
        #expect(grant?.outbound == nil)
        #expect(decider.flows.count == 1)
    }

    @Test func tableCapacityFallsBackToTheDirector() throws {
        let shared = try Self.director()
        let decider = WorkerDecider(director: shared, capacity: 1)
        Self.handshake(decider, port: 40_000, now: .seconds(10))
        Self.handshake(decider, port: 40_001, now: .seconds(10))
        #expect(decider.flows.count == 1)
        guard case .forward = decider.inbound(Self.inbound(.ack, port: 40_001), now: .seconds(10)) else {
            Issue.record("not forwarded")
            return
        }
    }
}
