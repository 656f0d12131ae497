import LVSCore
import LVSPacket

// Packets of firewall-mark services (reference §4.7) come from the marked-packet log, after
// netfilter's PREROUTING, not from the rings (docs/design/0009-packet-engine.md "Firewall-mark
// services"). What the rings tell in the offload header has to be read from the packet here:
// a partial checksum (a sender on the same host, or a veth) and a GRO aggregate both carry the
// pseudo-header sum in the checksum field, and an aggregate is longer than the MTU.
extension PacketForwarder {
    /// Forwards one marked packet, given as an Ethernet frame the worker built around the
    /// logged IP packet (the frame's destination MAC is the ingress interface's, its source the
    /// sender's). `mark` is the packet's firewall mark.
    public mutating func forwardMarked<D: ConnectionDecider, N: NeighbourResolver>(
        _ frame: inout PacketBuffer, ingress: Int, mark: UInt32, decider: D, neighbours: inout N,
        now: MonotonicInstant, scratch: inout PacketBuffer
    ) -> ForwardAction {
        counters.received &+= 1
        counters.markedReceived &+= 1
        offload = .none
        transmitOffload = .none
        guard interfaces.indices.contains(ingress), let parsed = try? parseFrame(frame),
            case .ip(let packet) = parsed.payload
        else { return drop(.malformed) }
        guard let settled = Self.markedOffload(frame, packet: packet, mtu: interfaces[ingress].mtu) else {
            return drop(.badChecksum)
        }
        offload = settled
        if offload.isSegmented { counters.aggregatesReceived &+= 1 }
        let source = packet.source.ipAddress
        if routes.isOnLink(source, interface: ingress) {
            neighbours.learn(source, mac: parsed.ethernet.source, now: now)
        }
        return forward(
            packet, ethernet: parsed.ethernet, frame: &frame, ingress: ingress, firewallMark: mark,
            decider: decider, neighbours: &neighbours, now: now, scratch: &scratch)
    }

    /// The offload a logged packet stands for: none when its transport checksum is complete and
    /// right; a partial checksum when the field holds the pseudo-header sum (CHECKSUM_PARTIAL,
    /// and every GRO aggregate); TCP segmentation at the ingress MTU when it is longer than that
    /// MTU (an aggregate). Nil for a wrong checksum (dropped and counted: a corrupted packet must
    /// not be given a fresh checksum). Other protocols and fragments pass as they are.
    static func markedOffload(_ frame: PacketBuffer, packet: ParsedPacket, mtu: Int) -> PacketOffload? {
        var result = PacketOffload.none
        let isTCP: Bool
        switch packet.transport {
        case .tcp: isTCP = true
        case .udp: isTCP = false
        case .icmp, .other, .fragment: return result
        }
        guard !packet.network.isFragment, let l4 = packet.l4Offset,
            let field = TransportChecksum.fieldOffset(protocolNumber: packet.protocolNumber, ipv6: packet.isIPv6),
            let stored = frame.u16(at: l4 + field)
        else { return result }
        if !TransportChecksum.isValid(in: frame, packet: packet) {
            let pseudo = InternetChecksum.fold(
                InternetChecksum.pseudoHeaderSum(
                    source: packet.source, destination: packet.destination, protocolNumber: packet.protocolNumber,
                    length: packet.network.end - l4))
            guard stored == pseudo || (pseudo == 0xFFFF && stored == 0) || (pseudo == 0 && stored == 0xFFFF) else {
                return nil
            }
            result.needsChecksum = true
            result.checksumStart = UInt16(clamping: l4)
            result.checksumOffset = UInt16(field)
        }
        let headers = packet.payloadOffset - packet.l3Offset
        if isTCP && packet.l3Length > mtu && mtu > headers {
            let kind: PacketOffload.Segmentation = packet.isIPv6 ? .tcpIPv6 : .tcpIPv4
            result.segmentationType = kind.rawValue
            result.headerLength = UInt16(clamping: packet.payloadOffset)
            result.segmentSize = UInt16(clamping: mtu - headers)
            result.needsChecksum = true
            result.checksumStart = UInt16(clamping: l4)
            result.checksumOffset = UInt16(field)
        }
        return result
    }
}
