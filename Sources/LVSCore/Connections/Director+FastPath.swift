// What a packet-engine worker may forward without the director's lock
// (docs/design/0025-packet-engine-without-a-lock.md): an entry in a state that the packets of an
// established flow do not change. The worker keeps such entries in its own flow table, counts
// their packets there and reports the sums here at most every few milliseconds; every packet
// that could change the entry (SYN, FIN, RST, the first reply, a helper's segment) still comes
// through `inbound`/`outbound` under the lock.

/// The director's permission for a worker to forward one connection's packets on its own.
public struct FastPathGrant: Sendable, Hashable {
    /// The entry; a grant dies with it.
    public var ref: ConnectionRef
    public var protocolNumber: IPProtocolNumber
    /// Client → virtual service: the key the worker finds inbound packets by, and their verdict.
    public var client: IPAddress
    public var clientPort: UInt16
    public var virtualAddress: IPAddress
    public var virtualPort: UInt16
    /// nil when inbound packets must go through `inbound` (not an established entry for them).
    public var inbound: InboundVerdict?
    /// Real server → client: the source the reply comes from (the real server for NAT) and the
    /// reply's verdict; nil when replies must go through `outbound` (not masquerading, or no
    /// reply seen yet).
    public var replySource: IPAddress
    public var replySourcePort: UInt16
    public var outbound: OutboundVerdict?
    /// When the director expires the entry unless traffic is reported, in nanoseconds on its
    /// clock; the worker stops using the grant well before (`FlowTable`).
    public var expiry: UInt64
}

extension Director {
    /// Entries whose timeout is shorter than this are never granted: a worker reports traffic
    /// every few milliseconds, but a timeout this short leaves no margin for it.
    static let fastPathMinimumTimeout: UInt32 = 3

    /// The grant for the entry `ref` names, or nil when its packets must come to the director:
    /// templates, entries held by the proxy engine, one-packet entries, entries an application
    /// helper or a persistence engine looks at, entries without an available real server, SCTP,
    /// TCP outside ESTABLISHED, and timeouts too short to report within.
    public func fastPathGrant(_ ref: ConnectionRef) -> FastPathGrant? {
        guard let index = connectionTable.index(of: ref) else { return nil }
        let entry = connectionTable.entries[Int(index)]
        let excluded: ConnectionFlags = [
            .template, .held, .onePacket, .helperState, .inSequence, .outSequence, .noClientPort, .persistenceData,
        ]
        guard entry.flags.isDisjoint(with: excluded), entry.timeout >= Self.fastPathMinimumTimeout,
            let server = boundServers.server(entry.server), server.isAvailable
        else { return nil }
        // The FTP helper reads every segment of a masqueraded control connection (reference §6).
        if entry.protocolNumber == .tcp && entry.forwarding == .masquerading && ftpPorts.contains(entry.virtualPort) {
            return nil
        }
        var inboundAllowed: Bool
        var outboundAllowed = entry.forwarding == .masquerading
        switch entry.protocolNumber {
        case .tcp:
            // A bare ACK must leave the entry where it is, in each direction it is granted for
            // (reference §4.6); a reply clearing NOOUTPUT is an event of its own.
            guard entry.state == TCPState.established.rawValue else { return nil }
            let noOutput = entry.flags.contains(.noOutput)
            inboundAllowed =
                TCPStateMachine.next(
                    from: .established, event: .ack, direction: noOutput ? .inputOnly : .input,
                    secure: defenceStatus.secureTCP.isActive) == .established
            outboundAllowed =
                outboundAllowed && !noOutput
                && TCPStateMachine.next(
                    from: .established, event: .ack, direction: .output, secure: defenceStatus.secureTCP.isActive)
                    == .established
        case .udp:
            inboundAllowed = true
        case .sctp, .ip:
            return nil
        }
        guard inboundAllowed || outboundAllowed else { return nil }
        let masquerading = entry.forwarding == .masquerading
        return FastPathGrant(
            ref: ref, protocolNumber: entry.protocolNumber, client: entry.clientAddress, clientPort: entry.clientPort,
            virtualAddress: entry.virtualAddress, virtualPort: entry.virtualPort,
            inbound: inboundAllowed
                ? .forward(ref, to: server.key, forwarding: entry.forwarding, destinationPort: entry.destinationPort)
                : nil,
            replySource: masquerading ? entry.destinationAddress : entry.virtualAddress,
            replySourcePort: masquerading ? entry.destinationPort : entry.virtualPort,
            outbound: outboundAllowed
                ? .reply(
                    ref, virtualAddress: entry.virtualAddress, virtualPort: entry.virtualPort,
                    forwarding: entry.forwarding)
                : nil,
            expiry: entry.expiry)
    }

    /// Adds what a worker forwarded on its own since its last report: the packets and bytes go
    /// to the real server's, the service's and the global counters and the sync master's count
    /// (`recordTraffic`), and the entry's timer restarts from `lastSeen`, the time of the last of
    /// those packets. Returns the grant as it stands now (nil: the worker must drop it).
    public func reportFastPathTraffic(
        _ ref: ConnectionRef, inPackets: UInt64, inBytes: UInt64, outPackets: UInt64, outBytes: UInt64,
        lastSeen: MonotonicInstant
    ) -> FastPathGrant? {
        let status = recordTraffic(
            ref, inPackets: inPackets, inBytes: inBytes, outPackets: outPackets, outBytes: outBytes, now: lastSeen)
        switch status {
        case .live: return fastPathGrant(ref)
        case .destinationUnavailable, .gone: return nil
        }
    }
}
