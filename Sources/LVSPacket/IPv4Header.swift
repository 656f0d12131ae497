/// An IPv4 header parsed in place (RFC 791): decoded fields plus its offset in the frame.
public struct IPv4Header: Sendable, Hashable {
    public static let minimumLength = 20

    /// Offset of the header in the frame.
    public var offset: Int
    /// IHL × 4: 20 plus options.
    public var headerLength: Int
    /// The TOS byte: DSCP (high 6 bits) and ECN (low 2 bits).
    public var tos: UInt8
    public var totalLength: Int
    public var identification: UInt16
    public var dontFragment: Bool
    public var moreFragments: Bool
    /// Fragment offset in bytes (the field × 8).
    public var fragmentOffset: Int
    public var ttl: UInt8
    public var protocolNumber: UInt8
    public var checksum: UInt16
    public var source: UInt32
    public var destination: UInt32

    public init(
        offset: Int = 0, headerLength: Int = 20, tos: UInt8 = 0, totalLength: Int, identification: UInt16 = 0,
        dontFragment: Bool = false, moreFragments: Bool = false, fragmentOffset: Int = 0, ttl: UInt8 = 64,
        protocolNumber: UInt8, checksum: UInt16 = 0, source: UInt32, destination: UInt32
    ) {
        self.offset = offset
        self.headerLength = headerLength
        self.tos = tos
        self.totalLength = totalLength
        self.identification = identification
        self.dontFragment = dontFragment
        self.moreFragments = moreFragments
        self.fragmentOffset = fragmentOffset
        self.ttl = ttl
        self.protocolNumber = protocolNumber
        self.checksum = checksum
        self.source = source
        self.destination = destination
    }

    public var isFragment: Bool { moreFragments || fragmentOffset != 0 }
    /// A fragment other than the first carries no transport header.
    public var isNonFirstFragment: Bool { fragmentOffset != 0 }
    public var payloadOffset: Int { offset + headerLength }
    public var payloadLength: Int { totalLength - headerLength }
    /// Offset just past the packet (Ethernet padding, if any, lies beyond).
    public var end: Int { offset + totalLength }
    /// The ECN codepoint (RFC 3168).
    public var ecn: UInt8 { tos & 0x03 }

    /// Parses the header at `offset`; the packet must end at or before `end`.
    ///
    /// - Parameter allowTruncated: accept a total length beyond `end` (a packet quoted in an ICMP
    ///   error is cut short, RFC 792/1812); the header itself must still be complete.
    public static func parse(
        _ buffer: PacketBuffer, at offset: Int, end: Int, allowTruncated: Bool = false
    ) throws(PacketError) -> IPv4Header {
        guard offset >= 0, end - offset >= minimumLength, let versionIHL = buffer.u8(at: offset),
            let tos = buffer.u8(at: offset &+ 1), let totalLength = buffer.u16(at: offset &+ 2),
            let identification = buffer.u16(at: offset &+ 4), let flagsFragment = buffer.u16(at: offset &+ 6),
            let ttl = buffer.u8(at: offset &+ 8), let protocolNumber = buffer.u8(at: offset &+ 9),
            let checksum = buffer.u16(at: offset &+ 10), let source = buffer.u32(at: offset &+ 12),
            let destination = buffer.u32(at: offset &+ 16)
        else { throw .truncatedIPv4Header }
        guard versionIHL >> 4 == 4 else { throw .badIPVersion }
        let headerLength = Int(versionIHL & 0x0F) * 4
        guard headerLength >= minimumLength else { throw .badIPv4HeaderLength }
        guard headerLength <= end - offset else { throw allowTruncated ? .truncatedIPv4Header : .badIPv4HeaderLength }
        let total = Int(totalLength)
        guard total >= headerLength else { throw .badIPv4TotalLength }
        if !allowTruncated {
            guard total <= end - offset else { throw .badIPv4TotalLength }
        }
        return IPv4Header(
            offset: offset, headerLength: headerLength, tos: tos, totalLength: total, identification: identification,
            dontFragment: flagsFragment & 0x4000 != 0, moreFragments: flagsFragment & 0x2000 != 0,
            fragmentOffset: Int(flagsFragment & 0x1FFF) * 8, ttl: ttl, protocolNumber: protocolNumber,
            checksum: checksum, source: source, destination: destination)
    }

    /// True when the header (options included) sums to 0xFFFF (RFC 1071 verification).
    public func checksumIsValid(in buffer: PacketBuffer) -> Bool {
        InternetChecksum.fold(InternetChecksum.sum(buffer, at: offset, length: headerLength)) == 0xFFFF
    }

    /// Writes the fixed 20 bytes at `offset` (options, if `headerLength` > 20, are left as the
    /// buffer holds them) and a freshly computed header checksum; updates `checksum`.
    public mutating func write(to buffer: PacketBuffer) throws(PacketError) {
        guard headerLength >= Self.minimumLength, headerLength <= 60, headerLength % 4 == 0,
            buffer.contains(offset: offset, length: headerLength)
        else { throw .outOfBounds }
        guard totalLength <= 0xFFFF, fragmentOffset >= 0, fragmentOffset <= 0xFFF8 else { throw .packetTooLarge }
        try buffer.setU8(0x40 | UInt8(headerLength / 4), at: offset)
        try buffer.setU8(tos, at: offset + 1)
        try buffer.setU16(UInt16(totalLength), at: offset + 2)
        try buffer.setU16(identification, at: offset + 4)
        let flags: UInt16 = (dontFragment ? 0x4000 : 0) | (moreFragments ? 0x2000 : 0)
        try buffer.setU16(flags | UInt16(fragmentOffset / 8), at: offset + 6)
        try buffer.setU8(ttl, at: offset + 8)
        try buffer.setU8(protocolNumber, at: offset + 9)
        try buffer.setU16(0, at: offset + 10)
        try buffer.setU32(source, at: offset + 12)
        try buffer.setU32(destination, at: offset + 16)
        checksum = InternetChecksum.checksum(buffer, at: offset, length: headerLength)
        try buffer.setU16(checksum, at: offset + 10)
    }
}
