import CLinuxNet
import LVSCore
import LVSPacket

/// keepalived's `use_vmac`: a macvlan interface on the parent, in private mode, carrying the
/// virtual router's MAC (RFC 5798 §7.3), created and removed through rtnetlink
/// (RTM_NEWLINK with IFLA_LINKINFO { IFLA_INFO_KIND "macvlan", IFLA_MACVLAN_MODE }).
public protocol VirtualMACProgramming: Sendable {
    /// Creates the interface, sets it up, and returns its state (index, MAC).
    func create(name: String, parentIndex: Int32, mac: MACAddress) throws(VRRPTransportError) -> LinkState
    func delete(interfaceIndex: Int32) throws(VRRPTransportError)
}

/// The kernel's `VirtualMACProgramming`.
public struct VirtualMACManager: VirtualMACProgramming {
    public init() {}

    /// 00-00-5E-00-01-{VRID} for IPv4, 00-00-5E-00-02-{VRID} for IPv6 (RFC 5798 §7.3).
    public static func virtualMAC(virtualRouterID: UInt8, family: AddressFamily) -> MACAddress {
        switch family {
        case .inet: MACAddress(0x00, 0x00, 0x5E, 0x00, 0x01, virtualRouterID)
        case .inet6: MACAddress(0x00, 0x00, 0x5E, 0x00, 0x02, virtualRouterID)
        }
    }

    /// keepalived's default name for `use_vmac` without a name: `vrrp.{VRID}`.
    public static func defaultName(virtualRouterID: UInt8) -> String { "vrrp.\(virtualRouterID)" }

    public func create(name: String, parentIndex: Int32, mac: MACAddress) throws(VRRPTransportError) -> LinkState {
        let flags = RouteNetlink.request | RouteNetlink.acknowledge | RouteNetlink.create | RouteNetlink.exclusive
        _ = try RouteNetlinkExchange.run(
            Self.creation(name: name, parentIndex: parentIndex, mac: mac, flags: flags),
            "RTM_NEWLINK macvlan \(name) on ifindex \(parentIndex)")
        let created = try LinkStateReader().linkState(named: name)
        // ifi_change names the flags to change, ifi_flags their new values: IFF_UP on.
        let up = NetlinkRequest(
            type: RouteNetlink.newLink, flags: RouteNetlink.request | RouteNetlink.acknowledge,
            header: LinkState.header(
                index: created.interfaceIndex, flags: CLINUXVRRP_IFF_UP, change: CLINUXVRRP_IFF_UP))
        _ = try RouteNetlinkExchange.run(up, "RTM_NEWLINK \(name) up")
        return try LinkStateReader().linkState(interfaceIndex: created.interfaceIndex)
    }

    public func delete(interfaceIndex: Int32) throws(VRRPTransportError) {
        let request = NetlinkRequest(
            type: RouteNetlink.deleteLink, flags: RouteNetlink.request | RouteNetlink.acknowledge,
            header: LinkState.header(index: interfaceIndex))
        _ = try RouteNetlinkExchange.run(request, "RTM_DELLINK ifindex \(interfaceIndex)")
    }

    /// The RTM_NEWLINK that creates the macvlan.
    static func creation(name: String, parentIndex: Int32, mac: MACAddress, flags: UInt16) -> NetlinkRequest {
        var request = NetlinkRequest(type: RouteNetlink.newLink, flags: flags, header: LinkState.header(index: 0))
        request.attribute(CLINUXVRRP_IFLA_IFNAME, string: name)
        request.attribute(CLINUXVRRP_IFLA_LINK, u32: UInt32(bitPattern: parentIndex))
        request.attribute(
            CLINUXVRRP_IFLA_ADDRESS, (0..<6).map { UInt8(truncatingIfNeeded: mac.value >> (40 - 8 * $0)) })
        request.nested(CLINUXVRRP_IFLA_LINKINFO) { info in
            info.attribute(CLINUXVRRP_IFLA_INFO_KIND, string: "macvlan")
            info.nested(CLINUXVRRP_IFLA_INFO_DATA) { data in
                data.attribute(CLINUXVRRP_IFLA_MACVLAN_MODE, u32: CLINUXVRRP_MACVLAN_MODE_PRIVATE)
            }
        }
        return request
    }
}
