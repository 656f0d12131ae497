/// An IPv6 header (RFC 8200) parsed in place, with its extension-header chain walked to the
/// upper-layer header.
public struct IPv6Header: Sendable, Hashable {
    public static let length = 40
    /// Bound on the extension headers walked: a longer chain is hostile (RFC 8200 allows each
    /// type once, destination options twice; 8 leaves room for AH and unknown-but-listed ones).
    public static let maximumExtensionHeaders = 8

    public var offset: Int
    public var trafficClass: UInt8
    public var flowLabel: UInt32
    public var payloadLength: Int
    /// The first next-header value (in the fixed header).
    public var nextHeader: UInt8
    public var hopLimit: UInt8
    public var source: WireAddress
    public var destination: WireAddress
    /// The protocol after the extension chain (TCP, UDP, ICMPv6, ...; ESP or 59 stop the walk).
    public var upperLayerProtocol: UInt8
    /// Offset of the upper-layer header.
    public var upperLayerOffset: Int
    public var extensionHeaderCount: Int
    /// Present when a fragment header was found.
    public var fragment: Fragment?

    /// The fields of an IPv6 fragment header.
    public struct Fragment: Sendable, Hashable {
        /// Offset of the fragment header itself.
        public var headerOffset: Int
        /// Fragment offset in bytes.
        public var fragmentOffset: Int
        public var moreFragments: Bool
        public var identification: UInt32
    }

    public init(
        offset: Int = 0, trafficClass: UInt8 = 0, flowLabel: UInt32 = 0, payloadLength: Int, nextHeader: UInt8,
        hopLimit: UInt8 = 64, source: WireAddress, destination: WireAddress
    ) {
        self.offset = offset
        self.trafficClass = trafficClass
        self.flowLabel = flowLabel
        self.payloadLength = payloadLength
        self.nextHeader = nextHeader
        self.hopLimit = hopLimit
        self.source = source
        self.destination = destination
        self.upperLayerProtocol = nextHeader
        self.upperLayerOffset = offset + Self.length
        self.extensionHeaderCount = 0
        self.fragment = nil
    }

    public var end: Int { offset + Self.length + payloadLength }
    public var isFragment: Bool { fragment != nil }
    public var isNonFirstFragment: Bool { (fragment?.fragmentOffset ?? 0) != 0 }
    /// Bytes from the upper-layer header to the end of the packet (the pseudo-header length).
    public var upperLayerLength: Int { end - upperLayerOffset }
    public var ecn: UInt8 { trafficClass & 0x03 }

    /// Parses the fixed header at `offset` and walks hop-by-hop, routing, fragment, destination
    /// options and AH headers. The walk stops at the first other next-header value, at a
    /// non-first fragment (its payload is not a header), and never reads past `end`.
    ///
    /// - Parameter allowTruncated: accept a payload length beyond `end` (quoted packets); the
    ///   walk then stops quietly where the quote ends.
    public static func parse(
        _ buffer: PacketBuffer, at offset: Int, end: Int, allowTruncated: Bool = false
    ) throws(PacketError) -> IPv6Header {
        guard offset >= 0, end - offset >= length, let word0 = buffer.u32(at: offset),
            let payloadLength = buffer.u16(at: offset &+ 4), let nextHeader = buffer.u8(at: offset &+ 6),
            let hopLimit = buffer.u8(at: offset &+ 7),
            let source = WireAddress.read(from: buffer, at: offset &+ 8, ipv6: true),
            let destination = WireAddress.read(from: buffer, at: offset &+ 24, ipv6: true)
        else { throw .truncatedIPv6Header }
        guard word0 >> 28 == 6 else { throw .badIPVersion }
        // Payload length 0 means a jumbogram (RFC 2675), which Ethernet cannot carry.
        guard payloadLength != 0 || allowTruncated || nextHeader == IPProtocolNumbers.noNextHeader else {
            throw .badIPv6PayloadLength
        }
        var header = IPv6Header(
            offset: offset, trafficClass: UInt8(truncatingIfNeeded: word0 >> 20), flowLabel: word0 & 0xFFFFF,
            payloadLength: Int(payloadLength), nextHeader: nextHeader, hopLimit: hopLimit, source: source,
            destination: destination)
        var limit = header.end
        if limit > end {
            guard allowTruncated else { throw .badIPv6PayloadLength }
            limit = end
        }
        try header.walkExtensions(buffer, limit: limit, allowTruncated: allowTruncated)
        return header
    }

    private mutating func walkExtensions(_ buffer: PacketBuffer, limit: Int, allowTruncated: Bool) throws(PacketError) {
        var next = nextHeader
        var position = offset + Self.length
        while true {
            let headerLength: Int
            switch next {
            case IPProtocolNumbers.hopByHop, IPProtocolNumbers.routing, IPProtocolNumbers.destinationOptions:
                guard next != IPProtocolNumbers.hopByHop || extensionHeaderCount == 0 else {
                    // RFC 8200 §4.1: hop-by-hop only directly after the fixed header.
                    throw .truncatedExtensionHeader
                }
                guard position <= limit - 2, let length = buffer.u8(at: position &+ 1) else {
                    if allowTruncated { return stop(at: position, protocolNumber: next) }
                    throw .truncatedExtensionHeader
                }
                headerLength = (Int(length) + 1) * 8
            case IPProtocolNumbers.fragment:
                headerLength = 8
            case IPProtocolNumbers.authentication:
                guard position <= limit - 2, let length = buffer.u8(at: position &+ 1) else {
                    if allowTruncated { return stop(at: position, protocolNumber: next) }
                    throw .truncatedExtensionHeader
                }
                headerLength = (Int(length) + 2) * 4
            default:
                return stop(at: position, protocolNumber: next)
            }
            guard extensionHeaderCount < Self.maximumExtensionHeaders else { throw .tooManyExtensionHeaders }
            guard position <= limit - headerLength, let following = buffer.u8(at: position) else {
                if allowTruncated { return stop(at: position, protocolNumber: next) }
                throw .truncatedExtensionHeader
            }
            extensionHeaderCount += 1
            if next == IPProtocolNumbers.fragment {
                guard let offsetFlags = buffer.u16(at: position &+ 2),
                    let identification = buffer.u32(at: position &+ 4)
                else { throw .truncatedExtensionHeader }
                let found = Fragment(
                    headerOffset: position, fragmentOffset: Int(offsetFlags & 0xFFF8),
                    moreFragments: offsetFlags & 1 != 0,
                    identification: identification)
                fragment = found
                if found.fragmentOffset != 0 {
                    upperLayerProtocol = following
                    upperLayerOffset = position + headerLength
                    return
                }
            }
            next = following
            position += headerLength
        }
    }

    private mutating func stop(at position: Int, protocolNumber: UInt8) {
        upperLayerProtocol = protocolNumber
        upperLayerOffset = position
    }

    /// Writes the fixed 40 bytes at `offset` (extension headers are the caller's).
    public func write(to buffer: PacketBuffer) throws(PacketError) {
        guard buffer.contains(offset: offset, length: Self.length), source.isIPv6, destination.isIPv6 else {
            throw .outOfBounds
        }
        guard payloadLength <= 0xFFFF else { throw .packetTooLarge }
        let word0 = UInt32(6) << 28 | UInt32(trafficClass) << 20 | (flowLabel & 0xFFFFF)
        try buffer.setU32(word0, at: offset)
        try buffer.setU16(UInt16(payloadLength), at: offset + 4)
        try buffer.setU8(nextHeader, at: offset + 6)
        try buffer.setU8(hopLimit, at: offset + 7)
        try source.write(to: buffer, at: offset + 8)
        try destination.write(to: buffer, at: offset + 24)
    }
}
