/// Why the engine did not forward a frame it received. Every drop is counted
/// (`lvsadm --engine-stats`, DESIGN.md §9).
public enum PacketDrop: Int, Sendable, Hashable, CaseIterable {
    /// Not a well-formed Ethernet/ARP/IPv4/IPv6 frame.
    case malformed
    /// A fragment: the engine needs the ports (IPVS sees reassembled packets, reference §5.7).
    case fragment
    /// A new connection for a service with no available real server (port unreachable sent,
    /// reference §4.15).
    case noDestination
    /// To a VIP but no connection entry and not allowed to start one (reference §4.3).
    case noConnection
    /// A protocol the engine does not forward (not TCP/UDP/ICMP).
    case unsupportedProtocol
    /// The entry's real server was deleted (reference §4.11).
    case destinationUnavailable
    /// The connection table is full.
    case tableFull
    /// The real server uses a method this engine does not forward.
    case unsupportedMethod
    /// No route through the engine's interfaces.
    case noRoute
    /// The next hop's MAC is unknown (a solicitation was sent or is pending).
    case neighbourUnresolved
    /// TTL / hop limit exhausted (time exceeded sent).
    case ttlExpired
    /// Larger than the path MTU with DF (fragmentation needed / packet too big sent).
    case tooBig
    /// An ICMP message that belongs to no connection of the engine.
    case icmpUnrelated
    /// An ICMP error to relay whose ICMP checksum is wrong (reference §5.6: verified first).
    case icmpBadChecksum
    /// A rewrite failed on a frame the parser accepted (should not happen; counted to see it).
    case rewriteFailed
    /// Not addressed to this host at L2 (another host's unicast seen in promiscuous mode).
    case otherHost
    /// sendmmsg refused the frame.
    case transmitFailed
    /// A frame the ring could not hold whole (larger than a slot, and no room to queue a copy).
    case truncated
    /// An aggregate (GSO/GRO frame) the engine could neither hand on whole nor split: an
    /// unknown or legacy (UFO) segmentation type, or more segments than the arena holds.
    case segmentationFailed
    /// A packet for a virtual address in standby that the filter admitted before the change.
    case standby
    /// The raw socket refused a packet for the local stack.
    case localDeliveryFailed
    /// A marked packet whose TCP/UDP checksum is wrong (neither complete nor partial).
    case badChecksum
    /// Marked packets the kernel could not copy to the engine: the log socket's buffer was
    /// full (counted once per overflow the socket reports), or a copy cut short.
    case markedLost
    /// A marked packet from an interface that is not the engine's, whose sender no route of
    /// the engine's interfaces leads back to.
    case markedNoInterface
    /// A connection-starting packet the drop_packet defence took (reference §4.12).
    case defence
    /// A new connection over its service's or its source's rate limit
    /// (docs/design/0030-ipvs-defences.md).
    case rateLimited

    /// The counter's name in `lvsadm --engine-stats`.
    public var name: String {
        switch self {
        case .malformed: "drop_malformed"
        case .fragment: "drop_fragment"
        case .noDestination: "drop_no_destination"
        case .noConnection: "drop_no_connection"
        case .unsupportedProtocol: "drop_unsupported_protocol"
        case .destinationUnavailable: "drop_destination_unavailable"
        case .tableFull: "drop_table_full"
        case .unsupportedMethod: "drop_unsupported_method"
        case .noRoute: "drop_no_route"
        case .neighbourUnresolved: "drop_neighbour_unresolved"
        case .ttlExpired: "drop_ttl_expired"
        case .tooBig: "drop_too_big"
        case .icmpUnrelated: "drop_icmp_unrelated"
        case .icmpBadChecksum: "drop_icmp_bad_checksum"
        case .rewriteFailed: "drop_rewrite_failed"
        case .otherHost: "drop_other_host"
        case .transmitFailed: "drop_transmit_failed"
        case .truncated: "drop_truncated"
        case .segmentationFailed: "drop_segmentation_failed"
        case .standby: "drop_standby"
        case .localDeliveryFailed: "drop_local_delivery_failed"
        case .badChecksum: "drop_bad_checksum"
        case .markedLost: "drop_marked_lost"
        case .markedNoInterface: "drop_marked_no_interface"
        case .defence: "drop_defence"
        case .rateLimited: "drop_rate_limited"
        }
    }
}

/// The engine's counters, per worker (summed for `--engine-stats`).
public struct PacketCounters: Sendable, Hashable {
    /// Frames taken from the rings.
    public var received: UInt64 = 0
    /// Client → real server packets sent.
    public var forwardedInbound: UInt64 = 0
    /// Real server → client (NAT reply) packets sent.
    public var forwardedOutbound: UInt64 = 0
    /// ICMP errors the engine built (port unreachable, fragmentation needed, time exceeded).
    public var icmpSent: UInt64 = 0
    /// ICMP errors relayed to the other side of a connection.
    public var icmpRelayed: UInt64 = 0
    /// ARP requests and neighbour solicitations sent.
    public var solicitationsSent: UInt64 = 0
    /// Frames not ours that the kernel handles (ARP, neighbour discovery).
    public var ignored: UInt64 = 0
    /// Frames the kernel dropped because a ring was full (PACKET_STATISTICS `tp_drops`).
    public var ringDrops: UInt64 = 0
    /// Bytes of receive ring the workers have (a gauge: how PacketRingSizing sized them).
    public var ringBytes: UInt64 = 0
    /// Wake-ups that found a ring's every slot full (the worker fell a whole ring behind: the
    /// burst was larger than the ring, design 0024).
    public var ringFull: UInt64 = 0
    /// Aggregates received (GSO/GRO frames standing for several wire packets).
    public var aggregatesReceived: UInt64 = 0
    /// Segments the engine wrote itself when it split an aggregate it could not hand on whole.
    public var segmentsWritten: UInt64 = 0
    /// Client → real server packets handed to the director's own stack (local real servers).
    public var deliveredLocally: UInt64 = 0
    /// Packets of firewall-mark services taken from the marked-packet log (also in `received`).
    public var markedReceived: UInt64 = 0
    /// The FTP helper's work on masqueraded control connections (reference §6).
    public var ftp = FTPHelperCounters()
    /// Drops by reason, indexed by `PacketDrop.rawValue`.
    public var drops = [UInt64](repeating: 0, count: PacketDrop.allCases.count)

    public init() {}

    public mutating func count(_ drop: PacketDrop) { drops[drop.rawValue] &+= 1 }

    public subscript(drop: PacketDrop) -> UInt64 { drops[drop.rawValue] }

    /// Total drops of every reason.
    public var dropped: UInt64 { drops.reduce(0, &+) }

    /// Adds another worker's counters.
    public mutating func add(_ other: PacketCounters) {
        received &+= other.received
        forwardedInbound &+= other.forwardedInbound
        forwardedOutbound &+= other.forwardedOutbound
        icmpSent &+= other.icmpSent
        icmpRelayed &+= other.icmpRelayed
        solicitationsSent &+= other.solicitationsSent
        ignored &+= other.ignored
        ringDrops &+= other.ringDrops
        ringBytes &+= other.ringBytes
        ringFull &+= other.ringFull
        aggregatesReceived &+= other.aggregatesReceived
        segmentsWritten &+= other.segmentsWritten
        deliveredLocally &+= other.deliveredLocally
        markedReceived &+= other.markedReceived
        ftp.add(other.ftp)
        for index in drops.indices { drops[index] &+= other.drops[index] }
    }

    /// Name → value, as `lvsadm --engine-stats` prints them.
    public var named: [(String, UInt64)] {
        var result: [(String, UInt64)] = [
            ("packets_received", received), ("forwarded_inbound", forwardedInbound),
            ("forwarded_outbound", forwardedOutbound), ("icmp_sent", icmpSent), ("icmp_relayed", icmpRelayed),
            ("solicitations_sent", solicitationsSent), ("ignored", ignored), ("ring_drops", ringDrops),
            ("ring_bytes", ringBytes), ("ring_full", ringFull),
            ("aggregates_received", aggregatesReceived), ("segments_written", segmentsWritten),
            ("delivered_locally", deliveredLocally), ("marked_received", markedReceived),
            ("dropped", dropped),
        ]
        result += ftp.named
        for drop in PacketDrop.allCases { result.append((drop.name, drops[drop.rawValue])) }
        return result
    }
}
