import CLinuxNet
import Glibc
import LVSCore

/// Virtual addresses through rtnetlink (RTM_NEWADDR / RTM_DELADDR with NLM_F_ACK, the ack's
/// errno read back; RTM_GETADDR dumps to list), as `ip address add|del|show` does it but
/// without running `ip`.
public struct VirtualAddressManager: VirtualAddressProgramming {
    public init() {}

    /// Adds `address` (NLM_F_CREATE | NLM_F_EXCL). EEXIST is `.alreadyPresent`.
    public func add(_ address: InterfaceAddress) throws(VRRPTransportError) -> AddressChange {
        let flags = RouteNetlink.request | RouteNetlink.acknowledge | RouteNetlink.create | RouteNetlink.exclusive
        do {
            _ = try RouteNetlinkExchange.run(
                Self.message(RouteNetlink.newAddress, flags: flags, address), "RTM_NEWADDR \(Self.describe(address))")
            return .added
        } catch  where error.code == EEXIST {
            return .alreadyPresent
        }
    }

    /// Removes `address`. EADDRNOTAVAIL (no such address) is `.notPresent`.
    public func remove(_ address: InterfaceAddress) throws(VRRPTransportError) -> AddressChange {
        do {
            _ = try RouteNetlinkExchange.run(
                Self.message(
                    RouteNetlink.deleteAddress, flags: RouteNetlink.request | RouteNetlink.acknowledge, address),
                "RTM_DELADDR \(Self.describe(address))")
            return .removed
        } catch  where error.code == EADDRNOTAVAIL {
            return .notPresent
        }
    }

    /// The IPv4 and IPv6 addresses of interface `index`.
    public func addresses(onInterface index: Int32) throws(VRRPTransportError) -> [InterfaceAddress] {
        let operation = "RTM_GETADDR ifindex \(index)"
        let request = NetlinkRequest(
            type: RouteNetlink.getAddress, flags: RouteNetlink.request | RouteNetlink.dump,
            header: Self.header(family: UInt8(AF_UNSPEC), prefixLength: 0, flags: 0, scope: 0, index: 0))
        var result: [InterfaceAddress] = []
        for message in try RouteNetlinkExchange.run(request, operation) where message.type == RouteNetlink.newAddress {
            do {
                if let address = try Self.parse(message), address.interfaceIndex == index { result.append(address) }
            } catch {
                throw .malformed(operation, error.reason)
            }
        }
        return result
    }

    /// `struct ifaddrmsg`: family, prefix length, flags, scope, interface index.
    static func header(family: UInt8, prefixLength: UInt8, flags: UInt8, scope: UInt8, index: Int32) -> [UInt8] {
        [family, prefixLength, flags, scope] + NetlinkRequest.bytes(of: index)
    }

    /// The RTM_NEWADDR / RTM_DELADDR message for `address`.
    static func message(_ type: UInt16, flags: UInt16, _ address: InterfaceAddress) -> NetlinkRequest {
        let ipv6 = address.address.family == .inet6
        let addressFlags = ipv6 ? address.flags | InterfaceAddress.noDuplicateAddressDetection : address.flags
        var request = NetlinkRequest(
            type: type, flags: flags,
            header: header(
                family: UInt8(ipv6 ? AF_INET6 : AF_INET), prefixLength: UInt8(clamping: address.prefixLength),
                flags: UInt8(truncatingIfNeeded: addressFlags), scope: address.scope.value,
                index: address.interfaceIndex))
        request.attribute(CLINUXVRRP_IFA_LOCAL, address.address.bytes)
        request.attribute(CLINUXVRRP_IFA_ADDRESS, address.address.bytes)
        if !ipv6, let label = address.label { request.attribute(CLINUXVRRP_IFA_LABEL, string: label) }
        if !ipv6, let broadcast = address.broadcast { request.attribute(CLINUXVRRP_IFA_BROADCAST, broadcast.bytes) }
        request.attribute(CLINUXVRRP_IFA_FLAGS, u32: addressFlags)
        return request
    }

    /// One RTM_NEWADDR of a dump; nil for a family other than IPv4/IPv6.
    static func parse(_ message: NetlinkMessage) throws(NetlinkParseError) -> InterfaceAddress? {
        let attributes = try message.attributes(after: 8)
        let fixed = message.payload
        let start = fixed.startIndex
        let family = Int32(fixed[start])
        guard family == AF_INET || family == AF_INET6 else { return nil }
        guard let bytes = attributes[CLINUXVRRP_IFA_LOCAL] ?? attributes[CLINUXVRRP_IFA_ADDRESS],
            let address = IPAddress(bytes: Array(bytes))
        else { throw NetlinkParseError("an address message without an address") }
        return InterfaceAddress(
            address: address, prefixLength: Int(fixed[start + 1]),
            interfaceIndex: NetlinkMessage.read(Int32.self, fixed, start + 4),
            label: NetlinkMessage.string(attributes[CLINUXVRRP_IFA_LABEL]),
            broadcast: attributes[CLINUXVRRP_IFA_BROADCAST].flatMap { IPAddress(bytes: Array($0)) },
            scope: AddressScope(fixed[start + 3]),
            flags: NetlinkMessage.integer(UInt32.self, attributes[CLINUXVRRP_IFA_FLAGS]) ?? UInt32(fixed[start + 2]))
    }

    static func describe(_ address: InterfaceAddress) -> String {
        "\(address.address)/\(address.prefixLength) on ifindex \(address.interfaceIndex)"
    }
}
