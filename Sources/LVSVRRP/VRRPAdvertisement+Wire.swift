import LVSCore

extension VRRPAdvertisement {
    /// The VRRP message (no IP header) with its checksum over `coverage`.
    ///
    /// Version 2 (RFC 3768 §5.1): 0x21, VRID, priority, count, auth type, interval in seconds,
    /// checksum, IPv4 addresses, 8 bytes of authentication data (PASS: the password's first 8
    /// bytes zero-padded; none and AH: zeros). Version 3 (RFC 5798 §5.1): 0x31, VRID, priority,
    /// count, 4 reserved bits and 12 bits of centiseconds, checksum, addresses.
    public func encodedMessage(checksum coverage: VRRPChecksumCoverage) throws(VRRPEncodingError) -> [UInt8] {
        guard addresses.count <= 255 else { throw .tooManyAddresses }
        let family = addresses.first?.family ?? .inet
        guard addresses.allSatisfy({ $0.family == family }) else { throw .mixedAddressFamilies }
        var bytes: [UInt8] = [version.rawValue << 4 | 1, virtualRouterID, priority, UInt8(addresses.count)]
        switch version {
        case .v2:
            guard family == .inet else { throw .version2RequiresIPv4 }
            guard intervalCentiseconds % 100 == 0, (100...25_500).contains(intervalCentiseconds) else {
                throw .intervalNotRepresentable
            }
            bytes += [authentication.wireType, UInt8(intervalCentiseconds / 100), 0, 0]
        case .v3:
            guard intervalCentiseconds <= 0x0FFF else { throw .intervalNotRepresentable }
            bytes += [UInt8(intervalCentiseconds >> 8), UInt8(intervalCentiseconds & 0xFF), 0, 0]
        }
        for address in addresses { bytes += address.bytes }
        if version == .v2 { bytes += authentication.wireData }
        let checksum = VRRPChecksum.compute(bytes, coverage: coverage)
        bytes[6] = UInt8(checksum >> 8)
        bytes[7] = UInt8(checksum & 0xFF)
        return bytes
    }

    /// The VRRP message as keepalived sends it from `source` to `destination`: version 2 and
    /// `v3ChecksumAsV2` checksum the message only, version 3 adds the pseudo-header.
    public func encodedMessage(
        source: IPAddress, destination: IPAddress, v3ChecksumAsV2: Bool = false
    ) throws(VRRPEncodingError) -> [UInt8] {
        try encodedMessage(
            checksum: Self.checksumCoverage(
                version: version, source: source, destination: destination, v3ChecksumAsV2: v3ChecksumAsV2))
    }

    /// Decodes a whole VRRP message of `family` (no checks against an instance, and none of the
    /// checksum: see `VRRPReceiveCheck`).
    public init(decoding bytes: [UInt8], family: AddressFamily) throws(VRRPDropReason) {
        self = try VRRPMessage(parsing: bytes, family: family).advertisement()
    }

    /// The coverage keepalived uses for a version and options. `v3ChecksumAsV2` only changes
    /// IPv4: for IPv6 the kernel always checksums with the pseudo-header (RFC 8200 §8.1).
    public static func checksumCoverage(
        version: VRRPVersion, source: IPAddress, destination: IPAddress, v3ChecksumAsV2: Bool
    ) -> VRRPChecksumCoverage {
        switch version {
        case .v2:
            return .messageOnly
        case .v3:
            if v3ChecksumAsV2 && source.family == .inet { return .messageOnly }
            return .pseudoHeader(source: source, destination: destination)
        }
    }
}

extension VRRPAuthentication {
    /// The v2 Auth Type field: 0 none, 1 PASS, 2 AH.
    public var wireType: UInt8 {
        switch self {
        case .none: 0
        case .password: 1
        case .authenticationHeader: 2
        }
    }

    /// The secret's first 8 bytes, zero-padded (keepalived's `auth_pass` storage).
    public var paddedSecret: [UInt8] {
        switch self {
        case .none: return [UInt8](repeating: 0, count: 8)
        case .password(let secret), .authenticationHeader(let secret):
            return Array(secret.prefix(8)) + [UInt8](repeating: 0, count: 8 - min(8, secret.count))
        }
    }

    /// The v2 Authentication Data field: the padded password for PASS, zeros otherwise.
    var wireData: [UInt8] {
        switch self {
        case .password: paddedSecret
        case .none, .authenticationHeader: [UInt8](repeating: 0, count: 8)
        }
    }
}
