import LVSCore
import LVSPacket

/// What the engine knows about one of its interfaces: index, MAC, MTU and addresses (for the
/// source of tunnel headers, ICMP errors and neighbour solicitations).
public struct NetworkInterface: Sendable, Hashable {
    public var name: String
    /// The kernel's ifindex.
    public var index: Int32
    public var mac: MACAddress
    public var mtu: Int
    /// The interface's addresses with their prefix lengths.
    public var addresses: [Prefix]

    public init(name: String, index: Int32, mac: MACAddress, mtu: Int, addresses: [Prefix]) {
        self.name = name
        self.index = index
        self.mac = mac
        self.mtu = mtu
        self.addresses = addresses
    }

    /// The address to send from towards `peer`: one of the same family whose prefix holds
    /// `peer`, else the first of that family (IPv6 link-local last).
    public func sourceAddress(towards peer: IPAddress) -> IPAddress? {
        if let onLink = addresses.first(where: { $0.contains(peer) }) { return onLink.address }
        let sameFamily = addresses.filter { $0.address.family == peer.family }
        return (sameFamily.first { !$0.isLinkLocal } ?? sameFamily.first)?.address
    }
}

/// An address with a prefix length (an interface address or a route destination).
public struct Prefix: Sendable, Hashable {
    public var address: IPAddress
    public var length: Int

    public init(address: IPAddress, length: Int) {
        self.address = address
        self.length = max(0, min(length, address.family == .inet ? 32 : 128))
    }

    /// True when `other` lies inside this prefix (same family).
    public func contains(_ other: IPAddress) -> Bool {
        guard other.family == address.family else { return false }
        switch address.family {
        case .inet:
            guard length > 0 else { return true }
            let mask: UInt32 = length >= 32 ? .max : ~(UInt32.max >> UInt32(length))
            return other.ipv4Value & mask == address.ipv4Value & mask
        case .inet6:
            let highMask: UInt64 = length >= 64 ? .max : (length == 0 ? 0 : ~(UInt64.max >> UInt64(length)))
            let lowBits = length - 64
            let lowMask: UInt64 = lowBits <= 0 ? 0 : (lowBits >= 64 ? .max : ~(UInt64.max >> UInt64(lowBits)))
            return other.high & highMask == address.high & highMask && other.low & lowMask == address.low & lowMask
        }
    }

    var isLinkLocal: Bool { address.family == .inet6 && address.high >> 54 == 0x3FA }
}

extension WireAddress {
    /// The same address in LVSCore's type.
    @inlinable
    var ipAddress: IPAddress {
        isIPv6 ? IPAddress(ipv6High: high, low: low) : IPAddress(ipv4: ipv4Value)
    }
}

extension IPAddress {
    /// The same address in LVSPacket's type.
    @inlinable
    var wireAddress: WireAddress {
        family == .inet6 ? WireAddress(ipv6High: high, low: low) : WireAddress(ipv4: ipv4Value)
    }
}
