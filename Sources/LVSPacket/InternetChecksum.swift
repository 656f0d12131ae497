/// The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
///
/// Sums are carried unfolded in a `UInt64` (no overflow for any IP packet: at most 2^16 words
/// of at most 2^32 each) and folded once at the end.
public enum InternetChecksum {
    /// The unfolded one's-complement sum of `length` bytes at `offset` (an odd final byte is
    /// padded with zero, RFC 1071 §4.1), added to `initial`. Out-of-range bytes are not summed:
    /// callers check bounds first.
    public static func sum(_ buffer: PacketBuffer, at offset: Int, length: Int, initial: UInt64 = 0) -> UInt64 {
        guard buffer.contains(offset: offset, length: length) else { return initial }
        var total = initial
        var position = offset
        var remaining = length
        // 32-bit big-endian words sum to the same one's-complement value as their 16-bit halves.
        while remaining >= 4, let word = buffer.u32(at: position) {
            total &+= UInt64(word)
            position &+= 4
            remaining &-= 4
        }
        if remaining >= 2, let word = buffer.u16(at: position) {
            total &+= UInt64(word)
            position &+= 2
            remaining &-= 2
        }
        if remaining == 1, let byte = buffer.u8(at: position) {
            total &+= UInt64(byte) << 8
        }
        return total
    }

    /// The unfolded sum of a byte sequence (slow path: builders and tests).
    public static func sum(_ bytes: some Sequence<UInt8>, initial: UInt64 = 0) -> UInt64 {
        var total = initial
        var high = true
        for byte in bytes {
            total &+= high ? UInt64(byte) << 8 : UInt64(byte)
            high.toggle()
        }
        return total
    }

    /// Folds a sum to 16 bits with end-around carry.
    @inlinable
    public static func fold(_ sum: UInt64) -> UInt16 {
        var value = sum
        while value > 0xFFFF { value = (value & 0xFFFF) &+ (value >> 16) }
        return UInt16(truncatingIfNeeded: value)
    }

    /// The checksum field value for a sum: the complement of the folded sum.
    @inlinable
    public static func finish(_ sum: UInt64) -> UInt16 { ~fold(sum) }

    /// The checksum of `length` bytes at `offset` (RFC 1071).
    public static func checksum(_ buffer: PacketBuffer, at offset: Int, length: Int, initial: UInt64 = 0) -> UInt16 {
        finish(sum(buffer, at: offset, length: length, initial: initial))
    }

    /// The checksum of a byte sequence.
    public static func checksum(_ bytes: some Sequence<UInt8>, initial: UInt64 = 0) -> UInt16 {
        finish(sum(bytes, initial: initial))
    }

    /// The sum of the TCP/UDP/ICMPv6 pseudo-header: RFC 793/768 for IPv4 (addresses, zero,
    /// protocol, length) and RFC 8200 §8.1 for IPv6 (addresses, 32-bit length, next header).
    /// Both reduce to the same word sum.
    @inlinable
    public static func pseudoHeaderSum(
        source: WireAddress, destination: WireAddress, protocolNumber: UInt8, length: Int
    ) -> UInt64 {
        let wireLength = UInt64(truncatingIfNeeded: UInt32(truncatingIfNeeded: length))
        return source.wordSum &+ destination.wordSum &+ UInt64(protocolNumber) &+ (wireLength >> 16)
            &+ (wireLength & 0xFFFF)
    }

    // MARK: RFC 1624 incremental update

    /// HC' = ~(~HC + ~m + m') (RFC 1624 eqn. 3) for one 16-bit field changing from `old` to `new`.
    @inlinable
    public static func update(_ checksum: UInt16, old: UInt16, new: UInt16) -> UInt16 {
        ~fold(UInt64(~checksum) &+ UInt64(~old) &+ UInt64(new))
    }

    /// Eqn. 3 for a 32-bit field (two 16-bit words).
    @inlinable
    public static func update(_ checksum: UInt16, old: UInt32, new: UInt32) -> UInt16 {
        ~fold(
            UInt64(~checksum) &+ UInt64(~UInt16(truncatingIfNeeded: old >> 16))
                &+ UInt64(~UInt16(truncatingIfNeeded: old))
                &+ UInt64(new >> 16) &+ UInt64(new & 0xFFFF))
    }

    /// Eqn. 3 for an address change: 32 bits for IPv4, 128 bits for IPv6.
    @inlinable
    public static func update(_ checksum: UInt16, old: WireAddress, new: WireAddress) -> UInt16 {
        // ~m summed word by word equals (words * 0xFFFF) - sum(m); use that to stay branch-free.
        let words: UInt64 = old.isIPv6 ? 8 : 2
        let complementOfOld = words &* 0xFFFF &- old.wordSum
        return ~fold(UInt64(~checksum) &+ complementOfOld &+ new.wordSum)
    }

    /// Eqn. 3 for an arbitrary sum difference: `oldSum` and `newSum` are unfolded word sums of
    /// the changed fields before and after.
    @inlinable
    public static func update(_ checksum: UInt16, oldSum: UInt64, newSum: UInt64) -> UInt16 {
        ~fold(UInt64(~checksum) &+ UInt64(~fold(oldSum)) &+ newSum)
    }
}
