import LVSCore
import LVSPacket

// The persistence engine's data of a client datagram (reference §4.14): read in place from the
// frame, only for services the plan names, so other traffic never pays for it.
extension PacketForwarder {
    /// The persistence data (the SIP Call-ID) of the UDP datagram `packet` when the plan gives
    /// its destination a persistence engine; nil otherwise or when the payload has none. Reads
    /// only inside the datagram: the UDP length field, bounded by the IP packet's end.
    func persistenceData(of packet: ParsedPacket, in frame: PacketBuffer, firewallMark: UInt32) -> [UInt8]? {
        guard case .udp = packet.transport,
            let engine = plan.persistenceEngine(
                forUDPTo: packet.destination.ipAddress, port: packet.destinationPort, firewallMark: firewallMark)
        else { return nil }
        return persistenceData(of: packet, in: frame, engine: engine)
    }

    /// The persistence data of a UDP datagram from a real server of a service with an engine
    /// (the director uses it only when the datagram matches no entry, reference §4.14); nil for
    /// other sources, so their replies never have their payload read.
    func realServerPersistenceData(of packet: ParsedPacket, in frame: PacketBuffer) -> [UInt8]? {
        guard case .udp = packet.transport, !plan.persistenceEngineSources.isEmpty,
            let engine = plan.persistenceEngine(forUDPFrom: packet.source.ipAddress, port: packet.sourcePort)
        else { return nil }
        return persistenceData(of: packet, in: frame, engine: engine)
    }

    /// `engine`'s data of the UDP datagram `packet`, read in place inside the datagram (the UDP
    /// length field, bounded by the IP packet's end).
    private func persistenceData(of packet: ParsedPacket, in frame: PacketBuffer, engine: PersistenceEngine)
        -> [UInt8]?
    {
        guard case .udp(let header) = packet.transport else { return nil }
        let end = min(header.offset &+ header.length, packet.network.end)
        let start = header.payloadOffset
        guard end > start else { return nil }
        return frame.withBytes(at: start, length: end - start) { engine.persistenceData(from: $0) } ?? nil
    }
}
