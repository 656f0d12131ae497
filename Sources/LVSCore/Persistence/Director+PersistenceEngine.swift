// What an engine asks before it reads a datagram's payload for a persistence engine
// (reference §4.14), and what the director keeps of the engine's data per template.
// Connections for datagrams that real servers initiate (IPVS `conn_out`) are in
// Director+RealServerInitiated.swift.
extension Director {
    /// The persistence engine whose data the director wants with a client datagram to
    /// `address:port` (with firewall mark `firewallMark`), or nil — then the payload need not be
    /// read. Only UDP datagrams of persistent services with `--pe sip` are named. Costs one
    /// emptiness check while no service has an engine, then the service lookup of §4.4.
    public func persistenceEngine(
        forPacketTo protocolNumber: IPProtocolNumber, address: IPAddress, port: UInt16, firewallMark: UInt32 = 0
    ) -> PersistenceEngine? {
        guard !persistenceEngineServices.isEmpty, protocolNumber == .udp else { return nil }
        let probe = InboundPacket(
            protocolNumber: protocolNumber, clientAddress: address, clientPort: 0, destinationAddress: address,
            destinationPort: port, firewallMark: firewallMark)
        guard let service = lookupService(for: probe) else { return nil }
        return persistenceEngineServices[service.id]
    }

    /// The persistence-engine name and data of an entry, for listings and sync records.
    func persistenceEngineData(of index: Int32) -> (engine: PersistenceEngine, data: [UInt8])? {
        guard let data = connectionTable.persistenceData(of: index) else { return nil }
        // The table holds data only for templates made for an engine; there is one engine.
        return (.sip, data)
    }
}
