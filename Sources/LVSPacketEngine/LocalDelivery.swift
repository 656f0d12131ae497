import CLinuxNet
import Glibc
import LVSPacket

/// The way into the director's own stack for local real servers (reference §5.4,
/// docs/design/0011-local-node.md): raw sockets with the IP header included (IPPROTO_RAW
/// implies IP_HDRINCL, and IPV6_HDRINCL on IPv6). A packet sent to a local destination is
/// routed by the kernel to its loopback and received as if it had arrived, its source (the
/// client) unchanged; the ingress table on the engine's interfaces never sees it. Shared by the
/// workers: sendto on one socket from several threads is safe, and each call sends one whole
/// packet (one syscall per packet; the local stack's work dominates it).
final class LocalDelivery: Sendable {
    /// -1 when the family's socket could not be opened (e.g. IPv6 disabled).
    let ipv4: Int32
    let ipv6: Int32

    /// Opens the sockets; throws when neither can be opened (the engine needs CAP_NET_RAW anyway).
    init() throws(PacketEngineError) {
        ipv4 = clinuxtun_raw_socket(AF_INET, Int32(IPPROTO_RAW))
        let first = errno
        ipv6 = clinuxtun_raw_socket(AF_INET6, Int32(IPPROTO_RAW))
        if ipv4 < 0 && ipv6 < 0 { throw .fromErrno("socket(AF_INET, SOCK_RAW, IPPROTO_RAW)", first) }
    }

    func close() {
        if ipv4 >= 0 { _ = Glibc.close(ipv4) }
        if ipv6 >= 0 { _ = Glibc.close(ipv6) }
    }

    /// Sends the IP packet at `l3Offset` in `frame` to its destination; false when the kernel
    /// refused it.
    func send(_ frame: PacketBuffer, l3Offset: Int) -> Bool {
        guard let base = frame.storage.baseAddress, l3Offset < frame.count else { return false }
        let packet = base + frame.start + l3Offset
        let length = frame.count - l3Offset
        switch packet.load(as: UInt8.self) >> 4 {
        case 4 where length >= 20 && ipv4 >= 0:
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            memcpy(&address.sin_addr, packet + 16, 4)
            let sent = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(ipv4, packet, length, Int32(MSG_DONTWAIT), $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            return sent == length
        case 6 where length >= 40 && ipv6 >= 0:
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            memcpy(&address.sin6_addr, packet + 24, 16)
            let sent = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(ipv6, packet, length, Int32(MSG_DONTWAIT), $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
            return sent == length
        default:
            return false
        }
    }
}
