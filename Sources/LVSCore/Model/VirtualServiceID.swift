/// Transport protocol of a virtual service or connection entry (IANA numbers).
public enum IPProtocolNumber: UInt8, Sendable, Hashable, Codable, Comparable, CaseIterable {
    /// Protocol 0: used only by firewall-mark persistence templates, shown as `IP` (reference §2.4).
    case ip = 0
    case tcp = 6
    case udp = 17
    case sctp = 132

    /// The name ipvsadm prints (`TCP`, `UDP`, `SCTP`, `IP`).
    public var displayName: String {
        switch self {
        case .ip: return "IP"
        case .tcp: return "TCP"
        case .udp: return "UDP"
        case .sctp: return "SCTP"
        }
    }

    /// The protocol name for service-name look-ups (`getservbyname`, `getservbyport`).
    public var serviceLookupName: String {
        switch self {
        case .ip, .tcp: return "tcp"
        case .udp: return "udp"
        case .sctp: return "sctp"
        }
    }

    public static func < (lhs: IPProtocolNumber, rhs: IPProtocolNumber) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The identity of a virtual service: either protocol + address + port, or a firewall mark with
/// an address family (reference §1.3).
///
/// Ordering is ipvsadm's sort order (reference §2.7): fwmark, family, protocol, address, port, so
/// address services (fwmark 0) come before fwmark services.
public struct VirtualServiceID: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// Non-zero for a firewall-mark service.
    public var firewallMark: UInt32
    public var family: AddressFamily
    /// TCP, UDP or SCTP for address services; TCP for firewall-mark services (as ipvsadm sends).
    public var protocolNumber: IPProtocolNumber
    /// The virtual address; the family's zero address for firewall-mark services.
    public var address: IPAddress
    public var port: UInt16

    public init(protocol proto: IPProtocolNumber, address: IPAddress, port: UInt16) {
        self.firewallMark = 0
        self.family = address.family
        self.protocolNumber = proto
        self.address = address
        self.port = port
    }

    public init(firewallMark: UInt32, family: AddressFamily) {
        self.firewallMark = firewallMark
        self.family = family
        self.protocolNumber = .tcp
        self.address = family == .inet ? .ipv4Any : .ipv6Any
        self.port = 0
    }

    public var isFirewallMark: Bool { firewallMark != 0 }

    public static func < (lhs: VirtualServiceID, rhs: VirtualServiceID) -> Bool {
        if lhs.firewallMark != rhs.firewallMark { return lhs.firewallMark < rhs.firewallMark }
        if lhs.family != rhs.family { return lhs.family < rhs.family }
        if lhs.protocolNumber != rhs.protocolNumber { return lhs.protocolNumber < rhs.protocolNumber }
        if lhs.address != rhs.address { return lhs.address < rhs.address }
        return lhs.port < rhs.port
    }

    /// `TCP 10.0.0.1:80`, `UDP [2001:db8::1]:53`, `FWM 1`, `FWM 2 IPv6`: for logs and errors.
    public var description: String {
        if isFirewallMark { return "FWM \(firewallMark)" + (family == .inet6 ? " IPv6" : "") }
        return "\(protocolNumber.displayName) \(address.bracketedIfIPv6):\(port)"
    }
}
