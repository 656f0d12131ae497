import CLinuxNet
import Glibc
import Testing

/// What an IP packet carrying a UDP datagram looked like on the wire.
struct CapturedDatagram {
    var ipVersion: Int
    /// IPv4 TTL or IPv6 hop limit.
    var hopLimit: UInt8
    /// IPv4's DF bit; always false for IPv6, which has none.
    var dontFragment: Bool
    var sourcePort: UInt16
    var destinationPort: UInt16
    var payload: [UInt8]
}

/// An AF_PACKET socket on one interface (opened in the namespace the caller is in): every IP
/// packet the interface sees, L2 header removed, for checks of what the kernel put in the headers.
final class WireCapture {
    let fd: Int32

    init(interface name: String) throws {
        fd = clinuxtun_packet_socket(if_nametoindex(name))
        try #require(fd >= 0, "AF_PACKET socket on \(name): errno \(errno)")
    }

    deinit { close(fd) }

    /// The next UDP datagram to `port`, waiting at most `milliseconds` in all; other packets
    /// (MLD, IGMP, neighbour discovery) are skipped.
    func nextUDP(toPort port: UInt16, milliseconds: Int32 = 5000) -> CapturedDatagram? {
        let deadline = clinuxnet_monotonic_ns() + UInt64(milliseconds) * 1_000_000
        var buffer = [UInt8](repeating: 0, count: 65536)
        while clinuxnet_monotonic_ns() < deadline {
            let remaining = Int32((deadline - min(deadline, clinuxnet_monotonic_ns())) / 1_000_000)
            guard SyncLab.waitReadable(fd, milliseconds: max(remaining, 1)) else { return nil }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { continue }
            if let datagram = Self.parse(Array(buffer[0..<count])), datagram.destinationPort == port {
                return datagram
            }
        }
        return nil
    }

    /// IPv4 (with options) or IPv6 (no extension headers) carrying UDP; nil for anything else.
    static func parse(_ packet: [UInt8]) -> CapturedDatagram? {
        guard let first = packet.first else { return nil }
        let udpOffset: Int
        var datagram = CapturedDatagram(
            ipVersion: Int(first >> 4), hopLimit: 0, dontFragment: false, sourcePort: 0, destinationPort: 0,
            payload: [])
        switch datagram.ipVersion {
        case 4:
            udpOffset = Int(first & 0x0F) * 4
            guard packet.count >= 20, packet[9] == 17 else { return nil }
            datagram.hopLimit = packet[8]
            datagram.dontFragment = packet[6] & 0x40 != 0
        case 6:
            udpOffset = 40
            guard packet.count >= 40, packet[6] == 17 else { return nil }
            datagram.hopLimit = packet[7]
        default:
            return nil
        }
        guard packet.count >= udpOffset + 8 else { return nil }
        datagram.sourcePort = UInt16(packet[udpOffset]) << 8 | UInt16(packet[udpOffset + 1])
        datagram.destinationPort = UInt16(packet[udpOffset + 2]) << 8 | UInt16(packet[udpOffset + 3])
        datagram.payload = Array(packet[(udpOffset + 8)...])
        return datagram
    }
}
