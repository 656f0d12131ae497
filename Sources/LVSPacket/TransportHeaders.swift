/// TCP header flags (the low byte of the flags field; NS is ignored).
public struct TCPFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let rst = TCPFlags(rawValue: 0x04)
    public static let psh = TCPFlags(rawValue: 0x08)
    public static let ack = TCPFlags(rawValue: 0x10)
    public static let urg = TCPFlags(rawValue: 0x20)
    public static let ece = TCPFlags(rawValue: 0x40)
    public static let cwr = TCPFlags(rawValue: 0x80)
}

/// A TCP header parsed in place (RFC 9293); options are skipped, not decoded.
public struct TCPHeader: Sendable, Hashable {
    public static let minimumLength = 20
    /// Offset of the checksum field from the start of the header.
    public static let checksumOffset = 16

    public var offset: Int
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var sequenceNumber: UInt32
    public var acknowledgmentNumber: UInt32
    /// Data offset × 4: 20 plus options.
    public var headerLength: Int
    public var flags: TCPFlags
    public var window: UInt16
    public var checksum: UInt16
    public var urgentPointer: UInt16

    public init(
        offset: Int, sourcePort: UInt16, destinationPort: UInt16, sequenceNumber: UInt32, acknowledgmentNumber: UInt32,
        headerLength: Int = 20, flags: TCPFlags, window: UInt16, checksum: UInt16 = 0, urgentPointer: UInt16 = 0
    ) {
        self.offset = offset
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.sequenceNumber = sequenceNumber
        self.acknowledgmentNumber = acknowledgmentNumber
        self.headerLength = headerLength
        self.flags = flags
        self.window = window
        self.checksum = checksum
        self.urgentPointer = urgentPointer
    }

    public var payloadOffset: Int { offset + headerLength }

    /// Parses the header at `offset`; `end` bounds the segment. With `checkOptions` false (a
    /// first fragment, which may end inside the options) only the fixed 20 bytes must fit.
    public static func parse(
        _ buffer: PacketBuffer, at offset: Int, end: Int, checkOptions: Bool = true
    ) throws(PacketError) -> TCPHeader {
        guard offset >= 0, end - offset >= minimumLength, let sourcePort = buffer.u16(at: offset),
            let destinationPort = buffer.u16(at: offset &+ 2), let sequence = buffer.u32(at: offset &+ 4),
            let acknowledgment = buffer.u32(at: offset &+ 8), let offsetByte = buffer.u8(at: offset &+ 12),
            let flags = buffer.u8(at: offset &+ 13), let window = buffer.u16(at: offset &+ 14),
            let checksum = buffer.u16(at: offset &+ 16), let urgent = buffer.u16(at: offset &+ 18)
        else { throw .truncatedTCPHeader }
        let headerLength = Int(offsetByte >> 4) * 4
        guard headerLength >= minimumLength, !checkOptions || headerLength <= end - offset else {
            throw .badTCPDataOffset
        }
        return TCPHeader(
            offset: offset, sourcePort: sourcePort, destinationPort: destinationPort, sequenceNumber: sequence,
            acknowledgmentNumber: acknowledgment, headerLength: headerLength, flags: TCPFlags(rawValue: flags),
            window: window, checksum: checksum, urgentPointer: urgent)
    }

    /// Writes the fixed 20 bytes (options left as the buffer holds them) with checksum 0; the
    /// caller computes the checksum once the payload is in place.
    public func write(to buffer: PacketBuffer) throws(PacketError) {
        guard headerLength >= Self.minimumLength, headerLength <= 60, headerLength % 4 == 0,
            buffer.contains(offset: offset, length: headerLength)
        else { throw .outOfBounds }
        try buffer.setU16(sourcePort, at: offset)
        try buffer.setU16(destinationPort, at: offset + 2)
        try buffer.setU32(sequenceNumber, at: offset + 4)
        try buffer.setU32(acknowledgmentNumber, at: offset + 8)
        try buffer.setU8(UInt8(headerLength / 4) << 4, at: offset + 12)
        try buffer.setU8(flags.rawValue, at: offset + 13)
        try buffer.setU16(window, at: offset + 14)
        try buffer.setU16(checksum, at: offset + 16)
        try buffer.setU16(urgentPointer, at: offset + 18)
    }
}

/// A UDP header parsed in place (RFC 768).
public struct UDPHeader: Sendable, Hashable {
    public static let length = 8
    public static let checksumOffset = 6

    public var offset: Int
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    /// The length field: header plus payload.
    public var length: Int
    /// 0 means "no checksum" (IPv4 only, RFC 768).
    public var checksum: UInt16

    public init(offset: Int, sourcePort: UInt16, destinationPort: UInt16, length: Int, checksum: UInt16 = 0) {
        self.offset = offset
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.length = length
        self.checksum = checksum
    }

    public var payloadOffset: Int { offset + Self.length }

    /// Parses the header at `offset`. With `checkLength` the length field must be at least 8 and
    /// fit before `end` (not checked for fragments and quoted packets, whose datagram is cut).
    public static func parse(
        _ buffer: PacketBuffer, at offset: Int, end: Int, checkLength: Bool
    ) throws(PacketError) -> UDPHeader {
        guard offset >= 0, end - offset >= Self.length, let sourcePort = buffer.u16(at: offset),
            let destinationPort = buffer.u16(at: offset &+ 2), let length = buffer.u16(at: offset &+ 4),
            let checksum = buffer.u16(at: offset &+ 6)
        else { throw .truncatedUDPHeader }
        if checkLength {
            guard Int(length) >= Self.length, Int(length) <= end - offset else { throw .badUDPLength }
        }
        return UDPHeader(
            offset: offset, sourcePort: sourcePort, destinationPort: destinationPort, length: Int(length),
            checksum: checksum)
    }

    /// Writes the 8 bytes at `offset`.
    public func write(to buffer: PacketBuffer) throws(PacketError) {
        guard length <= 0xFFFF else { throw .packetTooLarge }
        guard buffer.contains(offset: offset, length: Self.length) else { throw .outOfBounds }
        try buffer.setU16(sourcePort, at: offset)
        try buffer.setU16(destinationPort, at: offset + 2)
        try buffer.setU16(UInt16(length), at: offset + 4)
        try buffer.setU16(checksum, at: offset + 6)
    }
}
