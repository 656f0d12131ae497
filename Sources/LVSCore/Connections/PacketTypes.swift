/// The TCP header flags the director looks at (reference §4.6.1), with their header bit values.
public struct TCPSegmentFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let fin = TCPSegmentFlags(rawValue: 0x01)
    public static let syn = TCPSegmentFlags(rawValue: 0x02)
    public static let rst = TCPSegmentFlags(rawValue: 0x04)
    public static let ack = TCPSegmentFlags(rawValue: 0x10)
}

/// A client → virtual-service packet, as a packet or proxy engine hands it to the director.
public struct InboundPacket: Sendable, Hashable {
    public var protocolNumber: IPProtocolNumber
    public var clientAddress: IPAddress
    public var clientPort: UInt16
    /// The packet's destination: the VIP (or, for firewall-mark services, any marked address).
    public var destinationAddress: IPAddress
    public var destinationPort: UInt16
    /// The packet's firewall mark; 0 when unmarked.
    public var firewallMark: UInt32
    /// TCP only; ignored for other protocols.
    public var tcpFlags: TCPSegmentFlags
    /// IP datagram length in bytes (what `inbytes` counts, reference §4.13).
    public var length: UInt32
    /// The persistence engine's data for this datagram (the SIP Call-ID, `SIPCallID`), set by
    /// the engine only when `Director.persistenceEngine(forPacketTo:…)` names an engine. It
    /// keys the persistence template when the packet is scheduled (reference §4.14); nil, empty
    /// or longer than 255 bytes means normal persistence.
    public var persistenceData: [UInt8]?
    /// A real server chosen by the engine before scheduling (content-switching persistence:
    /// a cookie or a hash naming it, docs/design/0019). Used instead of the scheduler's pick
    /// while it is eligible (weight above 0, not overloaded); otherwise the scheduler decides.
    public var preferredServer: RealServerKey?

    public init(
        protocolNumber: IPProtocolNumber, clientAddress: IPAddress, clientPort: UInt16,
        destinationAddress: IPAddress, destinationPort: UInt16, firewallMark: UInt32 = 0,
        tcpFlags: TCPSegmentFlags = [], length: UInt32 = 0, persistenceData: [UInt8]? = nil
    ) {
        self.protocolNumber = protocolNumber
        self.clientAddress = clientAddress
        self.clientPort = clientPort
        self.destinationAddress = destinationAddress
        self.destinationPort = destinationPort
        self.firewallMark = firewallMark
        self.tcpFlags = tcpFlags
        self.length = length
        self.persistenceData = persistenceData
    }
}

/// A packet travelling towards a client: from a real server (NAT) or from the VIP (reference §4.3
/// "Outbound").
public struct OutboundPacket: Sendable, Hashable {
    public var protocolNumber: IPProtocolNumber
    /// The real server's address and port for NAT entries; the VIP's for other entries.
    public var sourceAddress: IPAddress
    public var sourcePort: UInt16
    /// The client.
    public var destinationAddress: IPAddress
    public var destinationPort: UInt16
    public var tcpFlags: TCPSegmentFlags
    /// IP datagram length in bytes (`outbytes`).
    public var length: UInt32
    /// The persistence engine's data of a UDP datagram from a real server of a service with an
    /// engine (the SIP Call-ID), set by the engine only for such sources. Used only when the
    /// datagram matches no entry: it then starts a connection (reference §4.14,
    /// `Director.outbound`).
    public var persistenceData: [UInt8]?

    public init(
        protocolNumber: IPProtocolNumber, sourceAddress: IPAddress, sourcePort: UInt16,
        destinationAddress: IPAddress, destinationPort: UInt16, tcpFlags: TCPSegmentFlags = [], length: UInt32 = 0,
        persistenceData: [UInt8]? = nil
    ) {
        self.persistenceData = persistenceData
        self.protocolNumber = protocolNumber
        self.sourceAddress = sourceAddress
        self.sourcePort = sourcePort
        self.destinationAddress = destinationAddress
        self.destinationPort = destinationPort
        self.tcpFlags = tcpFlags
        self.length = length
    }
}

/// A handle on one connection entry: its slot and the slot's generation, so a handle kept past
/// the entry's expiry is recognised as stale rather than naming a newer entry.
public struct ConnectionRef: Sendable, Hashable {
    public var index: Int32
    public var generation: UInt32

    public init(index: Int32, generation: UInt32) {
        self.index = index
        self.generation = generation
    }
}

/// Why the director dropped a packet (each counted in `ConnectionCounters`).
public enum DropReason: Sendable, Hashable {
    /// The entry's real server was deleted and `expire_nodest_conn` is off (reference §4.11).
    case destinationUnavailable
    /// The connection table cannot hold another entry: at the entry cap with nothing to evict
    /// (docs/design/0030-ipvs-defences.md), or more than 2^31 − 1 entries.
    case tableFull
    /// The drop_packet defence took this connection-starting packet (reference §4.12).
    case dropPacketDefence
    /// A new connection over its service's or its source's rate limit (docs/design/0030).
    case rateLimited
}

/// What to do with an inbound packet.
public enum InboundVerdict: Sendable, Hashable {
    /// Send it to the real server `to` with `forwarding`, destination port `destinationPort`.
    /// For one-packet scheduling (§4.9) the entry is already released when this is returned.
    case forward(ConnectionRef, to: RealServerKey, forwarding: ForwardingMethod, destinationPort: UInt16)
    case drop(DropReason)
    /// No service, or a packet that may not start a connection: let the local stack have it.
    case notOurs
    /// Service found but no real server available: answer ICMP port unreachable (reference §4.15).
    case noDestination
}

/// What to do with an outbound packet.
public enum OutboundVerdict: Sendable, Hashable {
    /// A reply of a known connection: for NAT rewrite its source to `virtualAddress:virtualPort`.
    case reply(ConnectionRef, virtualAddress: IPAddress, virtualPort: UInt16, forwarding: ForwardingMethod)
    /// Matches no connection entry.
    case notOurs
}

/// Director-wide connection counters that have no place in `StatsCounters`.
public struct ConnectionCounters: Sendable, Hashable {
    public var droppedDestinationUnavailable: UInt64 = 0
    public var droppedTableFull: UInt64 = 0
    /// Packets answered with `.noDestination`.
    public var noDestination: UInt64 = 0
    /// Connection-starting packets the drop_packet defence dropped (reference §4.12).
    public var droppedByDropPacket: UInt64 = 0
    /// Entries the drop_entry defence deleted.
    public var deletedByDropEntry: UInt64 = 0
    /// Entries evicted to make room at the entry cap (docs/design/0030-ipvs-defences.md).
    public var evictedAtEntryLimit: UInt64 = 0
    /// New entries refused at the cap with nothing to evict (the packet is then dropped and
    /// counted in `droppedTableFull` too).
    public var refusedAtEntryLimit: UInt64 = 0
    /// New connections over their service's rate limit.
    public var droppedServiceRateLimit: UInt64 = 0
    /// New connections over their source's rate limit.
    public var droppedSourceRateLimit: UInt64 = 0

    public init() {}
}
