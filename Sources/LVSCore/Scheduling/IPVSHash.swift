/// The hash functions IPVS schedulers use (reference §3.0, §3.14), written from their
/// definitions so tables match a 64-bit kernel director's.
public enum IPVSHash {
    /// The kernel's multiplicative `hash_32`: `((value × 0x61C88647) mod 2^32) >> (32 − bits)`
    /// (reference §3.0). `bits` is clamped to 1...32 so bad input cannot trap.
    @inlinable
    public static func hash32(_ value: UInt32, bits: Int) -> UInt32 {
        let clamped = UInt32(max(1, min(32, bits)))
        let product = value &* 0x61C8_8647
        return clamped == 32 ? product : product >> (32 - clamped)
    }

    /// `hsiphash` of one 32-bit value on a 64-bit kernel: SipHash-1-3 with two 64-bit key words
    /// over the value's four bytes in little-endian order, truncated to the low 32 bits
    /// (reference §3.14).
    @inlinable
    public static func hsiphash(_ value: UInt32, key0: UInt64, key1: UInt64) -> UInt32 {
        var v0: UInt64 = 0x736f_6d65_7073_6575 ^ key0
        var v1: UInt64 = 0x646f_7261_6e64_6f6d ^ key1
        var v2: UInt64 = 0x6c79_6765_6e65_7261 ^ key0
        var v3: UInt64 = 0x7465_6462_7974_6573 ^ key1
        // The last (only) block: four message bytes, the message length in the top byte.
        let block: UInt64 = (4 << 56) | UInt64(value)
        v3 ^= block
        sipRound(&v0, &v1, &v2, &v3)
        v0 ^= block
        v2 ^= 0xff
        sipRound(&v0, &v1, &v2, &v3)
        sipRound(&v0, &v1, &v2, &v3)
        sipRound(&v0, &v1, &v2, &v3)
        return UInt32(truncatingIfNeeded: v0 ^ v1 ^ v2 ^ v3)
    }

    /// One SipRound on the four 64-bit state words.
    @inlinable
    static func sipRound(_ v0: inout UInt64, _ v1: inout UInt64, _ v2: inout UInt64, _ v3: inout UInt64) {
        v0 &+= v1
        v1 = rotateLeft(v1, 13)
        v1 ^= v0
        v0 = rotateLeft(v0, 32)
        v2 &+= v3
        v3 = rotateLeft(v3, 16)
        v3 ^= v2
        v0 &+= v3
        v3 = rotateLeft(v3, 21)
        v3 ^= v0
        v2 &+= v1
        v1 = rotateLeft(v1, 17)
        v1 ^= v2
        v2 = rotateLeft(v2, 32)
    }

    @inlinable
    static func rotateLeft(_ x: UInt64, _ by: UInt64) -> UInt64 { (x << by) | (x >> (64 - by)) }

    /// `fls`: the 1-based index of the highest set bit, 0 for 0.
    @inlinable
    static func fls(_ x: UInt32) -> Int { x == 0 ? 0 : 32 - x.leadingZeroBitCount }

    /// Greatest common divisor of two non-negative values (gcd(0, b) = b).
    @inlinable
    static func gcd(_ a: Int64, _ b: Int64) -> Int64 {
        var x = a
        var y = b
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }
}

/// Whether a real server may take a new connection from a scheduler: still configured in its
/// service (`isAvailable`), weight > 0 and not overloaded (reference §3.0).
extension RealServer {
    @inlinable
    var canTakeNewConnection: Bool { isAvailable && isEligible }
}
