import CLinuxNet
import LVSCore

/// An address on an interface as rtnetlink carries it (`struct ifaddrmsg` and its
/// attributes); keepalived's `virtual_ipaddress` entry `<ip>/<len> brd <b> scope <s> label <l>`.
public struct InterfaceAddress: Sendable, Hashable {
    public var address: IPAddress
    public var prefixLength: Int
    public var interfaceIndex: Int32
    /// IPv4 only (IFA_LABEL): `eth0:vip`. The kernel requires it to start with the interface name.
    public var label: String?
    /// IPv4 only (IFA_BROADCAST).
    public var broadcast: IPAddress?
    public var scope: AddressScope
    /// IFA_F_* flags as read (IFA_FLAGS); on add, IFA_F_NODAD is set for IPv6 whatever this says.
    public var flags: UInt32

    public init(
        address: IPAddress, prefixLength: Int, interfaceIndex: Int32, label: String? = nil,
        broadcast: IPAddress? = nil, scope: AddressScope = .global, flags: UInt32 = 0
    ) {
        self.address = address
        self.prefixLength = prefixLength
        self.interfaceIndex = interfaceIndex
        self.label = label
        self.broadcast = broadcast
        self.scope = scope
        self.flags = flags
    }

    /// IFA_F_NODAD: no duplicate address detection, so the address is usable at once (keepalived
    /// sets it on IPv6 VIPs: a VIP moves between routers and must answer the moment it lands).
    public static let noDuplicateAddressDetection: UInt32 = CLINUXVRRP_IFA_F_NODAD
    /// IFA_F_TENTATIVE: duplicate address detection has not finished.
    public static let tentative: UInt32 = CLINUXVRRP_IFA_F_TENTATIVE
}

/// `ip address`'s scope (rtnetlink's `rt_scope_t`).
public enum AddressScope: Sendable, Hashable {
    case global
    case site
    case link
    case host
    case nowhere
    /// A number with no name.
    case other(UInt8)

    public init(_ value: UInt8) {
        switch value {
        case 0: self = .global
        case 200: self = .site
        case 253: self = .link
        case 254: self = .host
        case 255: self = .nowhere
        default: self = .other(value)
        }
    }

    public var value: UInt8 {
        switch self {
        case .global: 0
        case .site: 200
        case .link: 253
        case .host: 254
        case .nowhere: 255
        case .other(let value): value
        }
    }
}

/// What an add or a removal did. The kernel's EEXIST on add and EADDRNOTAVAIL on removal are
/// not failures for VRRP: the address is where the caller wants it (e.g. after a restart).
public enum AddressChange: Sendable, Hashable {
    case added
    case alreadyPresent
    case removed
    case notPresent
}

/// Adds, removes and lists interface addresses: the virtual addresses of a MASTER. The kernel's
/// is `VirtualAddressManager`; test doubles record calls.
public protocol VirtualAddressProgramming: Sendable {
    func add(_ address: InterfaceAddress) throws(VRRPTransportError) -> AddressChange
    func remove(_ address: InterfaceAddress) throws(VRRPTransportError) -> AddressChange
    func addresses(onInterface index: Int32) throws(VRRPTransportError) -> [InterfaceAddress]
}
