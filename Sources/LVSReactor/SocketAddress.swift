import Glibc
import LVSCore

/// An IPv4 or IPv6 socket address held inline (a `sockaddr_in`/`sockaddr_in6`, no allocation),
/// for binding, connecting and reporting peers.
public enum SocketAddress: Sendable, Hashable, CustomStringConvertible {
    case v4(sockaddr_in)
    case v6(sockaddr_in6)

    /// An address from an `IPAddress` and a port.
    public init(_ address: IPAddress, port: UInt16) {
        switch address.family {
        case .inet:
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            sin.sin_addr.s_addr = address.ipv4Value.bigEndian
            self = .v4(sin)
        case .inet6:
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { bytes in
                bytes.storeBytes(of: address.high.bigEndian, toByteOffset: 0, as: UInt64.self)
                bytes.storeBytes(of: address.low.bigEndian, toByteOffset: 8, as: UInt64.self)
            }
            self = .v6(sin6)
        }
    }

    /// 127.0.0.1:`port` (port 0 asks the kernel to choose, for tests).
    public static func loopbackIPv4(port: UInt16) -> SocketAddress {
        SocketAddress(IPAddress(ipv4: 0x7F00_0001), port: port)
    }

    /// [::1]:`port`.
    public static func loopbackIPv6(port: UInt16) -> SocketAddress {
        SocketAddress(IPAddress(ipv6High: 0, low: 1), port: port)
    }

    /// Reads a kernel-filled `sockaddr`; nil for families other than IPv4/IPv6.
    public init?(_ address: UnsafeRawPointer, length: socklen_t) {
        let family = address.loadUnaligned(as: sa_family_t.self)
        if family == sa_family_t(AF_INET), Int(length) >= MemoryLayout<sockaddr_in>.size {
            self = .v4(address.loadUnaligned(as: sockaddr_in.self))
        } else if family == sa_family_t(AF_INET6), Int(length) >= MemoryLayout<sockaddr_in6>.size {
            self = .v6(address.loadUnaligned(as: sockaddr_in6.self))
        } else {
            return nil
        }
    }

    public var family: AddressFamily {
        switch self {
        case .v4: return .inet
        case .v6: return .inet6
        }
    }

    public var port: UInt16 {
        switch self {
        case .v4(let sin): return UInt16(bigEndian: sin.sin_port)
        case .v6(let sin6): return UInt16(bigEndian: sin6.sin6_port)
        }
    }

    public var ip: IPAddress {
        switch self {
        case .v4(let sin):
            return IPAddress(ipv4: UInt32(bigEndian: sin.sin_addr.s_addr))
        case .v6(let sin6):
            return withUnsafeBytes(of: sin6.sin6_addr) { bytes in
                IPAddress(
                    ipv6High: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                    low: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            }
        }
    }

    /// The IPv6 scope (interface index) of a link-local address; 0 for IPv4.
    public var scopeID: UInt32 {
        switch self {
        case .v4: return 0
        case .v6(let sin6): return sin6.sin6_scope_id
        }
    }

    /// Calls `body` with the address as a `sockaddr` pointer and its length.
    @inlinable
    public func withSockAddr<Result, Failure: Error>(
        _ body: (UnsafePointer<sockaddr>, socklen_t) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        switch self {
        case .v4(var sin):
            return try withUnsafePointer(to: &sin) { (pointer) throws(Failure) -> Result in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (raw) throws(Failure) -> Result in
                    try body(raw, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .v6(var sin6):
            return try withUnsafePointer(to: &sin6) { (pointer) throws(Failure) -> Result in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (raw) throws(Failure) -> Result in
                    try body(raw, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    public static func == (lhs: SocketAddress, rhs: SocketAddress) -> Bool {
        lhs.ip == rhs.ip && lhs.port == rhs.port && lhs.scopeID == rhs.scopeID
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ip)
        hasher.combine(port)
        hasher.combine(scopeID)
    }

    /// "127.0.0.1:80" or "[::1]:80".
    public var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch self {
        case .v4(var sin):
            _ = inet_ntop(AF_INET, &sin.sin_addr, &text, socklen_t(text.count))
            return "\(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)):\(port)"
        case .v6(var sin6):
            _ = inet_ntop(AF_INET6, &sin6.sin6_addr, &text, socklen_t(text.count))
            return "[\(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))]:\(port)"
        }
    }
}
