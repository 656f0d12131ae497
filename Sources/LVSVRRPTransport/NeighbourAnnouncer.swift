import CLinuxNet
import Glibc
import LVSCore
import LVSPacket

/// Sends gratuitous ARPs and unsolicited neighbour advertisements for virtual addresses.
public protocol NeighbourAnnouncing: Sendable {
    /// One gratuitous ARP for IPv4 `address` on interface `interfaceIndex`, from `mac` (the
    /// interface's, or the VMAC).
    func announceIPv4(_ address: IPAddress, interfaceIndex: Int32, mac: MACAddress) throws(VRRPTransportError)
    /// One unsolicited NA for IPv6 `address`; `router` sets the Router flag.
    func announceIPv6(
        _ address: IPAddress, interfaceIndex: Int32, mac: MACAddress, router: Bool
    ) throws(VRRPTransportError)
}

/// The kernel's `NeighbourAnnouncing`: an AF_PACKET raw socket (protocol 0: it receives
/// nothing) writing whole Ethernet frames from `AnnouncementFrames`, as keepalived does.
/// Closed when the object goes. Immutable after `init`, hence Sendable.
public final class NeighbourAnnouncer: NeighbourAnnouncing {
    public let fileDescriptor: Int32

    public init() throws(VRRPTransportError) {
        let fd = clinuxvrrp_packet_send_socket()
        guard fd >= 0 else { throw .fromErrno("socket(AF_PACKET, SOCK_RAW)") }
        fileDescriptor = fd
    }

    deinit { close(fileDescriptor) }

    public func announceIPv4(_ address: IPAddress, interfaceIndex: Int32, mac: MACAddress) throws(VRRPTransportError) {
        guard address.family == .inet else { throw .malformed("gratuitous ARP for \(address)", "not IPv4") }
        try send(
            AnnouncementFrames.gratuitousARP(for: address, from: mac), EtherType.arp, interfaceIndex,
            "gratuitous ARP for \(address) on ifindex \(interfaceIndex)")
    }

    public func announceIPv6(
        _ address: IPAddress, interfaceIndex: Int32, mac: MACAddress, router: Bool
    ) throws(VRRPTransportError) {
        guard address.family == .inet6 else { throw .malformed("neighbour advertisement for \(address)", "not IPv6") }
        try send(
            AnnouncementFrames.unsolicitedNeighbourAdvertisement(for: address, from: mac, router: router),
            EtherType.ipv6, interfaceIndex, "neighbour advertisement for \(address) on ifindex \(interfaceIndex)")
    }

    /// keepalived's Router flag: set when `net.ipv6.conf.<interface>.forwarding` is on.
    public static func isIPv6Forwarding(interfaceName: String) -> Bool {
        let fd = open("/proc/sys/net/ipv6/conf/\(interfaceName)/forwarding", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var byte: UInt8 = 0
        return read(fd, &byte, 1) == 1 && byte != UInt8(ascii: "0")
    }

    private func send(
        _ frame: [UInt8], _ etherType: UInt16, _ index: Int32, _ operation: String
    ) throws(VRRPTransportError) {
        let sent = frame.withUnsafeBytes {
            clinuxvrrp_packet_send(fileDescriptor, index, etherType, $0.baseAddress, $0.count)
        }
        guard sent == frame.count else { throw .fromErrno(operation) }
    }
}
