import LVSCore
import LVSPacket

// The persistence engine's data of a client datagram (reference §4.14): read in place from the
// frame, only for services the plan names, so other traffic never pays for it.
extension PacketForwarder {
    /// The persistence data (the SIP Call-ID) of the UDP datagram `packet` when the plan gives
    /// its destination a persistence engine; nil otherwise or when the payload has none. Reads
    /// only inside the datagram: the UDP length field, bounded by the IP packet's end.
    func persistenceData(of packet: ParsedPacket, in frame: PacketBuffer, firewallMark: UInt32) -> [UInt8]? {
        guard case .udp(let header) = packet.transport,
            let engine = plan.persistenceEngine(
                forUDPTo: packet.destination.ipAddress, port: packet.destinationPort, firewallMark: firewallMark)
        else { return nil }
        let end = min(header.offset &+ header.length, packet.network.end)
        let start = header.payloadOffset
        guard end > start else { return nil }
        return frame.withBytes(at: start, length: end - start) { engine.persistenceData(from: $0) } ?? nil
    }
}
