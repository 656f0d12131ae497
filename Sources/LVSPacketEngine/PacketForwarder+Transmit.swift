import LVSCore
import LVSPacket

// The transmit side of the forwarder: the three forwarding methods and the common steps of
// reference §5 (route, TTL/hop limit, MTU, next-hop MAC), the NAT reply path (§5.1), and the
// frames the engine builds itself (ICMP errors, ARP requests, neighbour solicitations).
extension PacketForwarder {
    /// Masquerading (reference §5.1). Requests (`.destination`): VIP:vport → RS:port, routed to
    /// the real server. Replies (`.source`): RS:port → VIP:vport, routed to the client.
    mutating func masquerade<N: NeighbourResolver>(
        _ side: NATRewrite.Side, _ packet: ParsedPacket, frame: inout PacketBuffer, ingress: Int, address: IPAddress,
        port: UInt16, neighbours: inout N, now: MonotonicInstant, scratch: inout PacketBuffer
    ) -> ForwardAction {
        var packet = packet
        let nextHop = side == .destination ? address : packet.destination.ipAddress
        let egress: Int
        let mac: MACAddress
        switch prepareHop(
            &packet, frame: frame, towards: nextHop, onLinkOnly: false, overhead: 0, ingress: ingress,
            neighbours: &neighbours, now: now, scratch: &scratch)
        {
        case .proceed(let interface, let found):
            egress = interface
            mac = found
        case .done(let action):
            return action
        }
        do {
            try NATRewrite.rewrite(side, in: frame, packet: &packet, address: address.wireAddress, port: port)
        } catch {
            return drop(.rewriteFailed)
        }
        let action = finish(&frame, packet: packet, egress: egress, mac: mac)
        if action.forwards {
            switch side {
            case .destination: counters.forwardedInbound &+= 1
            case .source: counters.forwardedOutbound &+= 1
            }
        }
        return action
    }

    /// Direct routing (reference §5.2): the IP packet unchanged but for the TTL, to the real
    /// server's MAC; the real server must be on-link. The caller counts a `.transmit`.
    mutating func routeDirectly<N: NeighbourResolver>(
        _ packet: ParsedPacket, frame: inout PacketBuffer, ingress: Int, server: IPAddress,
        neighbours: inout N, now: MonotonicInstant, scratch: inout PacketBuffer
    ) -> ForwardAction {
        var packet = packet
        switch prepareHop(
            &packet, frame: frame, towards: server, onLinkOnly: true, overhead: 0, ingress: ingress,
            neighbours: &neighbours, now: now, scratch: &scratch)
        {
        case .proceed(let egress, let mac):
            return finish(&frame, packet: packet, egress: egress, mac: mac)
        case .done(let action):
            return action
        }
    }

    /// IP-in-IP tunnelling (reference §5.3): an outer header director → real server in front of
    /// the unchanged packet (TTL decremented); packets too big for the tunnel with DF are
    /// answered with fragmentation needed / packet too big at the tunnel MTU (§5.7). The caller
    /// counts a `.transmit`.
    mutating func tunnel<N: NeighbourResolver>(
        _ packet: ParsedPacket, frame: inout PacketBuffer, ingress: Int, server: IPAddress,
        neighbours: inout N, now: MonotonicInstant, scratch: inout PacketBuffer
    ) -> ForwardAction {
        var packet = packet
        let overhead = server.family == .inet ? IPv4Header.minimumLength : IPv6Header.length
        let egress: Int
        let mac: MACAddress
        switch prepareHop(
            &packet, frame: frame, towards: server, onLinkOnly: false, overhead: overhead,
            ingress: ingress, neighbours: &neighbours, now: now, scratch: &scratch)
        {
        case .proceed(let interface, let found):
            egress = interface
            mac = found
        case .done(let action):
            return action
        }
        guard let outerSource = interfaces[egress].sourceAddress(towards: server) else { return drop(.noRoute) }
        let endpoints = Tunnel.Endpoints(source: outerSource.wireAddress, destination: server.wireAddress)
        let ethernet = EthernetHeader(
            destination: mac, source: interfaces[egress].mac,
            etherType: server.family == .inet ? EtherType.ipv4 : EtherType.ipv6)
        if offload.isSegmented {
            // A packet socket cannot describe segmentation inside IP-IP: split, then encapsulate.
            return segmentInSoftware(
                frame, packet: packet, egress: egress, tunnel: TunnelHop(endpoints: endpoints, ethernet: ethernet))
        }
        do {
            if checksumPending { try TransportChecksum.recompute(in: frame, packet: packet) }
            try frame.setCount(packet.network.end)
            try encapsulate(&frame, l3Offset: packet.l3Offset, hop: TunnelHop(endpoints: endpoints, ethernet: ethernet))
        } catch {
            return drop(.rewriteFailed)
        }
        return .transmit(interface: egress)
    }

    /// The headers a tunnelled packet leaves with.
    struct TunnelHop {
        var endpoints: Tunnel.Endpoints
        var ethernet: EthernetHeader
    }

    /// Replaces the link-layer header of `frame` (its IP packet at `l3Offset`) with the hop's
    /// outer IP header and Ethernet header.
    mutating func encapsulate(_ frame: inout PacketBuffer, l3Offset: Int, hop: TunnelHop) throws(PacketError) {
        try frame.removeFront(l3Offset)
        let inner = try ParsedPacket.parse(frame, at: 0, end: frame.count).network
        try Tunnel.encapsulate(&frame, inner: inner, endpoints: hop.endpoints, identification: &identification)
        try hop.ethernet.prepend(to: &frame)
    }

    /// What the common transmit steps decided.
    enum Hop {
        case proceed(interface: Int, mac: MACAddress)
        case done(ForwardAction)
    }

    /// Reference §5 common steps, in the kernel's order (ip_forward): route; TTL ≤ 1 → time
    /// exceeded; larger than the (tunnel) MTU with DF → fragmentation needed; next-hop MAC (a
    /// solicitation when unknown); then the TTL is decremented in place.
    mutating func prepareHop<N: NeighbourResolver>(
        _ packet: inout ParsedPacket, frame: PacketBuffer, towards destination: IPAddress, onLinkOnly: Bool,
        overhead: Int, ingress: Int, neighbours: inout N, now: MonotonicInstant, scratch: inout PacketBuffer
    ) -> Hop {
        guard let route = routes.lookup(destination), interfaces.indices.contains(route.interface) else {
            return .done(drop(.noRoute))
        }
        if onLinkOnly && route.nextHop != destination { return .done(drop(.noRoute)) }
        let ourAddress = interfaces[ingress].sourceAddress(towards: packet.source.ipAddress)
        if packet.network.hopLimit <= 1 {
            return .done(
                icmpError(
                    .timeExceeded, about: packet, frame: frame, from: ourAddress ?? packet.destination.ipAddress,
                    ingress: ingress, dropping: .ttlExpired, scratch: &scratch))
        }
        let mtu = interfaces[route.interface].mtu - overhead
        if ICMPErrorBuilder.needsTooBig(packet: packet, length: wireLength(of: packet), mtu: mtu) {
            return .done(
                icmpError(
                    .tooBig(mtu: UInt32(clamping: max(mtu, 0))), about: packet, frame: frame,
                    from: ourAddress ?? packet.destination.ipAddress, ingress: ingress, dropping: .tooBig,
                    scratch: &scratch))
        }
        guard let mac = neighbours.lookup(route.nextHop, now: now) else {
            return .done(
                solicit(route.nextHop, on: route.interface, neighbours: &neighbours, now: now, scratch: &scratch))
        }
        do {
            try NATRewrite.decrementHopLimit(in: frame, network: &packet.network)
        } catch {
            return .done(drop(.rewriteFailed))
        }
        return .proceed(interface: route.interface, mac: mac)
    }

    /// Trims link-layer padding, writes the MACs of the hop and settles the frame's offload
    /// (partial checksum, aggregate).
    mutating func finish(_ frame: inout PacketBuffer, packet: ParsedPacket, egress: Int, mac: MACAddress)
        -> ForwardAction
    {
        do {
            try frame.setCount(packet.network.end)
            try EthernetHeader.setDestination(mac, in: frame)
            try EthernetHeader.setSource(interfaces[egress].mac, in: frame)
            return try settleOffload(frame, packet: packet, egress: egress)
        } catch {
            return drop(.rewriteFailed)
        }
    }

    /// Builds an ICMP error about `packet` into `scratch`, addressed back through `ingress` to the
    /// frame's previous hop, and drops the frame under `reason`.
    mutating func icmpError(
        _ kind: ICMPErrorBuilder.Kind, about packet: ParsedPacket, frame: PacketBuffer, from source: IPAddress,
        ingress: Int, dropping reason: PacketDrop, scratch: inout PacketBuffer
    ) -> ForwardAction {
        counters.count(reason)
        guard source.family == (packet.isIPv6 ? .inet6 : .inet),
            let previousHop = MACAddress.read(from: frame, at: 6)
        else { return .drop(reason) }
        do {
            try ICMPErrorBuilder.build(
                kind, offending: frame, packet: packet, source: source.wireAddress, identification: identification,
                into: &scratch)
            identification &+= 1
            let type = packet.isIPv6 ? EtherType.ipv6 : EtherType.ipv4
            try EthernetHeader(destination: previousHop, source: interfaces[ingress].mac, etherType: type)
                .prepend(to: &scratch)
        } catch {
            return .drop(reason)
        }
        counters.icmpSent &+= 1
        return .reply(interface: ingress)
    }

    /// An ARP request (IPv4) or neighbour solicitation (IPv6) for `address` out of `interface`,
    /// at most one per address per interval; the frame that needed it is dropped (TCP and the
    /// client retransmit; DESIGN.md §9: counted).
    mutating func solicit<N: NeighbourResolver>(
        _ address: IPAddress, on interface: Int, neighbours: inout N, now: MonotonicInstant,
        scratch: inout PacketBuffer
    ) -> ForwardAction {
        counters.count(.neighbourUnresolved)
        guard neighbours.shouldSolicit(address, now: now) else { return .drop(.neighbourUnresolved) }
        let ours = interfaces[interface]
        do {
            switch address.family {
            case .inet:
                let sender = ours.sourceAddress(towards: address).map { $0.ipv4Value } ?? 0
                try scratch.setCount(EthernetHeader.untaggedLength + ARPPacket.length)
                try EthernetHeader(destination: .broadcast, source: ours.mac, etherType: EtherType.arp)
                    .write(to: scratch)
                try ARPPacket(
                    offset: EthernetHeader.untaggedLength, operation: ARPPacket.request, senderMAC: ours.mac,
                    senderIP: sender, targetMAC: .zero, targetIP: address.ipv4Value
                ).write(to: scratch, at: EthernetHeader.untaggedLength)
            case .inet6:
                guard let sender = ours.sourceAddress(towards: address), sender.family == .inet6 else {
                    return .drop(.neighbourUnresolved)
                }
                try writeNeighbourSolicitation(for: address, from: sender, mac: ours.mac, into: &scratch)
            }
        } catch {
            return .drop(.neighbourUnresolved)
        }
        counters.solicitationsSent &+= 1
        return .reply(interface: interface)
    }

    /// Builds a solicitation for the next hop towards `server` when its MAC is unknown (called
    /// when a plan arrives, so the first packet of a connection need not wait for it).
    public mutating func resolveAhead<N: NeighbourResolver>(
        _ server: IPAddress, neighbours: inout N, now: MonotonicInstant, scratch: inout PacketBuffer
    ) -> Int? {
        guard let route = routes.lookup(server), interfaces.indices.contains(route.interface),
            neighbours.lookup(route.nextHop, now: now) == nil, neighbours.shouldSolicit(route.nextHop, now: now)
        else { return nil }
        let ours = interfaces[route.interface]
        do {
            switch route.nextHop.family {
            case .inet:
                try scratch.setCount(EthernetHeader.untaggedLength + ARPPacket.length)
                try EthernetHeader(destination: .broadcast, source: ours.mac, etherType: EtherType.arp)
                    .write(to: scratch)
                try ARPPacket(
                    offset: EthernetHeader.untaggedLength, operation: ARPPacket.request, senderMAC: ours.mac,
                    senderIP: ours.sourceAddress(towards: route.nextHop).map { $0.ipv4Value } ?? 0,
                    targetMAC: .zero, targetIP: route.nextHop.ipv4Value
                ).write(to: scratch, at: EthernetHeader.untaggedLength)
            case .inet6:
                guard let sender = ours.sourceAddress(towards: route.nextHop), sender.family == .inet6 else {
                    return nil
                }
                try writeNeighbourSolicitation(for: route.nextHop, from: sender, mac: ours.mac, into: &scratch)
            }
        } catch {
            return nil
        }
        counters.solicitationsSent &+= 1
        return route.interface
    }

    /// RFC 4861 §4.3: to the solicited-node multicast address, hop limit 255, with the
    /// source link-layer address option.
    func writeNeighbourSolicitation(
        for target: IPAddress, from source: IPAddress, mac: MACAddress, into scratch: inout PacketBuffer
    ) throws(PacketError) {
        let icmpLength = 32
        let l3 = EthernetHeader.untaggedLength
        try scratch.setCount(l3 + IPv6Header.length + icmpLength)
        let group = WireAddress(ipv6High: 0xFF02_0000_0000_0000, low: 0x0000_0001_FF00_0000 | (target.low & 0xFF_FFFF))
        let groupMAC = MACAddress(value: 0x3333_FF00_0000 | (target.low & 0xFF_FFFF))
        try EthernetHeader(destination: groupMAC, source: mac, etherType: EtherType.ipv6).write(to: scratch)
        let header = IPv6Header(
            offset: l3, payloadLength: icmpLength, nextHeader: IPProtocolNumbers.icmpv6, hopLimit: 255,
            source: source.wireAddress, destination: group)
        try header.write(to: scratch)
        let icmp = l3 + IPv6Header.length
        try scratch.setU32(135 << 24, at: icmp)
        try scratch.setU32(0, at: icmp + 4)
        try target.wireAddress.write(to: scratch, at: icmp + 8)
        try scratch.setU16(0x0101, at: icmp + 24)
        try mac.write(to: scratch, at: icmp + 26)
        let initial = InternetChecksum.pseudoHeaderSum(
            source: source.wireAddress, destination: group, protocolNumber: IPProtocolNumbers.icmpv6,
            length: icmpLength)
        let checksum = InternetChecksum.checksum(scratch, at: icmp, length: icmpLength, initial: initial)
        try scratch.setU16(checksum, at: icmp + 2)
    }
}
