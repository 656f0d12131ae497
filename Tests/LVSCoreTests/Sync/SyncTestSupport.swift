@testable import LVSCore

extension ConnectionHarness {
    /// A harness whose director runs a master sync daemon with `settings`.
    static func master(_ settings: SyncOutputSettings = SyncOutputSettings()) -> ConnectionHarness {
        let h = ConnectionHarness()
        h.director.syncOutput = settings
        return h
    }

    /// Drains the director's sync outbox.
    func takeRecords() -> [SyncedConnection] { director.takeSyncOutput() }

    /// The internal entry of client n:port (a connection, not a template).
    func internalEntry(client: UInt32 = 1, port: UInt16 = 40_000, vport: UInt16 = 80) -> ConnectionEntry? {
        let table = director.connectionTable
        guard
            let index = table.lookupIn(
                .tcp, client: Self.client(client), clientPort: port, virtual: vipAddress, virtualPort: vport)
                ?? table.lookupIn(
                    .udp, client: Self.client(client), clientPort: port, virtual: vipAddress, virtualPort: vport)
        else { return nil }
        return table.entries[Int(index)]
    }

    /// Sends `count` packets of client n:port; returns after which packets (1-based) the
    /// director queued records of the connection itself (templates excluded).
    func packetsThatSynced(
        _ count: Int, first: TCPSegmentFlags = .syn, then: TCPSegmentFlags = .ack, client: UInt32 = 1,
        port: UInt16 = 40_000, protocolNumber: IPProtocolNumber = .tcp, vport: UInt16 = 80
    ) -> [Int] {
        var synced: [Int] = []
        for k in 1...count {
            send(k == 1 ? first : then, client: client, port: port, protocolNumber: protocolNumber, to: vport)
            if takeRecords().contains(where: { !$0.isTemplate }) { synced.append(k) }
        }
        return synced
    }
}

/// A sync record for a connection of client 198.51.100.n to the harness's VIP, as a master
/// would send it.
func syncRecord(
    _ protocolNumber: IPProtocolNumber = .tcp, client: UInt32 = 1, port: UInt16 = 40_000, vport: UInt16 = 80,
    server: UInt32 = 1, serverPort: UInt16 = 8080, forwarding: ForwardingMethod = .masquerading,
    flags: SyncedConnectionFlags = [], state: UInt16 = UInt16(TCPState.established.rawValue), timeout: UInt32 = 900,
    firewallMark: UInt32 = 0
) -> SyncedConnection {
    SyncedConnection(
        protocolNumber: protocolNumber, flags: SyncedConnectionFlags(forwarding: forwarding, other: flags),
        state: state, clientAddress: ConnectionHarness.client(client), clientPort: port,
        virtualAddress: IPAddress(ipv4: 0x0A00_0001), virtualPort: vport,
        destinationAddress: ConnectionHarness.serverAddress(server), destinationPort: serverPort,
        firewallMark: firewallMark, timeout: timeout)
}
