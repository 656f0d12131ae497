import LVSCore

/// One VRRP advertisement as the protocol carries it, independent of version and encoding
/// (RFC 3768 §5.1 for version 2, RFC 5798 §5.1 for version 3).
///
/// The interval is kept in centiseconds for both versions: version 2 carries whole seconds on
/// the wire (`advertisementInterval` × 100 here), version 3 carries centiseconds in 12 bits.
public struct VRRPAdvertisement: Sendable, Hashable {
    public var version: VRRPVersion
    public var virtualRouterID: UInt8
    /// 255: the address owner; 1…254: a backup's priority; 0: the master is resigning.
    public var priority: UInt8
    /// The (maximum) advertisement interval in centiseconds.
    public var intervalCentiseconds: UInt16
    /// The virtual addresses listed in the advertisement, all of one family.
    public var addresses: [IPAddress]
    /// Version 2 only; version 3 has no authentication field.
    public var authentication: VRRPAuthentication

    public init(
        version: VRRPVersion, virtualRouterID: UInt8, priority: UInt8, intervalCentiseconds: UInt16,
        addresses: [IPAddress], authentication: VRRPAuthentication = .none
    ) {
        self.version = version
        self.virtualRouterID = virtualRouterID
        self.priority = priority
        self.intervalCentiseconds = intervalCentiseconds
        self.addresses = addresses
        self.authentication = authentication
    }
}

/// VRRPv2 authentication as keepalived implements it (`authentication { auth_type …; auth_pass … }`).
public enum VRRPAuthentication: Sendable, Hashable {
    /// Auth type 0.
    case none
    /// Auth type 1: the password's first 8 bytes, zero-padded, in the advertisement.
    case password([UInt8])
    /// Auth type 2: an IPsec AH header (HMAC-MD5-96) between the IP header and the VRRP message;
    /// the key is the password's first 8 bytes, zero-padded.
    case authenticationHeader([UInt8])
}
