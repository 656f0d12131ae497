/// ICMP and ICMPv6 type and code values the director uses.
public enum ICMPTypes {
    public static let v4EchoReply: UInt8 = 0
    public static let v4DestinationUnreachable: UInt8 = 3
    public static let v4SourceQuench: UInt8 = 4
    public static let v4Redirect: UInt8 = 5
    public static let v4EchoRequest: UInt8 = 8
    public static let v4TimeExceeded: UInt8 = 11
    public static let v4ParameterProblem: UInt8 = 12
    /// Destination-unreachable codes (RFC 792/1812).
    public static let v4CodePortUnreachable: UInt8 = 3
    public static let v4CodeFragmentationNeeded: UInt8 = 4

    public static let v6DestinationUnreachable: UInt8 = 1
    public static let v6PacketTooBig: UInt8 = 2
    public static let v6TimeExceeded: UInt8 = 3
    public static let v6ParameterProblem: UInt8 = 4
    public static let v6EchoRequest: UInt8 = 128
    public static let v6EchoReply: UInt8 = 129
    public static let v6CodePortUnreachable: UInt8 = 4
}

/// An ICMP (RFC 792) or ICMPv6 (RFC 4443) header parsed in place: type, code, checksum and the
/// 32-bit "rest of header" (echo identifier/sequence, next-hop MTU, packet-too-big MTU).
public struct ICMPHeader: Sendable, Hashable {
    public static let length = 8
    public static let checksumOffset = 2

    public var offset: Int
    public var isIPv6: Bool
    public var type: UInt8
    public var code: UInt8
    public var checksum: UInt16
    public var restOfHeader: UInt32

    public init(offset: Int, isIPv6: Bool, type: UInt8, code: UInt8, checksum: UInt16 = 0, restOfHeader: UInt32 = 0) {
        self.offset = offset
        self.isIPv6 = isIPv6
        self.type = type
        self.code = code
        self.checksum = checksum
        self.restOfHeader = restOfHeader
    }

    /// Offset of the message body (the quoted packet for errors).
    public var bodyOffset: Int { offset + Self.length }

    /// Errors that quote a packet and that IPVS relates to connections (reference §5.6):
    /// IPv4 destination unreachable, source quench, time exceeded; every ICMPv6 type < 128.
    public var isError: Bool {
        if isIPv6 { return type < 128 }
        return type == ICMPTypes.v4DestinationUnreachable || type == ICMPTypes.v4SourceQuench
            || type == ICMPTypes.v4TimeExceeded
    }

    /// Any ICMPv4 error type (also redirect and parameter problem): never answered with an error.
    public var isAnyError: Bool {
        if isIPv6 { return type < 128 }
        return isError || type == ICMPTypes.v4Redirect || type == ICMPTypes.v4ParameterProblem
    }

    public var isEcho: Bool {
        isIPv6
            ? (type == ICMPTypes.v6EchoRequest || type == ICMPTypes.v6EchoReply)
            : (type == ICMPTypes.v4EchoRequest || type == ICMPTypes.v4EchoReply)
    }

    public var echoIdentifier: UInt16 { UInt16(truncatingIfNeeded: restOfHeader >> 16) }
    public var echoSequence: UInt16 { UInt16(truncatingIfNeeded: restOfHeader) }

    /// The MTU an error reports: next-hop MTU of IPv4 3/4 (RFC 1191) or the ICMPv6
    /// packet-too-big MTU; nil for other messages.
    public var reportedMTU: UInt32? {
        if isIPv6 { return type == ICMPTypes.v6PacketTooBig ? restOfHeader : nil }
        guard type == ICMPTypes.v4DestinationUnreachable, code == ICMPTypes.v4CodeFragmentationNeeded else {
            return nil
        }
        return restOfHeader & 0xFFFF
    }

    public static func parse(_ buffer: PacketBuffer, at offset: Int, end: Int, ipv6: Bool) throws(PacketError)
        -> ICMPHeader
    {
        guard offset >= 0, end - offset >= length, let type = buffer.u8(at: offset),
            let code = buffer.u8(at: offset &+ 1),
            let checksum = buffer.u16(at: offset &+ 2), let rest = buffer.u32(at: offset &+ 4)
        else { throw .truncatedICMPHeader }
        return ICMPHeader(offset: offset, isIPv6: ipv6, type: type, code: code, checksum: checksum, restOfHeader: rest)
    }

    public func write(to buffer: PacketBuffer) throws(PacketError) {
        guard buffer.contains(offset: offset, length: Self.length) else { throw .outOfBounds }
        try buffer.setU8(type, at: offset)
        try buffer.setU8(code, at: offset + 1)
        try buffer.setU16(checksum, at: offset + 2)
        try buffer.setU32(restOfHeader, at: offset + 4)
    }
}

/// The packet an ICMP error quotes (reference §5.6): its IP header, and the ports (or ICMP
/// echo identifier) from the first 8 bytes of its transport header when they were quoted.
public struct QuotedPacket: Sendable, Hashable {
    public var network: NetworkHeader
    /// Offset of the quoted transport header, nil when it was not quoted or belongs to a
    /// non-first fragment.
    public var transportOffset: Int?
    public var protocolNumber: UInt8
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    /// True when the first 4 transport bytes (ports) were quoted for TCP, UDP or SCTP.
    public var hasPorts: Bool
    /// Offset just past the quote (the end of the ICMP message).
    public var end: Int

    /// Parses the packet quoted at `offset` inside an ICMP message ending at `end`. An ICMPv4
    /// error quotes IPv4, an ICMPv6 error quotes IPv6; anything else is malformed.
    public static func parse(_ buffer: PacketBuffer, at offset: Int, end: Int, ipv6: Bool) throws(PacketError)
        -> QuotedPacket
    {
        let network: NetworkHeader
        do throws(PacketError) {
            if ipv6 {
                network = .ipv6(try IPv6Header.parse(buffer, at: offset, end: end, allowTruncated: true))
            } else {
                network = .ipv4(try IPv4Header.parse(buffer, at: offset, end: end, allowTruncated: true))
            }
        } catch {
            throw .malformedQuotedPacket
        }
        var quoted = QuotedPacket(
            network: network, transportOffset: nil, protocolNumber: network.protocolNumber, sourcePort: 0,
            destinationPort: 0, hasPorts: false, end: end)
        guard !network.isNonFirstFragment else { return quoted }
        let transport = network.transportOffset
        guard transport <= end else { return quoted }
        quoted.transportOffset = transport
        let proto = network.protocolNumber
        if proto == IPProtocolNumbers.tcp || proto == IPProtocolNumbers.udp || proto == IPProtocolNumbers.sctp,
            end - transport >= 4, let source = buffer.u16(at: transport),
            let destination = buffer.u16(at: transport &+ 2)
        {
            quoted.sourcePort = source
            quoted.destinationPort = destination
            quoted.hasPorts = true
        }
        return quoted
    }
}
