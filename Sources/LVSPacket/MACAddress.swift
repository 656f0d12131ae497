/// A 48-bit Ethernet address held in the low 48 bits of a `UInt64` (first octet most significant).
public struct MACAddress: Sendable, Hashable, CustomStringConvertible {
    public let value: UInt64

    public init(value: UInt64) { self.value = value & 0xFFFF_FFFF_FFFF }

    public init(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8, _ b4: UInt8, _ b5: UInt8) {
        self.value =
            UInt64(b0) << 40 | UInt64(b1) << 32 | UInt64(b2) << 24 | UInt64(b3) << 16 | UInt64(b4) << 8
            | UInt64(b5)
    }

    /// Parses `aa:bb:cc:dd:ee:ff` (or `-` separators); nil when malformed.
    public init?(_ text: String) {
        let parts = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == ":" || $0 == "-" })
        guard parts.count == 6 else { return nil }
        var value: UInt64 = 0
        for part in parts {
            guard part.count == 1 || part.count == 2, let octet = UInt8(part, radix: 16) else { return nil }
            value = value << 8 | UInt64(octet)
        }
        self.value = value
    }

    public static let broadcast = MACAddress(value: 0xFFFF_FFFF_FFFF)
    public static let zero = MACAddress(value: 0)

    public var isBroadcast: Bool { value == 0xFFFF_FFFF_FFFF }
    /// The group bit (least significant bit of the first octet).
    public var isMulticast: Bool { value & 0x0100_0000_0000 != 0 }

    /// Reads six bytes at `offset`.
    @inlinable
    public static func read(from buffer: PacketBuffer, at offset: Int) -> MACAddress? {
        guard let high = buffer.u16(at: offset), let low = buffer.u32(at: offset &+ 2) else { return nil }
        return MACAddress(value: UInt64(high) << 32 | UInt64(low))
    }

    /// Writes six bytes at `offset`.
    @inlinable
    public func write(to buffer: PacketBuffer, at offset: Int) throws(PacketError) {
        guard buffer.contains(offset: offset, length: 6) else { throw .outOfBounds }
        try buffer.setU16(UInt16(truncatingIfNeeded: value >> 32), at: offset)
        try buffer.setU32(UInt32(truncatingIfNeeded: value), at: offset &+ 2)
    }

    public var description: String {
        var parts: [String] = []
        for shift in stride(from: 40, through: 0, by: -8) {
            let octet = UInt8(truncatingIfNeeded: value >> UInt64(shift))
            let hex = String(octet, radix: 16)
            parts.append(hex.count == 1 ? "0" + hex : hex)
        }
        return parts.joined(separator: ":")
    }
}
