import LVSCore
import LVSPacket

/// Who decides where a packet goes: the director (through the engine's lock in the daemon,
/// directly in tests). `Director` conforms as it is.
public protocol ConnectionDecider {
    func inbound(_ p: InboundPacket, now: MonotonicInstant) -> InboundVerdict
    func outbound(_ p: OutboundPacket, now: MonotonicInstant) -> OutboundVerdict
    /// The connection an ICMP error's quoted packet belongs to (reference §5.6); nil if none.
    func relatedConnection(_ p: RelatedPacket, now: MonotonicInstant) -> RelatedVerdict?
    /// Runs `body` with the director to itself (under the engine's lock in the daemon): the FTP
    /// helper reads and updates a control connection's state in one step, so the workers that
    /// see its two directions never interleave (PacketForwarder+FTP.swift).
    func exclusively<T: Sendable>(_ body: (Director) -> T) -> T
}

extension Director: ConnectionDecider {
    public func exclusively<T: Sendable>(_ body: (Director) -> T) -> T { body(self) }
}

/// What to do with a frame after `PacketForwarder.forward`.
public enum ForwardAction: Sendable, Hashable {
    /// Send the (rewritten) frame out of interface `interface` (a position in the interface list).
    case transmit(interface: Int)
    /// Send the frames the forwarder wrote into its segment arena (an aggregate split in
    /// software) out of `interface`; the received frame itself is not sent.
    case transmitSegments(interface: Int, count: Int)
    /// Drop the frame; send the frame built in the scratch buffer (an ICMP error, an ARP
    /// request or a neighbour solicitation) out of `interface`. The drop is already counted.
    case reply(interface: Int)
    /// Dropped, counted under this reason.
    case drop(PacketDrop)
    /// Not the engine's business (ARP, neighbour discovery): the kernel has its own copy.
    case ignore
    /// Hand the (rewritten) IP packet that starts at `l3Offset` in the frame to the director's
    /// own stack (a local real server, reference §5.4): the worker sends it on a raw socket to
    /// its destination, which the kernel loops to its input with the client's source kept.
    case deliverLocally(l3Offset: Int)

    /// True when the received frame's packet goes on (whole, as segments or to the local stack).
    public var forwards: Bool {
        switch self {
        case .transmit, .transmitSegments, .deliverLocally: true
        case .reply, .drop, .ignore: false
        }
    }
}

/// The forwarding logic of the packet engine, free of sockets and rings (katran, glb-director:
/// the real forwarding code runs on test input): a frame in, a rewritten frame or a counted
/// verdict out. One per worker; not thread-safe.
///
/// Contract for `forward`: `frame` holds one Ethernet frame with at least 64 bytes of headroom
/// (tunnelling grows it in front); `scratch` has at least 64 bytes of headroom and room for a
/// 1280-byte ICMP error. Nothing is allocated on the forwarding path of an existing connection.
public struct PacketForwarder {
    public var interfaces: [NetworkInterface]
    public var routes: RouteTable
    public var plan: ForwardingPlan
    public var counters = PacketCounters()
    /// IPv4 identification for the headers the engine writes (tunnels, ICMP).
    var identification: UInt16 = 1
    /// The offload header of the frame being forwarded (`PacketOffload.none` without
    /// PACKET_VNET_HDR).
    var offload = PacketOffload.none
    /// The frame's transport checksum is partial (a locally generated or veth frame with
    /// checksum offload).
    var checksumPending: Bool { offload.needsChecksum }
    /// The transmit side takes an offload header with each frame (PACKET_VNET_HDR), so partial
    /// checksums and aggregates can be handed to the kernel as they are.
    public var offloadTransmit = false
    /// The offload header to send with the frame of the last `.transmit` (`.none` after any
    /// other action or when `offloadTransmit` is off).
    public internal(set) var transmitOffload = PacketOffload.none
    /// Where aggregates split in software are written (`.transmitSegments`).
    public let segments = SegmentArena()

    public init(interfaces: [NetworkInterface], routes: RouteTable, plan: ForwardingPlan) {
        self.interfaces = interfaces
        self.routes = routes
        self.plan = plan
    }

    /// Forwards one frame received on `ingress` (a position in `interfaces`).
    /// - Parameters:
    ///   - forHost: false for frames the NIC passed only because of promiscuous mode.
    ///   - offload: the frame's offload header (partial checksum, aggregate).
    public mutating func forward<D: ConnectionDecider, N: NeighbourResolver>(
        _ frame: inout PacketBuffer, ingress: Int, forHost: Bool = true, offload: PacketOffload = .none, decider: D,
        neighbours: inout N, now: MonotonicInstant, scratch: inout PacketBuffer
    ) -> ForwardAction {
        counters.received &+= 1
        self.offload = offload
        transmitOffload = .none
        if offload.isSegmented { counters.aggregatesReceived &+= 1 }
        guard interfaces.indices.contains(ingress), let parsed = try? parseFrame(frame) else {
            return drop(.malformed)
        }
        switch parsed.payload {
        case .arp(let arp):
            if arp.senderIP != 0 { neighbours.learn(IPAddress(ipv4: arp.senderIP), mac: arp.senderMAC, now: now) }
            counters.ignored &+= 1
            return .ignore
        case .ip(let packet):
            guard parsed.ethernet.vlanTag == nil else { return drop(.malformed) }
            let source = packet.source.ipAddress
            // Gleaning: an on-link sender's MAC is its neighbour entry (replies to it need it).
            if routes.isOnLink(source, interface: ingress) {
                neighbours.learn(source, mac: parsed.ethernet.source, now: now)
            }
            guard forHost else { return drop(.otherHost) }
            return forward(
                packet, ethernet: parsed.ethernet, frame: &frame, ingress: ingress, decider: decider,
                neighbours: &neighbours, now: now, scratch: &scratch)
        }
    }

    /// Forwards one parsed IP packet; `firewallMark` is netfilter's mark for packets that came
    /// through the marked-packet log (0 for frames from the rings).
    mutating func forward<D: ConnectionDecider, N: NeighbourResolver>(
        _ packet: ParsedPacket, ethernet: EthernetHeader, frame: inout PacketBuffer, ingress: Int,
        firewallMark: UInt32 = 0, decider: D, neighbours: inout N, now: MonotonicInstant, scratch: inout PacketBuffer
    ) -> ForwardAction {
        let protocolNumber: IPProtocolNumber
        var tcpFlags: TCPSegmentFlags = []
        switch packet.transport {
        case .tcp(let header):
            protocolNumber = .tcp
            tcpFlags = TCPSegmentFlags(rawValue: header.flags.rawValue & 0x17)
        case .udp:
            protocolNumber = .udp
        case .icmp(let icmp):
            if icmp.isIPv6 && !icmp.isAnyError {
                // Neighbour discovery and echo: the kernel answers (and we gleaned the sender).
                counters.ignored &+= 1
                return .ignore
            }
            return relayICMP(
                packet, frame: &frame, ingress: ingress, decider: decider, neighbours: &neighbours,
                now: now, scratch: &scratch)
        case .fragment:
            return drop(.fragment)
        case .other:
            return drop(.unsupportedProtocol)
        }
        if packet.network.isFragment { return drop(.fragment) }
        let source = packet.source.ipAddress
        let destination = packet.destination.ipAddress
        // A frame the filter admitted before its address went into standby: the kernel did not
        // get it either (the ingress table dropped it then), so it is dropped and counted.
        if plan.isStandby(destination) { return drop(.standby) }
        let length = UInt32(clamping: packet.l3Length)
        let ftpDataSource =
            protocolNumber == .tcp && plan.isFTPDataSource(address: source, port: packet.sourcePort)
        if ftpDataSource || plan.isNATSource(protocolNumber, address: source, port: packet.sourcePort) {
            let verdict = decider.outbound(
                OutboundPacket(
                    protocolNumber: protocolNumber, sourceAddress: source, sourcePort: packet.sourcePort,
                    destinationAddress: destination, destinationPort: packet.destinationPort, tcpFlags: tcpFlags,
                    length: length, persistenceData: realServerPersistenceData(of: packet, in: frame)),
                now: now)
            switch verdict {
            case .reply(let ref, let virtualAddress, let virtualPort, let method):
                guard method == .masquerading else { return drop(.unsupportedMethod) }
                var packet = packet
                if protocolNumber == .tcp && plan.isFTPControl(address: virtualAddress, port: virtualPort) {
                    guard
                        ftpControlSegment(
                            .serverToClient, of: ref, packet: &packet, frame: &frame, decider: decider, now: now)
                    else { return drop(.rewriteFailed) }
                }
                return masquerade(
                    .source, packet, frame: &frame, ingress: ingress, address: virtualAddress,
                    port: virtualPort, neighbours: &neighbours, now: now, scratch: &scratch)
            case .notOurs:
                // The real server answering the director itself (a health check): the ingress
                // table let the kernel have it.
                if interfaces.contains(where: { $0.addresses.contains { $0.address == destination } }) {
                    counters.ignored &+= 1
                    return .ignore
                }
                // The real server's own traffic in an FTP data port range (e.g. its outgoing
                // connections through the director as gateway): the ingress table kept it from
                // the kernel, so the engine routes it on as the kernel would have.
                if ftpDataSource {
                    counters.ftp.unmatchedDataRange &+= 1
                    return routeOnward(
                        packet, frame: &frame, ingress: ingress, neighbours: &neighbours, now: now, scratch: &scratch)
                }
                return drop(.noConnection)
            }
        }
        // Reference §4.14: one emptiness check unless some service has a persistence engine.
        var persistenceData: [UInt8]?
        if !plan.persistenceEngineServices.isEmpty, protocolNumber == .udp {
            persistenceData = self.persistenceData(of: packet, in: frame, firewallMark: firewallMark)
        }
        let verdict = decider.inbound(
            InboundPacket(
                protocolNumber: protocolNumber, clientAddress: source, clientPort: packet.sourcePort,
                destinationAddress: destination, destinationPort: packet.destinationPort,
                firewallMark: firewallMark, tcpFlags: tcpFlags, length: length, persistenceData: persistenceData),
            now: now)
        switch verdict {
        case .forward(let ref, let server, let method, let port):
            if method == .localNode || plan.isLocalServer(server.address) {
                return deliverLocally(
                    packet, frame: &frame, rewritingTo: method == .masquerading ? (server.address, port) : nil)
            }
            switch method {
            case .masquerading:
                var packet = packet
                if protocolNumber == .tcp && plan.isFTPControl(address: destination, port: packet.destinationPort) {
                    guard
                        ftpControlSegment(
                            .clientToServer, of: ref, packet: &packet, frame: &frame, decider: decider, now: now)
                    else { return drop(.rewriteFailed) }
                }
                return masquerade(
                    .destination, packet, frame: &frame, ingress: ingress, address: server.address, port: port,
                    neighbours: &neighbours, now: now, scratch: &scratch)
            case .directRouting:
                return countedInbound(
                    routeDirectly(
                        packet, frame: &frame, ingress: ingress, server: server.address,
                        neighbours: &neighbours, now: now, scratch: &scratch))
            case .tunnelling:
                return countedInbound(
                    tunnel(
                        packet, frame: &frame, ingress: ingress, server: server.address,
                        neighbours: &neighbours, now: now, scratch: &scratch))
            case .localNode:
                return deliverLocally(packet, frame: &frame, rewritingTo: nil)
            case .bypass, .proxy:
                return drop(.unsupportedMethod)
            }
        case .drop(let reason):
            switch reason {
            case .destinationUnavailable: return drop(.destinationUnavailable)
            case .tableFull: return drop(.tableFull)
            case .dropPacketDefence: return drop(.defence)
            case .rateLimited: return drop(.rateLimited)
            }
        case .notOurs:
            // No data entry for a packet in an FTP data port range: if the address is the
            // director's own, its stack has the say (reference §4.15: IPVS lets such packets
            // pass to the local stack); otherwise nobody would answer.
            if protocolNumber == .tcp && plan.isFTPDataDestination(address: destination, port: packet.destinationPort),
                interfaces.contains(where: { $0.addresses.contains { $0.address == destination } })
            {
                counters.ftp.unmatchedDataRange &+= 1
                return deliverLocally(packet, frame: &frame, rewritingTo: nil)
            }
            return drop(.noConnection)
        case .noDestination:
            // Reference §4.15: the client learns at once that nobody serves the port.
            return icmpError(
                .portUnreachable, about: packet, frame: frame, from: destination, ingress: ingress,
                dropping: .noDestination, scratch: &scratch)
        }
    }

    /// Counts a client → real server packet that is sent.
    private mutating func countedInbound(_ action: ForwardAction) -> ForwardAction {
        if action.forwards { counters.forwardedInbound &+= 1 }
        return action
    }

    /// Counts a frame the worker took from a ring but could not read (received and dropped).
    public mutating func countUnreadable(_ reason: PacketDrop) {
        counters.received &+= 1
        counters.count(reason)
    }

    mutating func drop(_ reason: PacketDrop) -> ForwardAction {
        counters.count(reason)
        return .drop(reason)
    }
}
