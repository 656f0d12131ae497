import LVSCore
import LVSPacket

/// An IPsec AH header (RFC 4302 §2) as keepalived puts it before a VRRPv2 message.
public struct VRRPAuthenticationHeader: Sendable, Hashable {
    /// 112 (VRRP) for keepalived's adverts.
    public var nextHeader: UInt8
    /// In 32-bit words minus 2: 4 for a 24-byte header with a 96-bit ICV.
    public var payloadLength: UInt8
    /// keepalived uses the sender's IPv4 address as the SPI.
    public var securityParametersIndex: UInt32
    /// Increases by one per advert sent, from 1.
    public var sequenceNumber: UInt32
    /// The 12-byte HMAC-MD5-96.
    public var integrityCheckValue: [UInt8]

    /// The header's length on the wire.
    public static let length = 24
}

/// A whole IPv4 VRRP packet, header included, as sent with `IP_HDRINCL` and as a raw socket
/// delivers it: IPv4 header, an AH header when the protocol is 51, then the VRRP message.
public struct VRRPIPv4Packet: Sendable, Hashable {
    public var typeOfService: UInt8
    public var totalLength: UInt16
    public var identification: UInt16
    /// Flags and fragment offset as one field.
    public var fragmentField: UInt16
    public var timeToLive: UInt8
    /// 112 (VRRP) or 51 (AH).
    public var protocolNumber: UInt8
    public var headerChecksum: UInt16
    public var source: IPAddress
    public var destination: IPAddress
    public var authenticationHeader: VRRPAuthenticationHeader?
    public var message: VRRPMessage
    /// IPv4 header length in bytes (options included).
    public var headerLength: Int
    /// The packet bytes as parsed.
    public var bytes: [UInt8]

    /// keepalived's TOS for adverts: internetwork control (precedence 6).
    public static let typeOfService: UInt8 = 0xC0
    /// The IP protocol number of AH.
    public static let authenticationHeaderProtocol: UInt8 = 51

    /// Parses a received packet. The IP total length is kept for the receive check, which
    /// compares it with the received length as keepalived does.
    public init(parsing bytes: [UInt8]) throws(VRRPDropReason) {
        guard bytes.count >= 20 else { throw .truncated }
        guard bytes[0] >> 4 == 4 else { throw .malformed }
        headerLength = Int(bytes[0] & 0x0F) * 4
        guard headerLength >= 20 else { throw .malformed }
        guard bytes.count >= headerLength else { throw .truncated }
        typeOfService = bytes[1]
        totalLength = Self.u16(bytes, 2)
        identification = Self.u16(bytes, 4)
        fragmentField = Self.u16(bytes, 6)
        timeToLive = bytes[8]
        protocolNumber = bytes[9]
        headerChecksum = Self.u16(bytes, 10)
        source = IPAddress(ipv4: Self.u32(bytes, 12))
        destination = IPAddress(ipv4: Self.u32(bytes, 16))
        var offset = headerLength
        switch protocolNumber {
        case VRRPChecksum.protocolNumber:
            authenticationHeader = nil
        case Self.authenticationHeaderProtocol:
            guard bytes.count >= offset + VRRPAuthenticationHeader.length else { throw .truncated }
            authenticationHeader = VRRPAuthenticationHeader(
                nextHeader: bytes[offset], payloadLength: bytes[offset + 1],
                securityParametersIndex: Self.u32(bytes, offset + 4), sequenceNumber: Self.u32(bytes, offset + 8),
                integrityCheckValue: Array(bytes[(offset + 12)..<(offset + 24)]))
            offset += VRRPAuthenticationHeader.length
        default:
            throw .malformed
        }
        message = try VRRPMessage(parsing: Array(bytes[offset...]), family: .inet)
        self.bytes = bytes
    }

    /// Builds the packet keepalived would send (`vrrp_build_pkt`): IPv4 header with TOS 0xC0,
    /// no DF, the given TTL (255, RFC 5798 §5.1.1.3) and identification (keepalived counts from
    /// 1 and skips 0, which would let the kernel choose), protocol 112, or 51 followed by an AH
    /// header when `advertisement.authentication` is AH; then the VRRP message. The header
    /// checksum is filled in although the kernel rewrites it for `IP_HDRINCL`.
    ///
    /// `unicast` zeroes the TTL in the AH ICV, as keepalived does for unicast peers.
    public static func build(
        _ advertisement: VRRPAdvertisement, source: IPAddress, destination: IPAddress, identification: UInt16,
        sequenceNumber: UInt32 = 0, timeToLive: UInt8 = 255, unicast: Bool = false, v3ChecksumAsV2: Bool = false
    ) throws(VRRPEncodingError) -> [UInt8] {
        guard source.family == .inet, destination.family == .inet else { throw .mixedAddressFamilies }
        let message = try advertisement.encodedMessage(
            source: source, destination: destination, v3ChecksumAsV2: v3ChecksumAsV2)
        var isAH = false
        if case .authenticationHeader = advertisement.authentication, advertisement.version == .v2 { isAH = true }
        let total = 20 + (isAH ? VRRPAuthenticationHeader.length : 0) + message.count
        var bytes: [UInt8] = [0x45, typeOfService, UInt8(total >> 8), UInt8(total & 0xFF)]
        bytes += [UInt8(identification >> 8), UInt8(identification & 0xFF), 0, 0]
        bytes += [timeToLive, isAH ? authenticationHeaderProtocol : VRRPChecksum.protocolNumber, 0, 0]
        bytes += source.bytes + destination.bytes
        if isAH {
            // RFC 4302 §2: next header, payload length (6 words - 2), reserved, SPI, sequence, ICV.
            bytes += [VRRPChecksum.protocolNumber, 4, 0, 0] + source.bytes
            bytes += [
                UInt8(sequenceNumber >> 24), UInt8((sequenceNumber >> 16) & 0xFF),
                UInt8((sequenceNumber >> 8) & 0xFF), UInt8(sequenceNumber & 0xFF),
            ]
            bytes += [UInt8](repeating: 0, count: 12)
        }
        bytes += message
        if isAH {
            let icv = integrityCheckValue(
                of: bytes, headerLength: 20, key: advertisement.authentication.paddedSecret, unicast: unicast)
            bytes.replaceSubrange(32..<44, with: icv)
        }
        let checksum = InternetChecksum.checksum(bytes[0..<20])
        bytes[10] = UInt8(checksum >> 8)
        bytes[11] = UInt8(checksum & 0xFF)
        return bytes
    }

    /// The HMAC-MD5-96 keepalived computes over a whole AH packet: the IP header with its mutable
    /// fields zeroed (TOS, flags/fragment offset, header checksum, and the TTL for unicast: RFC 4302
    /// §3.3.3.1.1.1 lists TTL as mutable, keepalived zeroes it only for unicast), the AH header
    /// with a zero ICV, and the VRRP message. The key is the password zero-padded to 8 bytes
    /// (HMAC pads keys to 64 bytes, so shorter passwords give the same ICV either way).
    public static func integrityCheckValue(
        of packet: [UInt8], headerLength: Int, key: [UInt8], unicast: Bool
    ) -> [UInt8] {
        var input = packet
        guard input.count >= headerLength + VRRPAuthenticationHeader.length, headerLength >= 20 else { return [] }
        input[1] = 0
        input[6] = 0
        input[7] = 0
        input[10] = 0
        input[11] = 0
        if unicast { input[8] = 0 }
        for index in (headerLength + 12)..<(headerLength + 24) { input[index] = 0 }
        return HMACMD5.truncated96(key: key, message: input)
    }

    /// True when the AH ICV verifies under `key` (RFC 4302 §3.4.4).
    public func authenticationHeaderVerifies(key: [UInt8], unicast: Bool) -> Bool {
        guard let header = authenticationHeader else { return false }
        let expected = Self.integrityCheckValue(of: bytes, headerLength: headerLength, key: key, unicast: unicast)
        // Compare every byte so the time taken does not depend on where they differ.
        guard expected.count == header.integrityCheckValue.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(expected, header.integrityCheckValue) { difference |= left ^ right }
        return difference == 0
    }

    private static func u16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    private static func u32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(u16(bytes, offset)) << 16 | UInt32(u16(bytes, offset + 2))
    }
}
