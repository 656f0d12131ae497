/// Address family of a virtual service, real server or connection entry.
///
/// The raw values are Linux's `AF_INET`/`AF_INET6`, which is also the order ipvsadm sorts by
/// (reference §2.7: AF_INET=2 < AF_INET6=10).
public enum AddressFamily: UInt8, Sendable, Hashable, Codable, Comparable {
    case inet = 2
    case inet6 = 10

    public static func < (lhs: AddressFamily, rhs: AddressFamily) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// An IPv4 or IPv6 address held inline (no allocation), comparable the way ipvsadm sorts
/// addresses: as unsigned big-endian words.
///
/// IPv4 addresses live in the low 32 bits of `low` (host order value of the dotted quad, so
/// `10.0.0.1` is `0x0A00_0001`); `high` is 0. IPv6 addresses are the 128 bits big-endian split
/// into two 64-bit halves.
public struct IPAddress: Sendable, Hashable, Comparable {
    public let family: AddressFamily
    public let high: UInt64
    public let low: UInt64

    /// An IPv4 address from its host-order 32-bit value (`0x7F000001` is 127.0.0.1).
    public init(ipv4 value: UInt32) {
        self.family = .inet
        self.high = 0
        self.low = UInt64(value)
    }

    /// An IPv6 address from its two big-endian 64-bit halves.
    public init(ipv6High high: UInt64, low: UInt64) {
        self.family = .inet6
        self.high = high
        self.low = low
    }

    /// The IPv4 value (host order). Meaningless for IPv6.
    public var ipv4Value: UInt32 { UInt32(truncatingIfNeeded: low) }

    /// The 16 bytes of an IPv6 address, or the 4 bytes of an IPv4 address, in network order.
    public var bytes: [UInt8] {
        switch family {
        case .inet:
            let v = ipv4Value
            return [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
        case .inet6:
            var out = [UInt8]()
            out.reserveCapacity(16)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8((high >> UInt64(shift)) & 0xFF)) }
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8((low >> UInt64(shift)) & 0xFF)) }
            return out
        }
    }

    /// An address from network-order bytes: 4 bytes give IPv4, 16 bytes IPv6, anything else nil.
    public init?(bytes: [UInt8]) {
        switch bytes.count {
        case 4:
            let v = UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
            self.init(ipv4: v)
        case 16:
            var h: UInt64 = 0
            var l: UInt64 = 0
            for i in 0..<8 { h = h << 8 | UInt64(bytes[i]) }
            for i in 8..<16 { l = l << 8 | UInt64(bytes[i]) }
            self.init(ipv6High: h, low: l)
        default:
            return nil
        }
    }

    /// The folded 32-bit value used by IPVS hash schedulers (reference §3.0): the IPv4 value, or
    /// the XOR of the four 32-bit words of an IPv6 address.
    @inlinable
    public var folded: UInt32 {
        switch family {
        case .inet:
            return UInt32(truncatingIfNeeded: low)
        case .inet6:
            return UInt32(truncatingIfNeeded: high >> 32) ^ UInt32(truncatingIfNeeded: high)
                ^ UInt32(truncatingIfNeeded: low >> 32) ^ UInt32(truncatingIfNeeded: low)
        }
    }

    /// Orders by family first, then as unsigned big-endian words (reference §2.7, without
    /// ipvsadm's signed-subtraction quirk; see docs/design/0002-sort-order.md).
    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        if lhs.family != rhs.family { return lhs.family < rhs.family }
        if lhs.high != rhs.high { return lhs.high < rhs.high }
        return lhs.low < rhs.low
    }

    /// The address with everything beyond the first `prefixLength` bits cleared.
    public func masked(prefixLength: Int) -> IPAddress {
        switch family {
        case .inet:
            let bits = max(0, min(32, prefixLength))
            let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << UInt32(32 - bits)
            return IPAddress(ipv4: ipv4Value & mask)
        case .inet6:
            let bits = max(0, min(128, prefixLength))
            let highMask: UInt64 = bits >= 64 ? ~0 : (bits == 0 ? 0 : ~UInt64(0) << UInt64(64 - bits))
            let lowBits = bits - 64
            let lowMask: UInt64 = lowBits <= 0 ? 0 : (lowBits >= 64 ? ~0 : ~UInt64(0) << UInt64(64 - lowBits))
            return IPAddress(ipv6High: high & highMask, low: low & lowMask)
        }
    }

    /// The IPv4 address ANDed with an arbitrary (possibly non-contiguous) 32-bit mask.
    public func masked(ipv4Mask mask: UInt32) -> IPAddress {
        IPAddress(ipv4: ipv4Value & mask)
    }

    public static let ipv4Any = IPAddress(ipv4: 0)
    public static let ipv6Any = IPAddress(ipv6High: 0, low: 0)

    /// True for IPv4 broadcast (255.255.255.255) and multicast (224/4), and IPv6 multicast (ff00::/8):
    /// the kernel refuses such real-server addresses (reference §1.5).
    public var isMulticastOrBroadcast: Bool {
        switch family {
        case .inet: return ipv4Value == 0xFFFF_FFFF || (ipv4Value >> 28) == 0xE
        case .inet6: return (high >> 56) == 0xFF
        }
    }

    /// True for IPv6 link-local unicast (fe80::/10).
    public var isIPv6LinkLocal: Bool { family == .inet6 && (high >> 54) == 0x3FA }
}
