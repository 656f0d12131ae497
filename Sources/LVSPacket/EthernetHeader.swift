/// EtherType values the library understands.
public enum EtherType {
    public static let ipv4: UInt16 = 0x0800
    public static let arp: UInt16 = 0x0806
    public static let vlan: UInt16 = 0x8100
    public static let ipv6: UInt16 = 0x86DD
}

/// An Ethernet II header, optionally with one 802.1Q tag; parsed in place (decoded fields and
/// the length, no copy of the bytes).
public struct EthernetHeader: Sendable, Hashable {
    public static let untaggedLength = 14
    public static let taggedLength = 18

    public var destination: MACAddress
    public var source: MACAddress
    /// The 802.1Q tag control information (PCP, DEI, VLAN ID), when the frame is tagged.
    public var vlanTag: UInt16?
    /// The EtherType of the payload (after the tag, if any).
    public var etherType: UInt16

    public init(destination: MACAddress, source: MACAddress, vlanTag: UInt16? = nil, etherType: UInt16) {
        self.destination = destination
        self.source = source
        self.vlanTag = vlanTag
        self.etherType = etherType
    }

    /// 14, or 18 with a VLAN tag: the offset of the L3 header.
    public var length: Int { vlanTag == nil ? Self.untaggedLength : Self.taggedLength }

    /// The VLAN ID (low 12 bits of the tag).
    public var vlanID: UInt16? { vlanTag.map { $0 & 0x0FFF } }

    /// Parses the header at the start of `buffer`. Only one tag is accepted; a second (QinQ)
    /// tag leaves EtherType 0x8100, which the frame parser rejects as unsupported.
    public static func parse(_ buffer: PacketBuffer) throws(PacketError) -> EthernetHeader {
        guard let destination = MACAddress.read(from: buffer, at: 0), let source = MACAddress.read(from: buffer, at: 6),
            let type = buffer.u16(at: 12)
        else { throw .truncatedEthernet }
        if type != EtherType.vlan {
            return EthernetHeader(destination: destination, source: source, etherType: type)
        }
        guard let tag = buffer.u16(at: 14), let inner = buffer.u16(at: 16) else { throw .truncatedEthernet }
        return EthernetHeader(destination: destination, source: source, vlanTag: tag, etherType: inner)
    }

    /// Writes this header at the start of `buffer` (which must hold `length` bytes).
    public func write(to buffer: PacketBuffer) throws(PacketError) {
        guard buffer.contains(offset: 0, length: length) else { throw .outOfBounds }
        try destination.write(to: buffer, at: 0)
        try source.write(to: buffer, at: 6)
        if let vlanTag {
            try buffer.setU16(EtherType.vlan, at: 12)
            try buffer.setU16(vlanTag, at: 14)
            try buffer.setU16(etherType, at: 16)
        } else {
            try buffer.setU16(etherType, at: 12)
        }
    }

    /// Grows `buffer` at the front by `length` bytes of headroom and writes this header there
    /// (used after encapsulation or ICMP building, which produce bare IP packets).
    public func prepend(to buffer: inout PacketBuffer) throws(PacketError) {
        try buffer.prepend(length)
        try write(to: buffer)
    }

    /// Rewrites the destination MAC in place (direct routing, reference §5.2).
    public static func setDestination(_ mac: MACAddress, in buffer: PacketBuffer) throws(PacketError) {
        try mac.write(to: buffer, at: 0)
    }

    /// Rewrites the source MAC in place.
    public static func setSource(_ mac: MACAddress, in buffer: PacketBuffer) throws(PacketError) {
        try mac.write(to: buffer, at: 6)
    }
}
