import CLinuxNet
import Glibc
import LVSCore
import LVSSync

/// The multicast interface of a sync daemon as the calling thread's network namespace sees it:
/// its index (for IP_MULTICAST_IF and the group membership) and MTU (for a backup's message
/// size, `SyncMaximumLength.backup`).
public struct SyncInterface: Sendable, Hashable {
    public var name: String
    public var index: Int32
    public var mtu: Int

    public init(name: String, index: Int32, mtu: Int) {
        self.name = name
        self.index = index
        self.mtu = mtu
    }

    /// Looks the interface up (if_nametoindex, SIOCGIFMTU); `.noSuchInterface` when absent.
    public static func lookup(_ name: String) throws(SyncTransportError) -> SyncInterface {
        let index = Int32(bitPattern: if_nametoindex(name))
        guard index > 0 else { throw .noSuchInterface(name) }
        let probe = socket(AF_INET, CLINUXNET_SOCK_DGRAM | CLINUXNET_SOCK_CLOEXEC, 0)
        guard probe >= 0 else { throw .fromErrno("socket(AF_INET, SOCK_DGRAM)") }
        defer { close(probe) }
        let mtu = clinuxpacket_interface_mtu(probe, name)
        guard mtu > 0 else {
            if errno == ENODEV { throw .noSuchInterface(name) }
            throw .fromErrno("SIOCGIFMTU \(name)")
        }
        return SyncInterface(name: name, index: index, mtu: Int(mtu))
    }

    /// A backup's receive buffer size for a group of `groupFamily` on this interface (reference
    /// §7.1: the MTU clamped to 1500…65535 minus the IP and UDP headers, or the configured one).
    public func backupMaximumLength(configured: Int? = nil, groupFamily: AddressFamily) -> Int {
        SyncMaximumLength.backup(configured: configured, interfaceMTU: mtu, groupFamily: groupFamily)
    }

    /// The address a master binds to (reference §7.1): IPv4, the interface's first (primary)
    /// address; IPv6, its first global address, else its first link-local one. getifaddrs
    /// lists an interface's addresses in the kernel's order, primaries first.
    public func sourceAddress(family: AddressFamily) throws(SyncTransportError) -> IPAddress {
        let addresses = try Self.addresses(of: name, family: family)
        let chosen: IPAddress?
        switch family {
        case .inet: chosen = addresses.first
        case .inet6:
            chosen =
                addresses.first { !$0.isIPv6LinkLocal && !SyncTransportConfiguration.isMulticast($0) }
                ?? addresses.first { $0.isIPv6LinkLocal }
        }
        guard let chosen else { throw .noAddress(interface: name, family: family) }
        return chosen
    }

    /// The addresses of `family` on interface `name`, in the kernel's order.
    static func addresses(of name: String, family: AddressFamily) throws(SyncTransportError) -> [IPAddress] {
        var list: UnsafeMutablePointer<ifaddrs>? = nil
        guard getifaddrs(&list) == 0 else { throw .fromErrno("getifaddrs") }
        defer { freeifaddrs(list) }
        var found: [IPAddress] = []
        var cursor = list
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let socketAddress = entry.pointee.ifa_addr, String(cString: entry.pointee.ifa_name) == name
            else { continue }
            if let address = SyncSocketAddress.address(of: socketAddress)?.address, address.family == family {
                found.append(address)
            }
        }
        return found
    }
}
