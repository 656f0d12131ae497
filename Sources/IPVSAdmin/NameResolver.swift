import LVSCore

/// Name look-ups ipvsadm does through libc (gethostbyname, getservbyname, gethostbyaddr,
/// getservbyport). IPVSAdmin is pure, so the executable injects the real one; tests inject tables.
public protocol NameResolver: Sendable {
    /// A host name's first IPv4 address (gethostbyname), or nil.
    func ipv4Address(forHost name: String) -> IPAddress?
    /// A service name's port for `protocolName` (`tcp`, `udp`, `sctp`), or nil.
    func port(forService name: String, protocolName: String) -> UInt16?
    /// The host name of an address (gethostbyaddr), or nil.
    func hostName(for address: IPAddress) -> String?
    /// The service name of a port for `protocolName`, or nil.
    func serviceName(forPort port: UInt16, protocolName: String) -> String?
}

/// Resolves nothing: every name is unknown and every number stays a number.
public struct NumericResolver: NameResolver {
    public init() {}
    public func ipv4Address(forHost name: String) -> IPAddress? { nil }
    public func port(forService name: String, protocolName: String) -> UInt16? { nil }
    public func hostName(for address: IPAddress) -> String? { nil }
    public func serviceName(forPort port: UInt16, protocolName: String) -> String? { nil }
}
