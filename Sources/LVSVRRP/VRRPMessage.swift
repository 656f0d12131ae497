import LVSCore

/// The fields of one received VRRP message as they are on the wire, before any check against an
/// instance (RFC 3768 §5.1 for version 2, RFC 5798 §5.1 for version 3).
public struct VRRPMessage: Sendable, Hashable {
    /// 2 or 3 (parsing refuses other versions: their layout is unknown).
    public var version: UInt8
    /// 1 is ADVERTISEMENT; other values are kept so the receive check can name them.
    public var type: UInt8
    public var virtualRouterID: UInt8
    public var priority: UInt8
    /// The raw interval: whole seconds for version 2, centiseconds (12 bits) for version 3.
    public var interval: UInt16
    /// Version 2's auth type (0 none, 1 PASS, 2 AH); 0 for version 3.
    public var authenticationType: UInt8
    /// Version 2's 8 bytes of authentication data; empty for version 3.
    public var authenticationData: [UInt8]
    public var checksum: UInt16
    public var addresses: [IPAddress]
    /// The message bytes exactly as received (what the checksum covers).
    public var bytes: [UInt8]

    /// The interval in centiseconds, whatever the version.
    public var intervalCentiseconds: UInt16 { version == 2 ? interval &* 100 : interval }

    /// Parses a whole VRRP message of an address family (known from the socket, since a version 3
    /// message does not say). `bytes` must be exactly the message: extra bytes are `tooLong`,
    /// as keepalived requires the received length to match the address count.
    public init(parsing bytes: [UInt8], family: AddressFamily) throws(VRRPDropReason) {
        guard bytes.count >= 8 else { throw .truncated }
        version = bytes[0] >> 4
        type = bytes[0] & 0x0F
        guard version == 2 || version == 3 else { throw .badVersion }
        // RFC 5798 §8.3.1: version 2 is IPv4 only.
        if version == 2 && family == .inet6 { throw .badVersion }
        virtualRouterID = bytes[1]
        priority = bytes[2]
        let count = Int(bytes[3])
        checksum = UInt16(bytes[6]) << 8 | UInt16(bytes[7])
        if version == 2 {
            authenticationType = bytes[4]
            interval = UInt16(bytes[5])
        } else {
            authenticationType = 0
            // RFC 5798 §5.2.5: the high 4 bits are reserved and ignored on receipt.
            interval = (UInt16(bytes[4]) << 8 | UInt16(bytes[5])) & 0x0FFF
        }
        let width = family == .inet ? 4 : 16
        let trailer = version == 2 ? 8 : 0
        let expected = 8 + count * width + trailer
        guard bytes.count >= expected else { throw .truncated }
        guard bytes.count == expected else { throw .tooLong }
        var addresses = [IPAddress]()
        addresses.reserveCapacity(count)
        for index in 0..<count {
            let start = 8 + index * width
            guard let address = IPAddress(bytes: Array(bytes[start..<start + width])) else { throw .malformed }
            addresses.append(address)
        }
        self.addresses = addresses
        authenticationData = Array(bytes[(expected - trailer)..<expected])
        self.bytes = bytes
    }

    /// The advertisement this message carries; throws `badType` for anything but an
    /// ADVERTISEMENT, `badAuthType` for a v2 auth type other than 0, 1, 2. An AH key is not on
    /// the wire, so AH decodes as `.authenticationHeader([])`; PASS keeps all 8 bytes.
    public func advertisement() throws(VRRPDropReason) -> VRRPAdvertisement {
        guard type == 1 else { throw .badType }
        let authentication: VRRPAuthentication
        switch authenticationType {
        case 0: authentication = .none
        case 1: authentication = .password(authenticationData)
        case 2: authentication = .authenticationHeader([])
        default: throw .badAuthType
        }
        return VRRPAdvertisement(
            version: version == 2 ? .v2 : .v3, virtualRouterID: virtualRouterID, priority: priority,
            intervalCentiseconds: intervalCentiseconds, addresses: addresses, authentication: authentication)
    }
}
