import LVSCore
import LVSPacket

/// What a VRRP checksum covers besides the VRRP message itself.
public enum VRRPChecksumCoverage: Sendable, Hashable {
    /// The message only: VRRPv2 (RFC 3768 §5.3.8), and VRRPv3 over IPv4 with keepalived's
    /// `v3_checksum_as_v2` (RFC 9568's reading of RFC 5798 §5.2.8).
    case messageOnly
    /// The message plus the IP pseudo-header (source, destination, protocol 112, VRRP length):
    /// VRRPv3 as RFC 5798 §5.2.8 and keepalived compute it by default, for IPv4 and IPv6.
    case pseudoHeader(source: IPAddress, destination: IPAddress)
}

/// The VRRP checksum (RFC 1071 Internet checksum) with the coverage its version asks for.
public enum VRRPChecksum {
    /// The IP protocol number of VRRP (RFC 5798 §5.2.4).
    public static let protocolNumber: UInt8 = 112

    /// The checksum field value for `message`, whose own checksum bytes (6 and 7) are skipped.
    public static func compute(_ message: [UInt8], coverage: VRRPChecksumCoverage) -> UInt16 {
        var zeroed = message
        if zeroed.count >= 8 {
            zeroed[6] = 0
            zeroed[7] = 0
        }
        return InternetChecksum.checksum(zeroed, initial: initialSum(coverage, length: message.count))
    }

    /// True when `message`, checksum field included, sums to all ones under `coverage`.
    public static func verifies(_ message: [UInt8], coverage: VRRPChecksumCoverage) -> Bool {
        InternetChecksum.fold(InternetChecksum.sum(message, initial: initialSum(coverage, length: message.count)))
            == 0xFFFF
    }

    private static func initialSum(_ coverage: VRRPChecksumCoverage, length: Int) -> UInt64 {
        switch coverage {
        case .messageOnly:
            return 0
        case .pseudoHeader(let source, let destination):
            return InternetChecksum.pseudoHeaderSum(
                source: WireAddress(source), destination: WireAddress(destination), protocolNumber: protocolNumber,
                length: length)
        }
    }
}

extension WireAddress {
    /// The same address in LVSPacket's representation.
    init(_ address: IPAddress) {
        switch address.family {
        case .inet: self.init(ipv4: address.ipv4Value)
        case .inet6: self.init(ipv6High: address.high, low: address.low)
        }
    }
}
