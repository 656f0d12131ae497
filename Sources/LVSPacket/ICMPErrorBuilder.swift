/// Builds the ICMP errors the director itself sends (reference §5.6/§5.7): fragmentation
/// needed / packet too big, port unreachable, time exceeded; quoting as much of the offending
/// packet as fits in 576 bytes for IPv4 (RFC 1812 §4.3.2.3) and 1280 bytes for IPv6
/// (RFC 4443 §2.4(c)).
public enum ICMPErrorBuilder {
    /// Maximum size of an ICMPv4 error datagram (RFC 1812 §4.3.2.3).
    public static let ipv4MaximumLength = 576
    /// Maximum size of an ICMPv6 error packet: the IPv6 minimum MTU (RFC 4443 §2.4(c)).
    public static let ipv6MaximumLength = 1280

    /// Which error to send. Each picks the ICMPv4 or ICMPv6 form from the offending packet.
    public enum Kind: Sendable, Hashable {
        /// IPv4 type 3 code 4 with the next-hop MTU (RFC 1191); ICMPv6 type 2 with the MTU.
        case tooBig(mtu: UInt32)
        /// IPv4 type 3 code 3; ICMPv6 type 1 code 4 (reference §4.15).
        case portUnreachable
        /// IPv4 type 11 code 0; ICMPv6 type 3 code 0 (TTL / hop limit exceeded in transit).
        case timeExceeded
    }

    /// Writes the error about `packet` (parsed from `offending`) into `output`, as a bare IP
    /// packet starting at `output`'s frame start (prepend an Ethernet header afterwards, or send
    /// it on a raw IP socket); `output`'s frame length is set to the message length. The error
    /// goes from `source` (the director's address) to the offending packet's source.
    ///
    /// Throws `icmpErrorNotPermitted` where RFC 1122 §3.2.2 forbids an error: about an ICMP
    /// error, a non-first fragment, or a packet whose source is unspecified, multicast or
    /// broadcast. `output` needs room for the message (up to 576 or 1280 bytes).
    ///
    /// - Returns: the length of the message written.
    @discardableResult
    public static func build(
        _ kind: Kind, offending: PacketBuffer, packet: ParsedPacket, source: WireAddress, identification: UInt16 = 0,
        hopLimit: UInt8 = 64, into output: inout PacketBuffer
    ) throws(PacketError) -> Int {
        let ipv6 = packet.isIPv6
        guard source.isIPv6 == ipv6 else { throw .addressFamilyMismatch }
        try checkPermitted(packet)
        let headerLength = ipv6 ? IPv6Header.length : IPv4Header.minimumLength
        let limit = ipv6 ? ipv6MaximumLength : ipv4MaximumLength
        let quoteLength = min(packet.l3Length, limit - headerLength - ICMPHeader.length)

        let type: UInt8
        let code: UInt8
        let rest: UInt32
        switch kind {
        case .tooBig(let mtu):
            type = ipv6 ? ICMPTypes.v6PacketTooBig : ICMPTypes.v4DestinationUnreachable
            code = ipv6 ? 0 : ICMPTypes.v4CodeFragmentationNeeded
            // IPv4: unused 16 bits then next-hop MTU (RFC 1191 §4); IPv6: the 32-bit MTU.
            rest = ipv6 ? mtu : min(mtu, 0xFFFF)
        case .portUnreachable:
            type = ipv6 ? ICMPTypes.v6DestinationUnreachable : ICMPTypes.v4DestinationUnreachable
            code = ipv6 ? ICMPTypes.v6CodePortUnreachable : ICMPTypes.v4CodePortUnreachable
            rest = 0
        case .timeExceeded:
            type = ipv6 ? ICMPTypes.v6TimeExceeded : ICMPTypes.v4TimeExceeded
            code = 0
            rest = 0
        }

        return try message(
            type: type, code: code, restOfHeader: rest, quoting: offending, at: packet.l3Offset,
            length: quoteLength, ipv6: ipv6, source: source, destination: packet.source,
            identification: identification, hopLimit: hopLimit, into: &output)
    }

    /// Writes an ICMP or ICMPv6 message of any `type`/`code` into `output` (from its frame
    /// start, as `build` does) whose body is `length` bytes of `quoting` from `offset`: for
    /// relaying an error with its own type and code about a packet that is itself only a quote
    /// (reference §5.6, errors about the director's tunnel packets). Nothing is checked: the
    /// caller chose the type and the quote, and must keep the message within 576/1280 bytes.
    ///
    /// - Returns: the length of the message written.
    @discardableResult
    public static func message(
        type: UInt8, code: UInt8, restOfHeader: UInt32, quoting: PacketBuffer, at offset: Int, length: Int,
        ipv6: Bool, source: WireAddress, destination: WireAddress, identification: UInt16 = 0, hopLimit: UInt8 = 64,
        into output: inout PacketBuffer
    ) throws(PacketError) -> Int {
        guard source.isIPv6 == ipv6, destination.isIPv6 == ipv6 else { throw .addressFamilyMismatch }
        guard length >= 0, quoting.contains(offset: offset, length: length) else { throw .outOfBounds }
        let headerLength = ipv6 ? IPv6Header.length : IPv4Header.minimumLength
        let total = headerLength + ICMPHeader.length + length
        try output.setCount(total)
        try output.copyBytes(from: quoting, at: offset, to: headerLength + ICMPHeader.length, length: length)
        var icmp = ICMPHeader(
            offset: headerLength, isIPv6: ipv6, type: type, code: code, checksum: 0, restOfHeader: restOfHeader)
        try icmp.write(to: output)
        var initial: UInt64 = 0
        if ipv6 {
            initial = InternetChecksum.pseudoHeaderSum(
                source: source, destination: destination, protocolNumber: IPProtocolNumbers.icmpv6,
                length: ICMPHeader.length + length)
            let header = IPv6Header(
                offset: 0, payloadLength: ICMPHeader.length + length, nextHeader: IPProtocolNumbers.icmpv6,
                hopLimit: hopLimit, source: source, destination: destination)
            try header.write(to: output)
        } else {
            // Precedence "internetwork control" as hosts send ICMP errors (RFC 1812 §4.3.2.5).
            var header = IPv4Header(
                offset: 0, tos: 0xC0, totalLength: total, identification: identification, ttl: hopLimit,
                protocolNumber: IPProtocolNumbers.icmp, source: source.ipv4Value,
                destination: destination.ipv4Value)
            try header.write(to: output)
        }
        icmp.checksum = InternetChecksum.checksum(
            output, at: headerLength, length: ICMPHeader.length + length, initial: initial)
        try icmp.write(to: output)
        return total
    }

    /// RFC 1122 §3.2.2 / RFC 4443 §2.4(e): no error about an error, a non-first fragment, or a
    /// packet from an address that does not identify one host.
    static func checkPermitted(_ packet: ParsedPacket) throws(PacketError) {
        if case .icmp(let icmp) = packet.transport, icmp.isAnyError { throw .icmpErrorNotPermitted }
        guard !packet.network.isNonFirstFragment else { throw .icmpErrorNotPermitted }
        let source = packet.source
        if source.isIPv6 {
            let unspecified = source.high == 0 && source.low == 0
            let multicast = source.high >> 56 == 0xFF
            guard !unspecified, !multicast else { throw .icmpErrorNotPermitted }
        } else {
            let value = source.ipv4Value
            let unspecified = value == 0
            let multicastOrReserved = value >> 28 >= 0xE
            guard !unspecified, !multicastOrReserved else { throw .icmpErrorNotPermitted }
        }
    }

    /// IPv4 fragmentation needed (type 3 code 4) or ICMPv6 packet too big, per the packet's family.
    @discardableResult
    public static func tooBig(
        mtu: UInt32, offending: PacketBuffer, packet: ParsedPacket, source: WireAddress, identification: UInt16 = 0,
        into output: inout PacketBuffer
    ) throws(PacketError) -> Int {
        try build(
            .tooBig(mtu: mtu), offending: offending, packet: packet, source: source, identification: identification,
            into: &output)
    }

    /// Port unreachable (IPv4 3/3, ICMPv6 1/4), per the packet's family.
    @discardableResult
    public static func portUnreachable(
        offending: PacketBuffer, packet: ParsedPacket, source: WireAddress, identification: UInt16 = 0,
        into output: inout PacketBuffer
    ) throws(PacketError) -> Int {
        try build(
            .portUnreachable, offending: offending, packet: packet, source: source, identification: identification,
            into: &output)
    }

    /// True when an IP packet of `length` bytes must be answered with `tooBig` instead of being
    /// forwarded over a path of `mtu` (reference §5.7): IPv4 with DF, or any IPv6 packet.
    public static func needsTooBig(packet: ParsedPacket, length: Int, mtu: Int) -> Bool {
        length > mtu && packet.network.dontFragment && !packet.isICMPError
    }
}

extension ParsedPacket {
    /// True for ICMP error messages (never answered with an ICMP error).
    public var isICMPError: Bool {
        if case .icmp(let icmp) = transport { return icmp.isAnyError }
        return false
    }
}
