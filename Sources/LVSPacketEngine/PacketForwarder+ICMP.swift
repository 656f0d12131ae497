import LVSCore
import LVSPacket

// Relaying ICMP errors about the engine's connections to their other side (reference §5.6).
// Which side an error came from is read from its quote: a quote from a VIP is about a packet
// sent to a client (client side), a quote to a masquerading real server is about a packet the
// director sent it (real-server side), and a quoted IP-in-IP packet from one of the director's
// addresses is about a tunnelled packet. The director only looks the connection up
// (`relatedConnection`): no entry is created, no state changes, no timer restarts.
extension PacketForwarder {
    /// An ICMP or ICMPv6 message (not neighbour discovery or ICMPv6 echo, left earlier).
    mutating func relayICMP<D: ConnectionDecider, N: NeighbourResolver>(
        _ packet: ParsedPacket, frame: inout PacketBuffer, ingress: Int, decider: D, neighbours: inout N,
        now: MonotonicInstant, scratch: inout PacketBuffer
    ) -> ForwardAction {
        // Reference §5.6: only IPv4 3, 4, 11 and ICMPv6 < 128 are related; echo to a VIP,
        // redirects and parameter problems are the kernel's (it answers pings to the VIP).
        guard case .icmp(let icmp) = packet.transport, icmp.isError else {
            counters.ignored &+= 1
            return .ignore
        }
        // IPVS relays reassembled errors only; the engine does not reassemble (§5.7).
        guard !packet.network.isFragment else { return drop(.fragment) }
        guard let quoted = packet.quoted else { return drop(.icmpUnrelated) }
        // A partial (offloaded) checksum comes from this host and is completed on the way out.
        if !checksumPending && !TransportChecksum.isValid(in: frame, packet: packet) {
            return drop(.icmpBadChecksum)
        }
        let quotedSource = quoted.network.source.ipAddress
        let quotedDestination = quoted.network.destination.ipAddress
        if quoted.protocolNumber == IPProtocolNumbers.ipip || quoted.protocolNumber == IPProtocolNumbers.ipv6 {
            guard isOwnAddress(quotedSource), isOwnAddress(packet.destination.ipAddress) else {
                return drop(.icmpUnrelated)
            }
            return relayTunnelError(
                packet, icmp: icmp, quoted: quoted, frame: frame, decider: decider, neighbours: &neighbours, now: now,
                scratch: &scratch)
        }
        guard quoted.hasPorts, let protocolNumber = IPProtocolNumber(rawValue: quoted.protocolNumber) else {
            return drop(.icmpUnrelated)
        }
        let side: RelatedSide
        if plan.services.contains(where: { $0.address == quotedSource }) {
            side = .client
        } else if plan.isNATServer(quotedDestination) {
            side = .server
        } else {
            return drop(.icmpUnrelated)
        }
        let related = RelatedPacket(
            side: side, protocolNumber: protocolNumber, quotedSourceAddress: quotedSource,
            quotedSourcePort: quoted.sourcePort, quotedDestinationAddress: quotedDestination,
            quotedDestinationPort: quoted.destinationPort, length: UInt32(clamping: packet.l3Length))
        guard let verdict = decider.relatedConnection(related, now: now) else { return drop(.icmpUnrelated) }
        switch verdict {
        case .toServer(_, let server, let port, let method):
            switch method {
            case .masquerading:
                // Outer destination and quoted source VIP:vport → RS:dport.
                return relayMasqueraded(
                    packet, frame: &frame, ingress: ingress, towards: server, outer: .destination,
                    quoted: .source, address: server, port: port, neighbours: &neighbours, now: now,
                    scratch: &scratch)
            case .directRouting:
                return countedRelay(
                    routeDirectly(
                        packet, frame: &frame, ingress: ingress, server: server, neighbours: &neighbours, now: now,
                        scratch: &scratch))
            case .tunnelling:
                return countedRelay(
                    tunnel(
                        packet, frame: &frame, ingress: ingress, server: server, neighbours: &neighbours, now: now,
                        scratch: &scratch))
            case .localNode, .bypass, .proxy:
                return drop(.unsupportedMethod)
            }
        case .toClient(_, let virtualAddress, let virtualPort, let method):
            // Only masquerading entries answer an out-lookup by real-server address (§4.2).
            guard method == .masquerading else { return drop(.unsupportedMethod) }
            // Outer source and quoted destination RS:dport → VIP:vport.
            return relayMasqueraded(
                packet, frame: &frame, ingress: ingress, towards: packet.destination.ipAddress, outer: .source,
                quoted: .destination, address: virtualAddress, port: virtualPort, neighbours: &neighbours, now: now,
                scratch: &scratch)
        }
    }

    /// Reference §5.6 NAT: one outer address and the quoted address:port on the same side of
    /// the connection rewritten, the ICMP checksum recomputed, routed with the common steps.
    private mutating func relayMasqueraded<N: NeighbourResolver>(
        _ packet: ParsedPacket, frame: inout PacketBuffer, ingress: Int, towards nextHop: IPAddress,
        outer: NATRewrite.Side, quoted: NATRewrite.Side, address: IPAddress, port: UInt16, neighbours: inout N,
        now: MonotonicInstant, scratch: inout PacketBuffer
    ) -> ForwardAction {
        var packet = packet
        switch prepareHop(
            &packet, frame: frame, towards: nextHop, onLinkOnly: false, overhead: 0, ingress: ingress,
            neighbours: &neighbours, now: now, scratch: &scratch)
        {
        case .proceed(let egress, let mac):
            do {
                // Outer first: the ICMPv6 checksum covers the outer pseudo-header.
                try NATRewrite.rewriteAddressOnly(
                    outer, in: frame, network: &packet.network, address: address.wireAddress)
                try NATRewrite.rewriteQuoted(
                    quoted, in: frame, packet: &packet, address: address.wireAddress, port: port)
            } catch {
                return drop(.rewriteFailed)
            }
            return countedRelay(finish(&frame, packet: packet, egress: egress, mac: mac))
        case .done(let action):
            return action
        }
    }

    /// Reference §5.6, errors about the director's own IP-in-IP packets: the client's packet is
    /// taken from inside the quote and the client gets an error about it from the VIP, with the
    /// same type and code; fragmentation needed / packet too big carries the reported MTU less
    /// the outer header, and is sent only when the client's IPv4 packet had DF. The original
    /// error is consumed (the kernel has its own copy and updates its path MTU with it).
    private mutating func relayTunnelError<D: ConnectionDecider, N: NeighbourResolver>(
        _ packet: ParsedPacket, icmp: ICMPHeader, quoted: QuotedPacket, frame: PacketBuffer, decider: D,
        neighbours: inout N, now: MonotonicInstant, scratch: inout PacketBuffer
    ) -> ForwardAction {
        let innerIPv6 = quoted.protocolNumber == IPProtocolNumbers.ipv6
        guard let innerOffset = quoted.transportOffset, let version = frame.u8(at: innerOffset),
            version >> 4 == (innerIPv6 ? 6 : 4),
            let inner = try? QuotedPacket.parse(frame, at: innerOffset, end: quoted.end, ipv6: innerIPv6),
            inner.hasPorts, let protocolNumber = IPProtocolNumber(rawValue: inner.protocolNumber)
        else { return drop(.icmpUnrelated) }
        let type: UInt8
        let code: UInt8
        let rest: UInt32
        if let reported = icmp.reportedMTU {
            // The client does no path MTU discovery: nothing to tell it (IPVS consumes it).
            guard innerIPv6 || inner.network.dontFragment else {
                counters.ignored &+= 1
                return .ignore
            }
            let overhead: UInt32 = quoted.network.isIPv6 ? UInt32(IPv6Header.length) : UInt32(IPv4Header.minimumLength)
            let reduced = reported >= overhead ? reported - overhead : 0
            if innerIPv6 {
                // RFC 8200 §5: no IPv6 link is smaller than 1280.
                (type, code, rest) = (ICMPTypes.v6PacketTooBig, 0, max(reduced, 1280))
            } else {
                // Reference §5.6: subtracted only if the result stays ≥ 68 (RFC 791 minimum).
                let mtu = reduced >= 68 ? reduced : reported
                (type, code, rest) = (
                    ICMPTypes.v4DestinationUnreachable, ICMPTypes.v4CodeFragmentationNeeded, min(mtu, 0xFFFF)
                )
            }
        } else if icmp.isIPv6 == innerIPv6 {
            (type, code, rest) = (icmp.type, icmp.code, icmp.restOfHeader)
        } else if icmp.type == (icmp.isIPv6 ? ICMPTypes.v6TimeExceeded : ICMPTypes.v4TimeExceeded) {
            // Across families only time exceeded has a counterpart with the same meaning.
            (type, code, rest) = (innerIPv6 ? ICMPTypes.v6TimeExceeded : ICMPTypes.v4TimeExceeded, icmp.code, 0)
        } else {
            return drop(.icmpUnrelated)
        }
        let client = inner.network.source.ipAddress
        let related = RelatedPacket(
            side: .tunnelPath, protocolNumber: protocolNumber, quotedSourceAddress: client,
            quotedSourcePort: inner.sourcePort, quotedDestinationAddress: inner.network.destination.ipAddress,
            quotedDestinationPort: inner.destinationPort, length: UInt32(clamping: packet.l3Length))
        guard case .toClient(_, let virtualAddress, _, .tunnelling)? = decider.relatedConnection(related, now: now)
        else { return drop(.icmpUnrelated) }
        guard let route = routes.lookup(client), interfaces.indices.contains(route.interface) else {
            return drop(.noRoute)
        }
        guard let mac = neighbours.lookup(route.nextHop, now: now) else {
            return solicit(route.nextHop, on: route.interface, neighbours: &neighbours, now: now, scratch: &scratch)
        }
        let limit = innerIPv6 ? ICMPErrorBuilder.ipv6MaximumLength : ICMPErrorBuilder.ipv4MaximumLength
        let headers = (innerIPv6 ? IPv6Header.length : IPv4Header.minimumLength) + ICMPHeader.length
        let quoteLength = min(quoted.end - innerOffset, limit - headers)
        do {
            try ICMPErrorBuilder.message(
                type: type, code: code, restOfHeader: rest, quoting: frame, at: innerOffset, length: quoteLength,
                ipv6: innerIPv6, source: virtualAddress.wireAddress, destination: client.wireAddress,
                identification: identification, into: &scratch)
            identification &+= 1
            let etherType = innerIPv6 ? EtherType.ipv6 : EtherType.ipv4
            try EthernetHeader(destination: mac, source: interfaces[route.interface].mac, etherType: etherType)
                .prepend(to: &scratch)
        } catch {
            return drop(.rewriteFailed)
        }
        counters.icmpRelayed &+= 1
        return .reply(interface: route.interface)
    }

    /// Counts a relayed error that is sent.
    private mutating func countedRelay(_ action: ForwardAction) -> ForwardAction {
        if action.forwards { counters.icmpRelayed &+= 1 }
        return action
    }

    /// True for an address of one of the engine's interfaces (the director's own).
    private func isOwnAddress(_ address: IPAddress) -> Bool {
        interfaces.contains { $0.addresses.contains { $0.address == address } }
    }
}
