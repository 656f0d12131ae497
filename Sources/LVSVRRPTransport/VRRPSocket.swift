import CLinuxNet
import Glibc
import LVSCore

/// A raw IP socket for VRRP advertisements on one interface and family (RFC 3768 §5.2, RFC
/// 5798 §5.1), set up as keepalived sets up its own:
///
/// - IPv4: protocol 112 (or 51 for AH) with IP_HDRINCL, so the codec's whole packet (TTL 255,
///   source, AH) goes out unchanged; IP_PKTINFO and IP_RECVTTL tell the receiver the
///   destination, interface and TTL.
/// - IPv6: the kernel writes the header; multicast and unicast hop limits 255 (RFC 5798
///   §5.1.2.3), IPV6_RECVHOPLIMIT and IPV6_RECVPKTINFO for the receiver, traffic class 0xc0 as
///   keepalived's. The checksum is the codec's: no IPV6_CHECKSUM offload.
/// - Both: bound to the interface (SO_BINDTODEVICE), the group joined on it unless unicast
///   peers are configured, multicast loop off (our own adverts are not ours to receive),
///   IP(V6)_MULTICAST_ALL off (only groups joined on this socket), non-blocking, close-on-exec.
///
/// The descriptor is closed when the object goes. Immutable after `init`, hence Sendable.
public final class VRRPSocket: VRRPPacketTransport {
    public let configuration: VRRPSocketConfiguration
    public let interfaceIndex: Int32
    public let fileDescriptor: Int32

    /// Opens and configures the socket; throws with the failing call and errno.
    public init(_ configuration: VRRPSocketConfiguration) throws(VRRPTransportError) {
        self.configuration = configuration
        let name = configuration.interfaceName
        let index = Int32(bitPattern: if_nametoindex(name))
        guard index > 0 else { throw VRRPTransportError("if_nametoindex \(name)", code: ENODEV) }
        if configuration.family == .inet6, configuration.unicastPeers.isEmpty, let source = configuration.source,
            !source.isIPv6LinkLocal
        {
            throw .malformed(
                "VRRP socket on \(name)", "an IPv6 multicast source must be link-local (RFC 5798 §5.1.2.1)")
        }
        let family = configuration.family == .inet ? AF_INET : AF_INET6
        let fd = clinuxtun_raw_socket(family, Int32(configuration.ipProtocol))
        guard fd >= 0 else { throw .fromErrno("socket(raw, protocol \(configuration.ipProtocol))") }
        interfaceIndex = index
        fileDescriptor = fd
        do {
            try Self.configure(fd, configuration, index: index)
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fileDescriptor) }

    public var destinations: [IPAddress] { configuration.destinations }

    private static func configure(
        _ fd: Int32, _ configuration: VRRPSocketConfiguration, index: Int32
    ) throws(VRRPTransportError) {
        let name = configuration.interfaceName
        try check(clinuxvrrp_bind_to_device(fd, name), "SO_BINDTODEVICE \(name)")
        switch configuration.family {
        case .inet:
            try option(fd, Int32(IPPROTO_IP), CLINUXVRRP_IP_HDRINCL, 1, "IP_HDRINCL")
            try option(fd, Int32(IPPROTO_IP), CLINUXVRRP_IP_PKTINFO, 1, "IP_PKTINFO")
            try option(fd, Int32(IPPROTO_IP), CLINUXVRRP_IP_RECVTTL, 1, "IP_RECVTTL")
            try option(fd, Int32(IPPROTO_IP), CLINUXVRRP_IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP")
            try option(fd, Int32(IPPROTO_IP), CLINUXVRRP_IP_MULTICAST_ALL, 0, "IP_MULTICAST_ALL")
            try check(clinuxvrrp_multicast_interface_ipv4(fd, index), "IP_MULTICAST_IF \(name)")
            if configuration.unicastPeers.isEmpty {
                let group = configuration.multicastGroup
                try check(
                    clinuxvrrp_join_ipv4(fd, group.ipv4Value.bigEndian, index), "IP_ADD_MEMBERSHIP \(group) on \(name)")
            }
        case .inet6:
            try option(fd, Int32(IPPROTO_IPV6), CLINUXVRRP_IPV6_MULTICAST_HOPS, 255, "IPV6_MULTICAST_HOPS")
            try option(fd, Int32(IPPROTO_IPV6), CLINUXVRRP_IPV6_UNICAST_HOPS, 255, "IPV6_UNICAST_HOPS")
            try option(fd, Int32(IPPROTO_IPV6), CLINUXVRRP_IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT")
            try option(fd, Int32(IPPROTO_IPV6), CLINUXVRRP_IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO")
            try option(fd, Int32(IPPROTO_IPV6), CLINUXVRRP_IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP")
            // IPTOS_PREC_INTERNETCONTROL, as keepalived marks VRRP traffic.
            try option(fd, Int32(IPPROTO_IPV6), CLINUXVRRP_IPV6_TCLASS, 0xC0, "IPV6_TCLASS")
            // Kernels before 4.20 lack IPV6_MULTICAST_ALL; the group filter is then the bound device's.
            if clinuxnet_setsockopt_int(fd, Int32(IPPROTO_IPV6), CLINUXVRRP_IPV6_MULTICAST_ALL, 0) != 0,
                errno != ENOPROTOOPT
            {
                throw .fromErrno("IPV6_MULTICAST_ALL")
            }
            try check(clinuxvrrp_multicast_interface_ipv6(fd, index), "IPV6_MULTICAST_IF \(name)")
            if configuration.unicastPeers.isEmpty {
                let group = configuration.multicastGroup
                try check(clinuxvrrp_join_ipv6(fd, group.bytes, index), "IPV6_ADD_MEMBERSHIP \(group) on \(name)")
            }
        }
    }

    private static func option(
        _ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32, _ label: String
    ) throws(VRRPTransportError) {
        try check(clinuxnet_setsockopt_int(fd, level, name, value), label)
    }

    static func check(_ result: Int32, _ operation: String) throws(VRRPTransportError) {
        guard result == 0 else { throw .fromErrno(operation) }
    }
}
