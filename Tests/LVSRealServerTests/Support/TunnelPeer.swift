import CLinuxNet
import Foundation
import LVSPacket
import Testing

/// The director's side of the decap test: sends IP-IP packets built with LVSPacket through a
/// raw socket (IPv4 or IPv6 outer header, after `endpoints`), and captures what comes back with an AF_PACKET socket, both opened inside the
/// test's own "director" namespace.
final class TunnelPeer {
    let sendFD: Int32
    let captureFD: Int32
    let endpoints: Tunnel.Endpoints
    private var identification: UInt16 = 1

    init(in namespace: TestNamespace, device: String, endpoints: Tunnel.Endpoints) throws {
        self.endpoints = endpoints
        let fds = try namespace.withEntered { () -> (Int32, Int32) in
            // IPPROTO_RAW: we supply the outer header (IP_HDRINCL, implied for IPv6 too).
            let send = clinuxtun_raw_socket(endpoints.destination.isIPv6 ? AF_INET6 : AF_INET, Int32(IPPROTO_RAW))
            let capture = clinuxtun_packet_socket(clinuxtun_if_index(device))
            return (send, capture)
        }
        sendFD = fds.0
        captureFD = fds.1
        try #require(sendFD >= 0 && captureFD >= 0, "raw or packet socket failed: errno \(errno)")
    }

    deinit {
        close(sendFD)
        close(captureFD)
    }

    /// Encapsulates `inner` (a bare IP packet) and sends it to the tunnel's destination.
    func send(inner: [UInt8]) throws {
        let outer = try PacketBuffer.withCopy(of: inner, headroom: IPv6Header.length) {
            buffer throws(PacketError) -> [UInt8] in
            let parsed = try ParsedPacket.parse(buffer, at: 0, end: buffer.count)
            try Tunnel.encapsulate(
                &buffer, inner: parsed.network, endpoints: endpoints, identification: &identification)
            return buffer.bytes
        }
        try sendOuter(outer)
    }

    /// Sends a complete outer packet as it is.
    func sendOuter(_ outer: [UInt8]) throws {
        let destination = endpoints.destination
        let sent: Int
        if destination.isIPv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            withUnsafeMutableBytes(of: &address.sin6_addr) { bytes in
                for index in 0..<8 {
                    bytes[index] = UInt8(truncatingIfNeeded: destination.high >> UInt64(56 - 8 * index))
                    bytes[8 + index] = UInt8(truncatingIfNeeded: destination.low >> UInt64(56 - 8 * index))
                }
            }
            sent = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(sendFD, outer, outer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = destination.ipv4Value.bigEndian
            sent = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(sendFD, outer, outer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        try #require(sent == outer.count, "sendto failed: errno \(errno)")
    }

    /// Waits up to `timeoutMilliseconds` for a TCP segment that `matches`; nil when none came.
    func captureTCP(timeoutMilliseconds: Int32, where matches: (ParsedPacket, TCPHeader) -> Bool) -> (
        ParsedPacket, TCPHeader
    )? {
        let deadline = clinuxnet_monotonic_ns() &+ UInt64(timeoutMilliseconds) * 1_000_000
        var frame = [UInt8](repeating: 0, count: 65_536)
        while true {
            let now = clinuxnet_monotonic_ns()
            guard now < deadline else { return nil }
            var entry = pollfd(fd: captureFD, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, Int32(clamping: (deadline - now) / 1_000_000 + 1)) > 0 else { return nil }
            while true {
                let count = recv(captureFD, &frame, frame.count, Int32(MSG_DONTWAIT))
                guard count > 0 else { break }
                let found = frame.withUnsafeMutableBytes { raw -> (ParsedPacket, TCPHeader)? in
                    let buffer = PacketBuffer(storage: raw, count: count)
                    guard let packet = try? ParsedPacket.parse(buffer, at: 0, end: count),
                        case .tcp(let header) = packet.transport, matches(packet, header)
                    else { return nil }
                    return (packet, header)
                }
                if let found { return found }
            }
        }
    }
}
