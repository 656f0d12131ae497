/// Why a received VRRP packet was discarded, in the order keepalived 2.2 checks
/// (`vrrp_check_packet`). `name` is a stable snake_case label for per-reason counters.
public enum VRRPDropReason: Error, Sendable, Hashable, CaseIterable {
    /// Shorter than its headers, its address count, or the IP total length say.
    case truncated
    /// Longer than the VRRP message its address count implies (keepalived: "packet too long").
    case tooLong
    /// Not parseable as IPv4 + [AH] + VRRP (bad IP version or header length, unknown protocol).
    case malformed
    /// VRRP version not the instance's, or not 2/3, or version 2 over IPv6.
    case badVersion
    /// VRRP type other than 1 (ADVERTISEMENT).
    case badType
    /// TTL/hop limit not 255 for multicast, or outside a unicast peer's min/max TTL.
    case badTTL
    /// The VRRP checksum does not verify.
    case badChecksum
    /// v2 auth type unknown or not the instance's; or an AH header present/absent against it.
    case badAuthType
    /// v2 PASS: the authentication data differs from our padded password.
    case badPassword
    /// v2 AH: the ICV does not verify, the SPI is not the source, or next header is not 112.
    case badAH
    /// v2 AH: the sequence number is not greater than the last one accepted (replay).
    case staleSequenceNumber
    /// v2: the advertised interval (whole seconds) is not ours.
    case intervalMismatch
    /// The address count or list differs from our virtual addresses.
    case addressMismatch
    /// Multicast received by a unicast instance or the reverse.
    case destinationMismatch
    /// Unicast source not one of the configured peers (when source checking is on).
    case unknownSource

    /// The counter label, e.g. `bad_ttl`.
    public var name: String {
        switch self {
        case .truncated: "truncated"
        case .tooLong: "too_long"
        case .malformed: "malformed"
        case .badVersion: "bad_version"
        case .badType: "bad_type"
        case .badTTL: "bad_ttl"
        case .badChecksum: "bad_checksum"
        case .badAuthType: "bad_auth_type"
        case .badPassword: "bad_password"
        case .badAH: "bad_ah"
        case .staleSequenceNumber: "stale_sequence_number"
        case .intervalMismatch: "interval_mismatch"
        case .addressMismatch: "address_mismatch"
        case .destinationMismatch: "destination_mismatch"
        case .unknownSource: "unknown_source"
        }
    }
}

/// Failures building a packet from an advertisement that cannot be put on the wire.
public enum VRRPEncodingError: Error, Sendable, Hashable {
    /// Version 2 is IPv4 only (RFC 3768).
    case version2RequiresIPv4
    /// The addresses (and the source/destination) are not all of one family.
    case mixedAddressFamilies
    /// More than 255 addresses.
    case tooManyAddresses
    /// v2: not whole seconds in 1…255; v3: more than 4095 centiseconds.
    case intervalNotRepresentable
    /// AH needs an IPv4 packet (`VRRPIPv4Packet.build`), not a bare message.
    case authenticationHeaderNeedsIPv4Packet
}
