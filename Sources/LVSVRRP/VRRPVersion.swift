/// The VRRP protocol version an instance speaks: 2 (RFC 3768, IPv4 only, intervals in seconds)
/// or 3 (RFC 5798, IPv4 and IPv6, intervals in centiseconds).
public enum VRRPVersion: UInt8, Sendable, Hashable, Codable {
    case v2 = 2
    case v3 = 3
}
