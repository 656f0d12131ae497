/// Which side of a connection an ICMP error came from (reference §5.6).
public enum RelatedSide: Sendable, Hashable {
    /// From the client's network, about a packet sent to the client: the quoted packet is
    /// VIP:vport → client:cport (from the director for NAT, from the real server for DR/TUN).
    case client
    /// From the real server's network (masquerading), about a packet the director sent to the
    /// real server: the quoted packet is client:cport → RS:dport.
    case server
    /// From the path to a tunnelling real server, about the director's encapsulated copy of a
    /// client's packet: the quoted packet given here is the inner one, client:cport → VIP:vport.
    case tunnelPath
}

/// An ICMP error whose quoted packet may belong to a connection, as a packet engine hands it
/// to the director (reference §5.6): the quoted packet's protocol and addresses as they were
/// on the wire (not inverted; for `.tunnelPath` the packet inside the quoted tunnel packet),
/// and the length of the ICMP datagram for the statistics.
public struct RelatedPacket: Sendable, Hashable {
    public var side: RelatedSide
    /// The quoted packet's protocol.
    public var protocolNumber: IPProtocolNumber
    public var quotedSourceAddress: IPAddress
    public var quotedSourcePort: UInt16
    public var quotedDestinationAddress: IPAddress
    public var quotedDestinationPort: UInt16
    /// IP datagram length of the ICMP error itself (what `inbytes`/`outbytes` count, §4.13).
    public var length: UInt32

    public init(
        side: RelatedSide, protocolNumber: IPProtocolNumber, quotedSourceAddress: IPAddress, quotedSourcePort: UInt16,
        quotedDestinationAddress: IPAddress, quotedDestinationPort: UInt16, length: UInt32 = 0
    ) {
        self.side = side
        self.protocolNumber = protocolNumber
        self.quotedSourceAddress = quotedSourceAddress
        self.quotedSourcePort = quotedSourcePort
        self.quotedDestinationAddress = quotedDestinationAddress
        self.quotedDestinationPort = quotedDestinationPort
        self.length = length
    }
}

/// The connection an ICMP error belongs to and where to relay it (reference §5.6).
public enum RelatedVerdict: Sendable, Hashable {
    /// A client-side error: relay it to the entry's real server `server`, with `forwarding`;
    /// for masquerading the quoted source becomes `server:destinationPort`.
    case toServer(ConnectionRef, server: IPAddress, destinationPort: UInt16, forwarding: ForwardingMethod)
    /// A real-server-side or tunnel-path error: relay it to the client; for masquerading the
    /// outer source and the quoted destination become `virtualAddress:virtualPort`.
    case toClient(ConnectionRef, virtualAddress: IPAddress, virtualPort: UInt16, forwarding: ForwardingMethod)
}
