import LVSCore
import LVSPacket

/// The frames a new MASTER sends so its neighbours point the virtual addresses at it
/// (RFC 5798 §6.4.1/§6.4.2: "broadcast a gratuitous ARP request" / "send an unsolicited ND
/// Neighbor Advertisement"), with the fields keepalived puts in them. Pure: bytes only.
/// Announcements are rare (state transitions), so LVSPacket's allocating builder is fine here.
public enum AnnouncementFrames {
    /// ICMPv6 Neighbour Advertisement (RFC 4861 §4.4).
    public static let neighbourAdvertisementType: UInt8 = 136
    /// The all-nodes group ff02::1 and its Ethernet mapping 33:33:00:00:00:01 (RFC 2464 §7).
    public static let allNodes = IPAddress(ipv6High: 0xFF02_0000_0000_0000, low: 1)
    public static let allNodesMAC = MACAddress(0x33, 0x33, 0x00, 0x00, 0x00, 0x01)

    /// A gratuitous ARP for IPv4 `address` from `mac`, as keepalived sends it: an ARP
    /// *request* broadcast (Ethernet destination ff:ff:ff:ff:ff:ff, source `mac`), sender
    /// (`mac`, `address`), target (ff:ff:ff:ff:ff:ff, `address`). 42 bytes; the driver pads.
    public static func gratuitousARP(for address: IPAddress, from mac: MACAddress) -> [UInt8] {
        var frame = [UInt8](repeating: 0, count: EthernetHeader.untaggedLength + ARPPacket.length)
        frame.withUnsafeMutableBytes { raw in
            let buffer = PacketBuffer(storage: raw, count: raw.count)
            let ethernet = EthernetHeader(destination: .broadcast, source: mac, etherType: EtherType.arp)
            let arp = ARPPacket(
                offset: EthernetHeader.untaggedLength, operation: ARPPacket.request, senderMAC: mac,
                senderIP: address.ipv4Value, targetMAC: .broadcast, targetIP: address.ipv4Value)
            // The frame was sized for both headers, so neither write can be out of bounds.
            try? ethernet.write(to: buffer)
            try? arp.write(to: buffer, at: EthernetHeader.untaggedLength)
        }
        return frame
    }

    /// An unsolicited Neighbour Advertisement for IPv6 `address` from `mac` (RFC 4861 §7.2.6),
    /// as keepalived sends it: from `address` to ff02::1 (Ethernet 33:33:00:00:00:01), hop
    /// limit 255, Override set, Solicited clear, Router when the interface forwards IPv6
    /// (`router`), target `address`, and a Target Link-Layer Address option with `mac`.
    public static func unsolicitedNeighbourAdvertisement(
        for address: IPAddress, from mac: MACAddress, router: Bool
    ) -> [UInt8] {
        // RFC 4861 §4.4: R (bit 31), S (bit 30), O (bit 29) of the word after the checksum.
        let flags: UInt32 = 0x2000_0000 | (router ? 0x8000_0000 : 0)
        // Option type 2 (Target Link-Layer Address), length 1 (× 8 bytes), then the MAC.
        let option: [UInt8] = [2, 1] + (0..<6).map { UInt8(truncatingIfNeeded: mac.value >> (40 - 8 * $0)) }
        return PacketBuilder.ethernet(source: mac, destination: allNodesMAC)
            .ipv6(
                source: WireAddress(ipv6High: address.high, low: address.low),
                destination: WireAddress(ipv6High: allNodes.high, low: allNodes.low), hopLimit: 255
            )
            .icmp(type: neighbourAdvertisementType, restOfHeader: flags)
            .payload(address.bytes + option)
            .build()
    }
}
