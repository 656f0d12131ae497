import LVSCore
import LVSPacket
import Testing

@testable import LVSVRRPTransport

/// The announcement frames byte by byte, with the checksum verified by an independent sum.
@Suite("AnnouncementFrames")
struct AnnouncementFramesTests {
    static let mac = MACAddress(0x02, 0x11, 0x22, 0x33, 0x44, 0x55)
    static let macBytes: [UInt8] = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55]

    @Test func gratuitousARPIsABroadcastRequestForTheAddressItself() {
        let frame = AnnouncementFrames.gratuitousARP(for: IPAddress(ipv4: 0x0A00_0064), from: Self.mac)
        let broadcast: [UInt8] = Array(repeating: 0xFF, count: 6)
        let vip: [UInt8] = [10, 0, 0, 100]
        let expected: [UInt8] =
            broadcast + Self.macBytes + [0x08, 0x06]  // Ethernet: to everyone, from the MAC, ARP
            + [0, 1, 0x08, 0x00, 6, 4, 0, 1]  // Ethernet/IPv4, request
            + Self.macBytes + vip + broadcast + vip
        #expect(frame == expected)
    }

    @Test func neighbourAdvertisementHasKeepalivedsFieldsAndAValidChecksum() {
        let vip = IPAddress(ipv6High: 0x2001_0DB8_0000_0000, low: 0x100)
        let frame = AnnouncementFrames.unsolicitedNeighbourAdvertisement(for: vip, from: Self.mac, router: false)
        #expect(frame.count == 14 + 40 + 24 + 8)
        #expect(Array(frame[0..<6]) == [0x33, 0x33, 0, 0, 0, 1])
        #expect(Array(frame[6..<12]) == Self.macBytes)
        #expect(Array(frame[12..<14]) == [0x86, 0xDD])
        #expect(frame[20] == 58)  // next header ICMPv6
        #expect(frame[21] == 255)  // hop limit (RFC 4861 §7.1.2)
        #expect(Array(frame[22..<38]) == vip.bytes)  // from the address itself
        #expect(Array(frame[38..<54]) == AnnouncementFrames.allNodes.bytes)
        #expect(frame[54] == 136 && frame[55] == 0)
        #expect(frame[58] == 0x20)  // Override only: not Router, not Solicited
        #expect(Array(frame[62..<78]) == vip.bytes)
        #expect(Array(frame[78..<86]) == [2, 1] + Self.macBytes)
        #expect(Self.ones(pseudo: frame) == 0xFFFF)

        let router = AnnouncementFrames.unsolicitedNeighbourAdvertisement(for: vip, from: Self.mac, router: true)
        #expect(router[58] == 0xA0)
        #expect(Self.ones(pseudo: router) == 0xFFFF)
    }

    /// The one's-complement sum of the IPv6 pseudo-header and the ICMPv6 message: 0xFFFF when
    /// the checksum is right (RFC 4443 §2.3), written here without LVSPacket.
    static func ones(pseudo frame: [UInt8]) -> UInt16 {
        let icmp = Array(frame[54...])
        var words = Array(frame[22..<54])
        words += [0, 0, UInt8(icmp.count >> 8), UInt8(icmp.count & 0xFF), 0, 0, 0, 58] + icmp
        if words.count % 2 == 1 { words.append(0) }
        var sum: UInt32 = 0
        for index in stride(from: 0, to: words.count, by: 2) {
            sum += UInt32(words[index]) << 8 | UInt32(words[index + 1])
        }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return UInt16(sum)
    }

    @Test func virtualMACsAndNameFollowRFC5798AndKeepalived() {
        #expect(VirtualMACManager.virtualMAC(virtualRouterID: 51, family: .inet).description == "00:00:5e:00:01:33")
        #expect(VirtualMACManager.virtualMAC(virtualRouterID: 255, family: .inet6).description == "00:00:5e:00:02:ff")
        #expect(VirtualMACManager.defaultName(virtualRouterID: 7) == "vrrp.7")
    }
}
