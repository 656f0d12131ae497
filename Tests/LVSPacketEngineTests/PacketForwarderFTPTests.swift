import LVSCore
import LVSPacket
import Testing

@testable import LVSPacketEngine

/// The FTP helper on the masquerading path (reference §6), on frames built in memory with a real
/// `Director`: topology of `PacketForwarderTests` (client 10.0.0.2 on interface 0, real server
/// 172.16.0.2 on interface 1, VIP 207.175.44.110), an FTP service VIP:21 → RS:21.
@Suite("packet forwarder: FTP helper")
struct PacketForwarderFTPTests {
    typealias T = PacketForwarderTests
    static let start = MonotonicInstant(nanoseconds: 1_000)

    /// The forwarder, director and neighbours of one FTP scenario.
    struct Scenario {
        var director: Director
        var forwarder: PacketForwarder
        var neighbours = PacketForwarderTests.knownNeighbours()

        init(method: ForwardingMethod = .masquerading) throws {
            director = Director(seed: 1)
            let id = VirtualServiceID(protocol: .tcp, address: T.vip, port: 21)
            try director.apply(
                batch: [
                    .addService(VirtualServiceConfig(id: id, scheduler: "rr")),
                    .addRealServer(id, RealServerConfig(address: T.server, port: 21, forwarding: method)),
                ], now: MonotonicInstant(nanoseconds: 0))
            forwarder = T.forwarder(plan: ForwardingPlan(director.configuration, ftpPorts: director.ftpPorts))
        }

        /// Runs one frame with 64 bytes of room behind it (a ring slot's tail); returns the action
        /// and the frame as it leaves.
        mutating func run(_ bytes: [UInt8], ingress: Int) -> (ForwardAction, [UInt8]) {
            let scratchMemory = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
            defer { scratchMemory.deallocate() }
            var scratch = PacketBuffer(storage: scratchMemory, start: 64, count: 0)
            let director = director
            return PacketBuffer.withCopy(of: bytes, headroom: 64, tailroom: 64) { frame in
                let action = forwarder.forward(
                    &frame, ingress: ingress, decider: director, neighbours: &neighbours,
                    now: PacketForwarderFTPTests.start,
                    scratch: &scratch)
                return (action, frame.bytes)
            }
        }

        /// A client → VIP segment.
        mutating func fromClient(
            _ text: String, port: UInt16 = 40_000, to vport: UInt16 = 21, flags: TCPFlags = [.ack, .psh],
            sequence: UInt32, acknowledgement: UInt32
        ) -> (ForwardAction, ParsedSegment?) {
            let frame = PacketBuilder.ethernet(source: T.clientMAC, destination: T.outsideMAC)
                .ipv4(source: "10.0.0.2", destination: "207.175.44.110")
                .tcp(
                    sourcePort: port, destinationPort: vport, flags: flags, sequence: sequence,
                    acknowledgment: acknowledgement
                )
                .payload(Array(text.utf8)).build()
            let (action, out) = run(frame, ingress: 0)
            return (action, ParsedSegment(out))
        }

        /// A real server → client segment.
        mutating func fromServer(
            _ text: String, sport: UInt16 = 21, port: UInt16 = 40_000, flags: TCPFlags = [.ack, .psh],
            sequence: UInt32, acknowledgement: UInt32
        ) -> (ForwardAction, ParsedSegment?) {
            let frame = PacketBuilder.ethernet(source: T.serverMAC, destination: T.insideMAC)
                .ipv4(source: "172.16.0.2", destination: "10.0.0.2")
                .tcp(
                    sourcePort: sport, destinationPort: port, flags: flags, sequence: sequence,
                    acknowledgment: acknowledgement
                )
                .payload(Array(text.utf8)).build()
            let (action, out) = run(frame, ingress: 1)
            return (action, ParsedSegment(out))
        }

        /// Client SYN (seq 100), server SYN/ACK (seq 5000), client ACK: ESTABLISHED.
        mutating func handshake() {
            _ = fromClient("", flags: [.syn], sequence: 100, acknowledgement: 0)
            _ = fromServer("", flags: [.syn, .ack], sequence: 5000, acknowledgement: 101)
            _ = fromClient("", flags: [.ack], sequence: 101, acknowledgement: 5001)
        }
    }

    /// What a test reads of a forwarded segment.
    struct ParsedSegment {
        var source: IPAddress
        var sourcePort: UInt16
        var destination: IPAddress
        var destinationPort: UInt16
        var sequence: UInt32
        var acknowledgement: UInt32
        var payload: String
        var checksumValid: Bool

        init?(_ bytes: [UInt8]) {
            guard !bytes.isEmpty else { return nil }
            let parsed: ParsedSegment?? = PacketBuffer.withCopy(of: bytes) { frame in
                guard let packet = try? parseFrame(frame).packet, case .tcp(let header) = packet.transport else {
                    return nil
                }
                return ParsedSegment(
                    source: packet.source.ipAddress, sourcePort: header.sourcePort,
                    destination: packet.destination.ipAddress, destinationPort: header.destinationPort,
                    sequence: header.sequenceNumber, acknowledgement: header.acknowledgmentNumber,
                    payload: String(decoding: bytes[(packet.payloadOffset)..<(packet.network.end)], as: UTF8.self),
                    checksumValid: TransportChecksum.isValid(in: frame, packet: packet))
            }
            guard let parsed = parsed ?? nil else { return nil }
            self = parsed
        }

        init(
            source: IPAddress, sourcePort: UInt16, destination: IPAddress, destinationPort: UInt16, sequence: UInt32,
            acknowledgement: UInt32, payload: String, checksumValid: Bool
        ) {
            self.source = source
            self.sourcePort = sourcePort
            self.destination = destination
            self.destinationPort = destinationPort
            self.sequence = sequence
            self.acknowledgement = acknowledgement
            self.payload = payload
            self.checksumValid = checksumValid
        }
    }

    static let reply227 = "227 Entering Passive Mode (172,16,0,2,195,80).\r\n"
    static let rewritten227 = "227 Entering Passive Mode (207,175,44,110,195,80).\r\n"

    @Test("PASV: the 227 is rewritten to the VIP, the data SYN reaches RS:50000, seq/ack adjusted both ways")
    func passive() throws {
        var s = try Scenario()
        s.handshake()
        let (pasvAction, pasv) = s.fromClient("PASV\r\n", sequence: 101, acknowledgement: 5001)
        #expect(pasvAction == .transmit(interface: 1))
        #expect(pasv?.payload == "PASV\r\n")
        #expect(pasv?.sequence == 101)
        let (replyAction, reply) = s.fromServer(Self.reply227, sequence: 5001, acknowledgement: 107)
        #expect(replyAction == .transmit(interface: 0))
        let rewritten = try #require(reply)
        #expect(rewritten.payload == Self.rewritten227)
        #expect(rewritten.source == T.vip)
        #expect(rewritten.sourcePort == 21)
        #expect(rewritten.sequence == 5001)
        #expect(rewritten.checksumValid)
        let growth = UInt32(Self.rewritten227.utf8.count - Self.reply227.utf8.count)
        #expect(growth == 4)
        // The data entry was made in advance: the client's data SYN goes to RS:50000.
        let (dataAction, data) = s.fromClient(
            "", port: 40_001, to: 50_000, flags: [.syn], sequence: 9000, acknowledgement: 0)
        #expect(dataAction == .transmit(interface: 1))
        #expect(data?.destination == T.server)
        #expect(data?.destinationPort == 50_000)
        #expect(data?.checksumValid == true)
        // Later server → client segments move by the growth, client acks move back.
        let next = "150 Here comes the directory listing.\r\n"
        let (_, after) = s.fromServer(next, sequence: 5001 + UInt32(Self.reply227.utf8.count), acknowledgement: 107)
        #expect(after?.sequence == 5001 + UInt32(Self.reply227.utf8.count) + growth)
        #expect(after?.payload == next)
        #expect(after?.checksumValid == true)
        let clientAck = 5001 + UInt32(Self.rewritten227.utf8.count + next.utf8.count)
        let (_, ack) = s.fromClient("", flags: [.ack], sequence: 107, acknowledgement: clientAck)
        #expect(ack?.acknowledgement == clientAck - growth)
        #expect(ack?.checksumValid == true)
        // A retransmission of the 227 leaves rewritten again, at its first sequence number.
        let (_, again) = s.fromServer(Self.reply227, sequence: 5001, acknowledgement: 107)
        #expect(again?.payload == Self.rewritten227)
        #expect(again?.sequence == 5001)
        let ftp = s.forwarder.counters.ftp
        #expect(ftp.passiveRequests == 1)
        #expect(ftp.passiveRepliesRewritten == 1)
        #expect(ftp.retransmissionsRewritten == 1)
        #expect(ftp.passiveEntries == 1)
        #expect(ftp.existingEntries == 0)
        #expect(ftp.sequenceAdjusted >= 2)
        // The data entry is listed as IPVS lists it, under the control connection's real server.
        let listed = s.director.connectionSnapshots(now: Self.start).map {
            "\($0.clientPort) \($0.virtualPort) \($0.destinationPort) \($0.stateName)"
        }
        #expect(listed.contains("40001 50000 50000 SYN_RECV"), "\(listed)")
    }

    @Test("PORT: forwarded untouched; the real server's connection from port 20 leaves as VIP:20")
    func active() throws {
        var s = try Scenario()
        s.handshake()
        let port = "PORT 10,0,0,2,156,65\r\n"
        let (action, forwarded) = s.fromClient(port, sequence: 101, acknowledgement: 5001)
        #expect(action == .transmit(interface: 1))
        #expect(forwarded?.payload == port)
        #expect(s.forwarder.counters.ftp.activeEntries == 1)
        let (dataAction, data) = s.fromServer(
            "", sport: 20, port: 40_001, flags: [.syn], sequence: 7000, acknowledgement: 0)
        #expect(dataAction == .transmit(interface: 0))
        #expect(data?.source == T.vip)
        #expect(data?.sourcePort == 20)
        #expect(data?.checksumValid == true)
        let (backAction, back) = s.fromClient(
            "", port: 40_001, to: 20, flags: [.syn, .ack], sequence: 8000, acknowledgement: 7001)
        #expect(backAction == .transmit(interface: 1))
        #expect(back?.destination == T.server)
        #expect(back?.destinationPort == 20)
    }

    @Test("a 227 split across segments, or naming another host, is forwarded untouched and counted")
    func refused() throws {
        var s = try Scenario()
        s.handshake()
        _ = s.fromClient("PASV\r\n", sequence: 101, acknowledgement: 5001)
        let split = "227 Entering Passive Mode (172,16,0"
        let (_, first) = s.fromServer(split, sequence: 5001, acknowledgement: 107)
        #expect(first?.payload == split)
        let bounce = "227 Entering Passive Mode (10,9,9,9,195,80).\r\n"
        let (_, second) = s.fromServer(bounce, sequence: 5001 + UInt32(split.utf8.count), acknowledgement: 107)
        #expect(second?.payload == bounce)
        let ftp = s.forwarder.counters.ftp
        #expect(ftp.refused == 2)
        #expect(ftp.refusedSplit == 1)
        #expect(ftp.passiveEntries == 0)
        #expect(ftp.sequenceAdjusted == 0)
        // No data entry: the client's data SYN finds nothing.
        let (action, _) = s.fromClient("", port: 40_001, to: 50_000, flags: [.syn], sequence: 9000, acknowledgement: 0)
        #expect(action == .drop(.noConnection))
    }

    @Test("outside ESTABLISHED the text is not read (reference §6)")
    func onlyEstablished() throws {
        var s = try Scenario()
        s.handshake()
        // The client's FIN: ESTABLISHED → CLOSE_WAIT.
        _ = s.fromClient("", flags: [.fin, .ack], sequence: 101, acknowledgement: 5001)
        let (action, _) = s.fromClient("PASV\r\n", sequence: 102, acknowledgement: 5001)
        #expect(action == .transmit(interface: 1))
        #expect(s.forwarder.counters.ftp.passiveRequests == 0)
    }

    @Test("the plan owns the FTP data ports of masqueraded FTP services only")
    func plan() throws {
        let nat = try Scenario()
        let plan = nat.forwarder.plan
        #expect(plan.isFTPControl(address: T.vip, port: 21))
        #expect(plan.isFTPDataDestination(address: T.vip, port: 20))
        #expect(plan.isFTPDataDestination(address: T.vip, port: 50_000))
        #expect(!plan.isFTPDataDestination(address: T.vip, port: 22))
        #expect(plan.isFTPDataSource(address: T.server, port: 20))
        #expect(plan.isFTPDataSource(address: T.server, port: 1024))
        #expect(!plan.isFTPDataSource(address: T.server, port: 1023))
        let filter = BPFProgram(plan)
        #expect(filter.run(BPFProgramTests.tcp("10.0.0.2", 4000, "207.175.44.110", 50_000)) != 0)
        #expect(filter.run(BPFProgramTests.tcp("10.0.0.2", 4000, "207.175.44.110", 20)) != 0)
        #expect(filter.run(BPFProgramTests.tcp("10.0.0.2", 4000, "207.175.44.110", 22)) == 0)
        #expect(filter.run(BPFProgramTests.tcp("172.16.0.2", 20, "10.0.0.2", 4000)) != 0)
        #expect(filter.run(BPFProgramTests.tcp("172.16.0.2", 50_000, "10.0.0.2", 4000)) != 0)
        #expect(filter.run(BPFProgramTests.tcp("172.16.0.2", 22, "10.0.0.2", 4000)) == 0)
        let rules = NFTablesRuleset(table: "lvsd", interfaces: [("veth10", 2)], plan: plan).rules
        #expect(rules.contains("ip daddr 207.175.44.110 tcp dport { 20, 1024-65535 } drop"), "\(rules)")
        #expect(rules.contains("ip saddr 172.16.0.2 tcp sport { 20, 1024-65535 } fib daddr type != local drop"))
        let routed = try Scenario(method: .directRouting)
        #expect(routed.forwarder.plan.ftpDataPorts.isEmpty)
        #expect(routed.forwarder.plan.ftpControls.isEmpty)
    }

    @Test("a real server's own connection in the data port range is routed on unchanged")
    func unmatchedFromServer() throws {
        var s = try Scenario()
        let (action, out) = s.fromServer("", sport: 40_500, port: 443, flags: [.syn], sequence: 1, acknowledgement: 0)
        #expect(action == .transmit(interface: 0))
        #expect(out?.source == T.server)
        #expect(out?.sourcePort == 40_500)
        #expect(s.forwarder.counters.ftp.unmatchedDataRange == 1)
    }
}
