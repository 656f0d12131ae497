import LVSCore

/// What the receive path knows about one packet: the VRRP message and the IP facts around it.
public struct VRRPReceivedPacket: Sendable, Hashable {
    public var source: IPAddress
    public var destination: IPAddress
    /// The IPv4 TTL or IPv6 hop limit; nil when the socket did not report it (then not checked).
    public var hopLimit: UInt8?
    public var message: VRRPMessage
    /// The whole IPv4 packet, for AH and total-length checks; nil for IPv6.
    public var ipv4: VRRPIPv4Packet?

    /// An IPv4 packet as read, header included, from a raw socket.
    public init(ipv4 packet: VRRPIPv4Packet) {
        source = packet.source
        destination = packet.destination
        hopLimit = packet.timeToLive
        message = packet.message
        ipv4 = packet
    }

    /// An IPv6 VRRP message (the kernel strips the header) with its addresses and hop limit
    /// (`IPV6_RECVHOPLIMIT`).
    public init(ipv6Source source: IPAddress, destination: IPAddress, hopLimit: UInt8?, message: VRRPMessage) {
        self.source = source
        self.destination = destination
        self.hopLimit = hopLimit
        self.message = message
        ipv4 = nil
    }
}

/// A unicast peer (`unicast_peer { ADDRESS [min_ttl N] [max_ttl N] }`).
public struct VRRPUnicastPeer: Sendable, Hashable {
    public var address: IPAddress
    public var minimumTTL: UInt8
    public var maximumTTL: UInt8

    public init(address: IPAddress, minimumTTL: UInt8 = 0, maximumTTL: UInt8 = 255) {
        self.address = address
        self.minimumTTL = minimumTTL
        self.maximumTTL = maximumTTL
    }
}

/// What a local instance expects of the adverts it accepts.
public struct VRRPReceiveExpectations: Sendable, Hashable {
    public var version: VRRPVersion
    public var virtualRouterID: UInt8
    /// Our advertisement interval; compared with v2 adverts only (RFC 3768 §7.1).
    public var intervalCentiseconds: UInt16
    /// Our authentication (v2): type and, for PASS and AH, the secret.
    public var authentication: VRRPAuthentication
    /// Our virtual addresses as listed in adverts (not `virtual_ipaddress_excluded`).
    public var addresses: [IPAddress]
    /// Empty for multicast; otherwise the instance speaks unicast to these peers.
    public var unicastPeers: [VRRPUnicastPeer]
    /// `check_unicast_src`: drop unicast adverts from anyone but a peer.
    public var checkUnicastSource: Bool
    /// `skip_check_adv_addr`: do not compare the advertised addresses with ours.
    public var skipAddressCheck: Bool
    /// `v3_checksum_as_v2`: v3 over IPv4 checksummed without the pseudo-header.
    public var v3ChecksumAsV2: Bool
    /// The last AH sequence number accepted; a new one must be greater (RFC 4302 §3.4.3).
    public var lastSequenceNumber: UInt32

    public init(
        version: VRRPVersion, virtualRouterID: UInt8, intervalCentiseconds: UInt16,
        authentication: VRRPAuthentication = .none, addresses: [IPAddress], unicastPeers: [VRRPUnicastPeer] = [],
        checkUnicastSource: Bool = false, skipAddressCheck: Bool = false, v3ChecksumAsV2: Bool = false,
        lastSequenceNumber: UInt32 = 0
    ) {
        self.version = version
        self.virtualRouterID = virtualRouterID
        self.intervalCentiseconds = intervalCentiseconds
        self.authentication = authentication
        self.addresses = addresses
        self.unicastPeers = unicastPeers
        self.checkUnicastSource = checkUnicastSource
        self.skipAddressCheck = skipAddressCheck
        self.v3ChecksumAsV2 = v3ChecksumAsV2
        self.lastSequenceNumber = lastSequenceNumber
    }
}

/// The outcome of checking a received packet against an instance.
public enum VRRPReceiveVerdict: Sendable, Hashable {
    /// A valid advert for us; `sequenceNumber` is the AH sequence number to remember, if any.
    case accepted(VRRPAdvertisement, sequenceNumber: UInt32?)
    /// Another virtual router's advert: not an error (keepalived: unknown VRID, ignored).
    case notOurs
    /// Discarded, and counted under `reason.name`.
    case dropped(VRRPDropReason)
}
