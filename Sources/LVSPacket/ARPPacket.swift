/// An ARP request or reply for IPv4 over Ethernet (RFC 826): the only ARP the director answers
/// (for the VIP on a direct-routing segment, reference §5.2).
public struct ARPPacket: Sendable, Hashable {
    public static let length = 28
    public static let request: UInt16 = 1
    public static let reply: UInt16 = 2

    /// Offset of the ARP payload in the frame.
    public var offset: Int
    public var operation: UInt16
    public var senderMAC: MACAddress
    public var senderIP: UInt32
    public var targetMAC: MACAddress
    public var targetIP: UInt32

    public init(
        offset: Int, operation: UInt16, senderMAC: MACAddress, senderIP: UInt32, targetMAC: MACAddress, targetIP: UInt32
    ) {
        self.offset = offset
        self.operation = operation
        self.senderMAC = senderMAC
        self.senderIP = senderIP
        self.targetMAC = targetMAC
        self.targetIP = targetIP
    }

    /// Parses an ARP payload at `offset`; anything but Ethernet/IPv4 request or reply is
    /// `unsupportedARP`.
    public static func parse(_ buffer: PacketBuffer, at offset: Int) throws(PacketError) -> ARPPacket {
        guard buffer.contains(offset: offset, length: length), let hardware = buffer.u16(at: offset),
            let proto = buffer.u16(at: offset &+ 2), let sizes = buffer.u16(at: offset &+ 4),
            let operation = buffer.u16(at: offset &+ 6), let senderMAC = MACAddress.read(from: buffer, at: offset &+ 8),
            let senderIP = buffer.u32(at: offset &+ 14),
            let targetMAC = MACAddress.read(from: buffer, at: offset &+ 18),
            let targetIP = buffer.u32(at: offset &+ 24)
        else { throw .truncatedARP }
        guard hardware == 1, proto == EtherType.ipv4, sizes == 0x0604, operation == request || operation == reply
        else { throw .unsupportedARP }
        return ARPPacket(
            offset: offset, operation: operation, senderMAC: senderMAC, senderIP: senderIP, targetMAC: targetMAC,
            targetIP: targetIP)
    }

    /// Writes this packet at `offset`.
    public func write(to buffer: PacketBuffer, at offset: Int) throws(PacketError) {
        guard buffer.contains(offset: offset, length: Self.length) else { throw .outOfBounds }
        try buffer.setU16(1, at: offset)
        try buffer.setU16(EtherType.ipv4, at: offset + 2)
        try buffer.setU16(0x0604, at: offset + 4)
        try buffer.setU16(operation, at: offset + 6)
        try senderMAC.write(to: buffer, at: offset + 8)
        try buffer.setU32(senderIP, at: offset + 14)
        try targetMAC.write(to: buffer, at: offset + 18)
        try buffer.setU32(targetIP, at: offset + 24)
    }

    /// Turns a parsed ARP request frame into the reply announcing `mac` for the requested
    /// address, in place: Ethernet destination = requester, source = `mac`; ARP operation 2,
    /// sender = (`mac`, requested IP), target = requester. Throws `unsupportedARP` for replies.
    public static func answerInPlace(
        _ buffer: PacketBuffer, ethernet: EthernetHeader, request: ARPPacket, with mac: MACAddress
    ) throws(PacketError) {
        guard request.operation == Self.request else { throw .unsupportedARP }
        try EthernetHeader.setDestination(request.senderMAC, in: buffer)
        try EthernetHeader.setSource(mac, in: buffer)
        let answer = ARPPacket(
            offset: request.offset, operation: reply, senderMAC: mac, senderIP: request.targetIP,
            targetMAC: request.senderMAC, targetIP: request.senderIP)
        try answer.write(to: buffer, at: request.offset)
    }
}
