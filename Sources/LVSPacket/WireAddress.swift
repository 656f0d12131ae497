/// An IPv4 or IPv6 address as it appears on the wire, held inline.
///
/// Same layout as LVSCore's `IPAddress` (kept separate so LVSPacket stays standalone): IPv4 is
/// the host-order value of the dotted quad in the low 32 bits of `low`; IPv6 is the 128 bits
/// big-endian split into two halves. Converting between the two is three field copies.
public struct WireAddress: Sendable, Hashable, CustomStringConvertible {
    public let isIPv6: Bool
    public let high: UInt64
    public let low: UInt64

    /// An IPv4 address from its host-order value (`0x0A000001` is 10.0.0.1).
    @inlinable
    public init(ipv4 value: UInt32) {
        self.isIPv6 = false
        self.high = 0
        self.low = UInt64(value)
    }

    /// An IPv6 address from its two big-endian halves.
    @inlinable
    public init(ipv6High high: UInt64, low: UInt64) {
        self.isIPv6 = true
        self.high = high
        self.low = low
    }

    /// The IPv4 value (meaningless for IPv6).
    @inlinable
    public var ipv4Value: UInt32 { UInt32(truncatingIfNeeded: low) }

    /// Address length on the wire: 4 or 16.
    @inlinable
    public var byteCount: Int { isIPv6 ? 16 : 4 }

    /// Reads an address of the given family at `offset`.
    @inlinable
    public static func read(from buffer: PacketBuffer, at offset: Int, ipv6: Bool) -> WireAddress? {
        if ipv6 {
            guard let high = buffer.u64(at: offset), let low = buffer.u64(at: offset &+ 8) else { return nil }
            return WireAddress(ipv6High: high, low: low)
        }
        guard let value = buffer.u32(at: offset) else { return nil }
        return WireAddress(ipv4: value)
    }

    /// Writes the 4 or 16 address bytes at `offset`.
    @inlinable
    public func write(to buffer: PacketBuffer, at offset: Int) throws(PacketError) {
        if isIPv6 {
            guard buffer.contains(offset: offset, length: 16) else { throw .outOfBounds }
            try buffer.setU64(high, at: offset)
            try buffer.setU64(low, at: offset &+ 8)
        } else {
            try buffer.setU32(ipv4Value, at: offset)
        }
    }

    /// The one's-complement sum of the address's 16-bit words (for pseudo-headers and
    /// incremental checksum updates).
    @inlinable
    public var wordSum: UInt64 {
        if isIPv6 {
            return (high >> 48) + ((high >> 32) & 0xFFFF) + ((high >> 16) & 0xFFFF) + (high & 0xFFFF)
                + (low >> 48) + ((low >> 32) & 0xFFFF) + ((low >> 16) & 0xFFFF) + (low & 0xFFFF)
        }
        return ((low >> 16) & 0xFFFF) + (low & 0xFFFF)
    }

    /// Parses dotted-quad IPv4 or RFC 4291 text IPv6 (with `::`, optional trailing dotted quad).
    public init?(_ text: String) {
        if !text.contains(":") {
            guard let value = WireAddress.parseIPv4(Substring(text)) else { return nil }
            self.init(ipv4: value)
            return
        }
        guard let (high, low) = WireAddress.parseIPv6(text) else { return nil }
        self.init(ipv6High: high, low: low)
    }

    static func parseIPv4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                let octet = UInt8(part)
            else { return nil }
            value = value << 8 | UInt32(octet)
        }
        return value
    }

    static func parseIPv6(_ text: String) -> (UInt64, UInt64)? {
        var headText = Substring(text)
        var tailText: Substring? = nil
        if let gap = text.firstRange(of: "::") {
            headText = text[..<gap.lowerBound]
            let rest = text[gap.upperBound...]
            guard rest.firstRange(of: "::") == nil else { return nil }
            tailText = rest
        }
        func groups(_ part: Substring) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, piece.contains(".") {
                    guard let v4 = parseIPv4(piece) else { return nil }
                    result.append(UInt16(v4 >> 16))
                    result.append(UInt16(v4 & 0xFFFF))
                } else {
                    guard !piece.isEmpty, piece.count <= 4, let group = UInt16(piece, radix: 16) else { return nil }
                    result.append(group)
                }
            }
            return result
        }
        guard let head = groups(headText) else { return nil }
        var all: [UInt16]
        if let tailText {
            guard let tail = groups(tailText), head.count + tail.count <= 7 else { return nil }
            all = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard head.count == 8 else { return nil }
            all = head
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<4 { high = high << 16 | UInt64(all[index]) }
        for index in 4..<8 { low = low << 16 | UInt64(all[index]) }
        return (high, low)
    }

    public var description: String {
        if !isIPv6 {
            let v = ipv4Value
            return "\(v >> 24).\((v >> 16) & 0xFF).\((v >> 8) & 0xFF).\(v & 0xFF)"
        }
        var groups: [UInt16] = []
        for shift in stride(from: 48, through: 0, by: -16) {
            groups.append(UInt16(truncatingIfNeeded: high >> UInt64(shift)))
        }
        for shift in stride(from: 48, through: 0, by: -16) {
            groups.append(UInt16(truncatingIfNeeded: low >> UInt64(shift)))
        }
        return groups.map { String($0, radix: 16) }.joined(separator: ":")
    }
}

/// IP protocol / IPv6 next-header numbers used by the library (IANA registry).
public enum IPProtocolNumbers {
    public static let hopByHop: UInt8 = 0
    public static let icmp: UInt8 = 1
    public static let ipip: UInt8 = 4
    public static let tcp: UInt8 = 6
    public static let udp: UInt8 = 17
    public static let ipv6: UInt8 = 41
    public static let routing: UInt8 = 43
    public static let fragment: UInt8 = 44
    public static let gre: UInt8 = 47
    public static let esp: UInt8 = 50
    public static let authentication: UInt8 = 51
    public static let icmpv6: UInt8 = 58
    public static let noNextHeader: UInt8 = 59
    public static let destinationOptions: UInt8 = 60
    public static let sctp: UInt8 = 132
}
