import LVSCore

/// One instance's advertisement socket as the daemon's VRRP driver uses it: poll
/// `fileDescriptor`, `receive()` what arrived, `send(_:to:)` each advertisement the codec
/// built to each of `destinations`. `VRRPSocket` is the kernel's; test doubles record calls.
public protocol VRRPPacketTransport: AnyObject, Sendable {
    /// The descriptor to poll for readability (non-blocking, close-on-exec).
    var fileDescriptor: Int32 { get }
    /// Where advertisements go: the multicast group, or each unicast peer.
    var destinations: [IPAddress] { get }
    /// The next queued packet, or nil when none is waiting.
    func receive() throws(VRRPTransportError) -> VRRPReceivedDatagram?
    /// Sends one packet the codec built for `destination` (IPv4: the whole IP packet, header
    /// and AH included; IPv6: the VRRP message, the kernel writes the header).
    func send(_ packet: [UInt8], to destination: IPAddress) throws(VRRPTransportError)
}

/// A packet as it arrived, with the facts the receive checks need (RFC 5798 §7.1: TTL/hop
/// limit 255, the sender's address, the destination group or address).
public struct VRRPReceivedDatagram: Sendable, Hashable {
    /// IPv4: the whole IP packet from its header on (raw IPv4 sockets always deliver the
    /// header); IPv6: the payload after the IPv6 header (the kernel strips it).
    public var bytes: [UInt8]
    /// The sender's address.
    public var source: IPAddress
    /// The destination address of the IP header (the group, or this host's address).
    public var destination: IPAddress
    /// The received TTL (IPv4) or hop limit (IPv6).
    public var hopLimit: UInt8
    /// The interface it arrived on.
    public var interfaceIndex: Int32

    public init(bytes: [UInt8], source: IPAddress, destination: IPAddress, hopLimit: UInt8, interfaceIndex: Int32) {
        self.bytes = bytes
        self.source = source
        self.destination = destination
        self.hopLimit = hopLimit
        self.interfaceIndex = interfaceIndex
    }
}

/// Where and how one `VRRPSocket` sends and listens (keepalived's `interface`,
/// `mcast_dst_ip`, `unicast_peer`, `mcast_src_ip`/`unicast_src_ip`).
public struct VRRPSocketConfiguration: Sendable, Hashable {
    /// VRRP's IP protocol number (RFC 3768 §5.2.4, RFC 5798 §5.1.1.4).
    public static let vrrpProtocol: UInt8 = 112
    /// IPsec AH (RFC 4302): keepalived's `auth_type AH` adverts arrive under protocol 51, so
    /// an instance with AH opens a second socket for it.
    public static let authenticationHeaderProtocol: UInt8 = 51
    /// RFC 3768 §5.2.2 / RFC 5798 §5.1.1.2.
    public static let ipv4Group = IPAddress(ipv4: 0xE000_0012)
    /// RFC 5798 §5.1.2.2.
    public static let ipv6Group = IPAddress(ipv6High: 0xFF02_0000_0000_0000, low: 0x12)

    public var interfaceName: String
    public var family: AddressFamily
    /// 112, or 51 for the AH socket.
    public var ipProtocol: UInt8
    /// The multicast group (`mcast_dst_ip`); nil: 224.0.0.18 or ff02::12.
    public var group: IPAddress?
    /// Unicast peers (`unicast_peer`); when present no group is joined and adverts go to each.
    public var unicastPeers: [IPAddress]
    /// `mcast_src_ip` / `unicast_src_ip`. IPv6: set on each send (IPV6_PKTINFO) and, for
    /// multicast, link-local (RFC 5798 §5.1.2.1). IPv4: the codec writes it in the header it
    /// builds; the socket only keeps it for the driver.
    public var source: IPAddress?

    public init(
        interfaceName: String, family: AddressFamily, ipProtocol: UInt8 = vrrpProtocol, group: IPAddress? = nil,
        unicastPeers: [IPAddress] = [], source: IPAddress? = nil
    ) {
        self.interfaceName = interfaceName
        self.family = family
        self.ipProtocol = ipProtocol
        self.group = group
        self.unicastPeers = unicastPeers
        self.source = source
    }

    /// The group adverts go to when there are no unicast peers.
    public var multicastGroup: IPAddress {
        if let group { return group }
        switch family {
        case .inet: return Self.ipv4Group
        case .inet6: return Self.ipv6Group
        }
    }

    /// The group, or each unicast peer.
    public var destinations: [IPAddress] { unicastPeers.isEmpty ? [multicastGroup] : unicastPeers }
}
