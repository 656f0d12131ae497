// The director's side of ICMP error relaying (reference §5.6): a lookup of the connection an
// error's quoted packet belongs to. Unlike `inbound`/`outbound` it never creates an entry,
// never runs the state machine and never restarts the entry's timer (IPVS only takes and
// drops a reference to the entry); it only counts the error in the statistics, as IPVS does.
extension Director {
    /// Finds the connection of the packet an ICMP error quotes, or nil when there is none (the
    /// error is not IPVS's business). The quoted packet travelled away from the side the error
    /// came from, so it is looked up inverted: a client-side error quotes VIP:vport → client
    /// and is an in-lookup of client → VIP:vport; a real-server-side error quotes
    /// client → RS:dport and is an out-lookup of RS:dport → client (reference §4.2). A
    /// tunnel-path error's inner packet went client → VIP:vport and is an in-lookup as it is.
    ///
    /// Counted like a packet of the connection (§4.13: "including related ICMP"): client-side
    /// errors in the in-counters, real-server-side and tunnel-path ones (IPVS counts the error
    /// it sends the client) in the out-counters, on the entry's real server, its service and
    /// the global counters, unless the real server was deleted.
    /// Allocates nothing.
    public func relatedConnection(_ p: RelatedPacket, now: MonotonicInstant) -> RelatedVerdict? {
        switch p.protocolNumber {
        case .tcp, .udp, .sctp: break
        case .ip: return nil
        }
        let found: Int32?
        switch p.side {
        case .client:
            found = connectionTable.lookupIn(
                p.protocolNumber, client: p.quotedDestinationAddress, clientPort: p.quotedDestinationPort,
                virtual: p.quotedSourceAddress, virtualPort: p.quotedSourcePort)
        case .server:
            found = connectionTable.lookupOut(
                p.protocolNumber, source: p.quotedDestinationAddress, sourcePort: p.quotedDestinationPort,
                client: p.quotedSourceAddress, clientPort: p.quotedSourcePort)
        case .tunnelPath:
            found = connectionTable.lookupIn(
                p.protocolNumber, client: p.quotedSourceAddress, clientPort: p.quotedSourcePort,
                virtual: p.quotedDestinationAddress, virtualPort: p.quotedDestinationPort)
        }
        guard let index = found else { return nil }
        let entry = connectionTable.entries[Int(index)]
        // Only a client-side error travels towards the real server.
        let towardsServer = p.side == .client
        if let server = boundServers.server(entry.server), server.isAvailable {
            let service = boundServers.service(entry.server)
            if towardsServer {
                recordInbound(bytes: p.length, server: server, service: service)
            } else {
                recordOutbound(bytes: p.length, server: server, service: service)
            }
        }
        let ref = connectionTable.ref(index)
        if towardsServer {
            return .toServer(
                ref, server: entry.destinationAddress, destinationPort: entry.destinationPort,
                forwarding: entry.forwarding)
        }
        return .toClient(
            ref, virtualAddress: entry.virtualAddress, virtualPort: entry.virtualPort, forwarding: entry.forwarding)
    }
}
