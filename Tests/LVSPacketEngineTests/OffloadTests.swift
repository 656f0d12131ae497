import LVSCore
import LVSPacket
import Testing

@testable import LVSPacketEngine

/// Offloaded frames (PACKET_VNET_HDR): aggregates (GSO/GRO) and partial checksums, in the
/// topology of `PacketForwarderTests` (client 10.0.0.2 on interface 0, real server 172.16.0.2
/// on interface 1, VIP 207.175.44.110:8080, MTU 1500).
@Suite("offload: aggregates and partial checksums")
struct OffloadTests {
    typealias F = PacketForwarderTests

    static let payload = (0..<4000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }

    /// A 4000-byte TCP aggregate from the client (sequence 1000, ACK|PSH|FIN|CWR) whose checksum
    /// field holds the partial (pseudo-header) sum, as a local sender's GSO frame does.
    static func aggregate(ipv6: Bool = false, payload: [UInt8] = payload, flags: TCPFlags = [.ack, .psh, .fin, .cwr])
        -> [UInt8]
    {
        let link = PacketBuilder.ethernet(source: F.clientMAC, destination: F.outsideMAC)
        let network =
            ipv6
            ? link.ipv6(source: "fd00:10::2", destination: "2001:db8:44::110")
            : link.ipv4(source: "10.0.0.2", destination: "207.175.44.110", identification: 0x1234, dontFragment: true)
        var bytes = network.tcp(sourcePort: 40000, destinationPort: 8080, flags: flags, sequence: 1000)
            .payload(payload).build()
        PacketBuffer.withCopy(of: bytes) { frame in
            let packet = try! parseFrame(frame).packet!
            try! Segmenter.writePartialChecksum(in: frame, packet: packet)
            bytes = frame.bytes
        }
        return bytes
    }

    static func gso(ipv6: Bool = false, size: UInt16 = 1448, type: UInt8? = nil) -> PacketOffload {
        let l4: UInt16 = ipv6 ? 54 : 34
        return PacketOffload(
            needsChecksum: true, segmentationType: type ?? (ipv6 ? 4 : 1), headerLength: l4 + 20, segmentSize: size,
            checksumStart: l4, checksumOffset: 16)
    }

    /// What a device does with a partial checksum: sums from the transport header on, with the
    /// field's pseudo-header sum included.
    static func completed(_ frame: PacketBuffer, _ packet: ParsedPacket) -> UInt16 {
        let l4 = packet.l4Offset!
        return InternetChecksum.finish(InternetChecksum.sum(frame, at: l4, length: packet.network.end - l4))
    }

    /// Forwards the client's SYN, then `frame` with `offload`; the action, the output frame (for
    /// `.transmit`) and the forwarder (its arena holds `.transmitSegments` output).
    static func forward(
        _ frame: [UInt8], offload: PacketOffload, method: ForwardingMethod = .masquerading, offloadTransmit: Bool,
        mtu: Int = 1500
    ) throws -> (ForwardAction, [UInt8], PacketForwarder) {
        let director = try F.director(method)
        var forwarder = F.forwarder(plan: ForwardingPlan(director.configuration), mtu: mtu)
        forwarder.offloadTransmit = offloadTransmit
        var neighbours = F.knownNeighbours()
        let (opened, _) = F.run(F.syn(), ingress: 0, forwarder: &forwarder, director: director, neighbours: &neighbours)
        #expect(opened.forwards)
        let (action, out) = F.run(
            frame, ingress: 0, offload: offload, forwarder: &forwarder, director: director, neighbours: &neighbours)
        return (action, out, forwarder)
    }

    @Test("the offload header reads and writes as the kernel lays it out (host order)")
    func headerLayout() {
        let header = PacketOffload(
            needsChecksum: true, segmentationType: 4, headerLength: 86, segmentSize: 1428, checksumStart: 54,
            checksumOffset: 16)
        var bytes = [UInt8](repeating: 0xEE, count: 10)
        bytes.withUnsafeMutableBytes { header.write(to: $0.baseAddress!) }
        #expect(bytes == [1, 4, 86, 0, 0x94, 0x05, 54, 0, 16, 0])
        let read = bytes.withUnsafeBytes { PacketOffload(reading: $0.baseAddress!) }
        #expect(read == header)
        #expect(read.segmentation == .tcpIPv6 && read.isSegmented)
        let valid = [UInt8]([2, 0x81, 0, 0, 0, 0, 0, 0, 0, 0]).withUnsafeBytes {
            PacketOffload(reading: $0.baseAddress!)
        }
        #expect(valid.dataValid && !valid.needsChecksum && valid.segmentation == .tcpIPv4)
    }

    @Test("software segmentation of a TCP aggregate: MSS slices, sequence numbers, flags, lengths, checksums")
    func segmentTCP() throws {
        for ipv6 in [false, true] {
            let bytes = Self.aggregate(ipv6: ipv6)
            var rebuilt: [UInt8] = []
            try PacketBuffer.withCopy(of: bytes) { frame in
                let packet = try parseFrame(frame).packet!
                #expect(Segmenter.segmentCount(of: packet, segmentSize: 1448) == 3)
                let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
                defer { memory.deallocate() }
                for index in 0..<3 {
                    var output = PacketBuffer(storage: memory, start: 64, count: 0)
                    try Segmenter.writeSegment(index, of: frame, packet: packet, segmentSize: 1448, into: &output)
                    let segment = try parseFrame(output).packet!
                    guard case .tcp(let tcp) = segment.transport else {
                        Issue.record("not TCP")
                        return
                    }
                    #expect(segment.payloadLength == [1448, 1448, 1104][index])
                    #expect(tcp.sequenceNumber == 1000 + UInt32(1448 * index))
                    #expect(tcp.flags.contains(.cwr) == (index == 0))
                    #expect(tcp.flags.contains(.fin) == (index == 2))
                    #expect(tcp.flags.contains(.psh) == (index == 2))
                    #expect(tcp.flags.contains(.ack))
                    #expect(TransportChecksum.isValid(in: output, packet: segment))
                    if case .ipv4(let header) = segment.network {
                        #expect(header.identification == 0x1234 + UInt16(index))
                        #expect(header.totalLength == 40 + segment.payloadLength)
                        #expect(header.dontFragment)
                    }
                    rebuilt += output.bytes[segment.payloadOffset...]
                }
            }
            #expect(rebuilt == Self.payload)
        }
    }

    @Test("software segmentation of a UDP aggregate (UDP_SEGMENT): datagrams with their own lengths and checksums")
    func segmentUDP() throws {
        let bytes = PacketBuilder.ethernet(source: F.clientMAC, destination: F.outsideMAC)
            .ipv6(source: "fd00:10::2", destination: "2001:db8:44::110")
            .udp(sourcePort: 5000, destinationPort: 53).payload(Array(Self.payload[..<2500])).build()
        try PacketBuffer.withCopy(of: bytes) { frame in
            let packet = try parseFrame(frame).packet!
            #expect(Segmenter.segmentCount(of: packet, segmentSize: 1000) == 3)
            let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
            defer { memory.deallocate() }
            var rebuilt: [UInt8] = []
            for index in 0..<3 {
                var output = PacketBuffer(storage: memory, start: 64, count: 0)
                try Segmenter.writeSegment(index, of: frame, packet: packet, segmentSize: 1000, into: &output)
                let datagram = try parseFrame(output).packet!
                guard case .udp(let udp) = datagram.transport else {
                    Issue.record("not UDP")
                    return
                }
                #expect(udp.length == 8 + [1000, 1000, 500][index])
                #expect(TransportChecksum.isValid(in: output, packet: datagram))
                rebuilt += output.bytes[datagram.payloadOffset...]
            }
            #expect(rebuilt == Array(Self.payload[..<2500]))
            #expect(Segmenter.segmentCount(of: packet, segmentSize: 0) == nil)
        }
    }

    @Test("NAT hands a TCP aggregate on whole: addresses rewritten, partial checksum re-based, MTU judged per segment")
    func natPassThrough() throws {
        for ipv6 in [false, true] {
            let (action, out, forwarder) = try Self.forward(
                Self.aggregate(ipv6: ipv6), offload: Self.gso(ipv6: ipv6), offloadTransmit: true)
            if ipv6 {
                // The IPv6 service does not exist in this director: not ours.
                #expect(action == .drop(.noConnection))
                continue
            }
            #expect(action == .transmit(interface: 1))
            #expect(forwarder.transmitOffload == Self.gso(ipv6: false))
            #expect(forwarder.counters.aggregatesReceived == 1)
            #expect(forwarder.counters.segmentsWritten == 0)
            try PacketBuffer.withCopy(of: out) { frame in
                let packet = try parseFrame(frame).packet!
                #expect(packet.destination.ipAddress == F.server)
                #expect(packet.l3Length == 40 + 4000)
                // What the device computes from the re-based partial sum is the right checksum.
                #expect(Self.completed(frame, packet) == TransportChecksum.compute(in: frame, packet: packet))
            }
        }
    }

    @Test("without offload on transmit, a NAT aggregate is split in software, every segment complete")
    func natSegmented() throws {
        let (action, _, forwarder) = try Self.forward(Self.aggregate(), offload: Self.gso(), offloadTransmit: false)
        #expect(action == .transmitSegments(interface: 1, count: 3))
        #expect(forwarder.counters.segmentsWritten == 3)
        #expect(forwarder.counters.forwardedInbound == 2)  // the SYN and the aggregate
        var rebuilt: [UInt8] = []
        for index in 0..<forwarder.segments.count {
            let frame = forwarder.segments.frame(index)
            let packet = try parseFrame(frame).packet!
            #expect(packet.destination.ipAddress == F.server)
            #expect(packet.source.ipAddress == F.client)
            #expect(packet.network.hopLimit == 63)
            #expect(packet.l3Length <= 1500)
            #expect(TransportChecksum.isValid(in: frame, packet: packet))
            #expect(MACAddress.read(from: frame, at: 0) == F.serverMAC)
            rebuilt += frame.bytes[packet.payloadOffset...]
        }
        #expect(rebuilt == Self.payload)
    }

    @Test("a tunnelled aggregate is split, then each segment encapsulated within the MTU")
    func tunnelSegmented() throws {
        let (action, _, forwarder) = try Self.forward(
            Self.aggregate(), offload: Self.gso(size: 1440), method: .tunnelling, offloadTransmit: true)
        #expect(action == .transmitSegments(interface: 1, count: 3))
        var rebuilt: [UInt8] = []
        for index in 0..<forwarder.segments.count {
            let frame = forwarder.segments.frame(index)
            let outer = try parseFrame(frame).packet!
            #expect(outer.protocolNumber == IPProtocolNumbers.ipip)
            #expect(outer.destination.ipAddress == F.server)
            #expect(outer.l3Length <= 1500)
            let inner = try ParsedPacket.parse(frame, at: outer.network.transportOffset, end: frame.count)
            #expect(inner.destination.ipAddress == F.vip)
            #expect(TransportChecksum.isValid(in: frame, packet: inner))
            rebuilt += frame.bytes[inner.payloadOffset...]
        }
        #expect(rebuilt == Self.payload)
    }

    @Test("a tunnelled aggregate whose segments do not fit the tunnel: fragmentation needed at MTU − 20")
    func tunnelTooBig() throws {
        let (action, reply, forwarder) = try Self.forward(
            Self.aggregate(), offload: Self.gso(size: 1460), method: .tunnelling, offloadTransmit: true)
        #expect(action == .reply(interface: 0))
        #expect(forwarder.counters[.tooBig] == 1)
        try PacketBuffer.withCopy(of: reply) { frame in
            let packet = try parseFrame(frame).packet!
            guard case .icmp(let icmp) = packet.transport else {
                Issue.record("not ICMP")
                return
            }
            #expect(icmp.type == 3 && icmp.code == 4)
            #expect(frame.u16(at: packet.l4Offset! + 6) == 1480)
        }
    }

    @Test("a partial checksum: completed in software without offload on transmit, re-based and kept with it")
    func partialChecksum() throws {
        let small = Self.aggregate(payload: Array(Self.payload[..<600]), flags: [.ack, .psh])
        let partial = PacketOffload(needsChecksum: true, headerLength: 54, checksumStart: 34, checksumOffset: 16)
        let (completed, out, _) = try Self.forward(small, offload: partial, offloadTransmit: false)
        #expect(completed == .transmit(interface: 1))
        try PacketBuffer.withCopy(of: out) { frame in
            let packet = try parseFrame(frame).packet!
            #expect(TransportChecksum.isValid(in: frame, packet: packet))
        }
        let (kept, keptOut, forwarder) = try Self.forward(small, offload: partial, offloadTransmit: true)
        #expect(kept == .transmit(interface: 1))
        #expect(forwarder.transmitOffload == partial)
        try PacketBuffer.withCopy(of: keptOut) { frame in
            let packet = try parseFrame(frame).packet!
            #expect(Self.completed(frame, packet) == TransportChecksum.compute(in: frame, packet: packet))
        }
    }

    @Test("an aggregate the engine cannot handle (legacy UFO, too many segments) is a counted drop")
    func unsupportedAggregates() throws {
        let (ufo, _, first) = try Self.forward(Self.aggregate(), offload: Self.gso(type: 3), offloadTransmit: true)
        #expect(ufo == .drop(.segmentationFailed))
        #expect(first.counters[.segmentationFailed] == 1)
        let (tiny, _, second) = try Self.forward(Self.aggregate(), offload: Self.gso(size: 4), offloadTransmit: false)
        #expect(tiny == .drop(.segmentationFailed))
        let c = second.counters
        #expect(c.forwardedInbound + c.forwardedOutbound + c.icmpRelayed + c.ignored + c.dropped == c.received)
    }

    @Test("thousands of damaged aggregates with random offload headers: no trap, every frame accounted for")
    func fuzz() throws {
        for method in [ForwardingMethod.masquerading, .tunnelling] {
            let director = try F.director(method)
            var forwarder = F.forwarder(plan: ForwardingPlan(director.configuration))
            var neighbours = F.knownNeighbours()
            var generator = SplitMix64(seed: 7)
            let seeds = [F.syn(), Self.aggregate(), Self.aggregate(ipv6: true), Self.aggregate(payload: [1, 2, 3])]
            var segments = 0
            for round in 0..<4_000 {
                // Cut short, bytes overwritten, or whole (the offload header is what varies).
                let bytes = F.damaged(seeds[round % seeds.count], how: [0, 1, 3, 3][round % 4], &generator)
                let kinds: [UInt8] = [0, 1, 3, 4, 5, 0x81, UInt8(truncatingIfNeeded: generator.next())]
                let offload = PacketOffload(
                    needsChecksum: generator.next() % 2 == 0,
                    segmentationType: kinds[Int(generator.next() % UInt64(kinds.count))],
                    headerLength: UInt16(truncatingIfNeeded: generator.next()),
                    segmentSize: UInt16(truncatingIfNeeded: generator.next() % 3000),
                    checksumStart: UInt16(truncatingIfNeeded: generator.next() % 100),
                    checksumOffset: UInt16(truncatingIfNeeded: generator.next() % 20))
                forwarder.offloadTransmit = generator.next() % 2 == 0
                let (action, _) = F.run(
                    bytes, ingress: 0, offload: offload, forwarder: &forwarder, director: director,
                    neighbours: &neighbours)
                if case .transmitSegments(_, let count) = action {
                    segments += count
                    for index in 0..<count {
                        let segment = forwarder.segments.frame(index)
                        #expect(segment.count <= 1514)
                        #expect((try? parseFrame(segment)) != nil)
                    }
                }
            }
            let c = forwarder.counters
            #expect(c.received == 4_000)
            #expect(c.forwardedInbound + c.forwardedOutbound + c.icmpRelayed + c.ignored + c.dropped == c.received)
            #expect(UInt64(segments) == c.segmentsWritten && segments > 0)
            #expect(c.aggregatesReceived > 0)
        }
    }
}
