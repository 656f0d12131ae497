import Glibc
import LVSCore

/// Conversions between LVSCore's `IPAddress` plus a UDP port and the kernel's socket addresses.
enum SyncSocketAddress {
    /// A `sockaddr_in` / `sockaddr_in6` for `address`:`port` (`scopeID` names the interface of
    /// a link-local or link-scope multicast IPv6 address), passed to `body` with its length.
    static func withSockaddr<T>(
        _ address: IPAddress, port: UInt16, scopeID: UInt32 = 0, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T
    ) -> T {
        switch address.family {
        case .inet:
            var storage = sockaddr_in()
            storage.sin_family = sa_family_t(AF_INET)
            storage.sin_port = port.bigEndian
            storage.sin_addr.s_addr = address.ipv4Value.bigEndian
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .inet6:
            var storage = sockaddr_in6()
            storage.sin6_family = sa_family_t(AF_INET6)
            storage.sin6_port = port.bigEndian
            storage.sin6_scope_id = scopeID
            withUnsafeMutableBytes(of: &storage.sin6_addr) { $0.copyBytes(from: address.bytes) }
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    /// The address and port of an AF_INET / AF_INET6 socket address the kernel filled, or nil
    /// for another family.
    static func address(of pointer: UnsafePointer<sockaddr>) -> (address: IPAddress, port: UInt16)? {
        switch Int32(pointer.pointee.sa_family) {
        case AF_INET:
            let value = UnsafeRawPointer(pointer).loadUnaligned(as: sockaddr_in.self)
            return (IPAddress(ipv4: UInt32(bigEndian: value.sin_addr.s_addr)), UInt16(bigEndian: value.sin_port))
        case AF_INET6:
            let value = UnsafeRawPointer(pointer).loadUnaligned(as: sockaddr_in6.self)
            let bytes = withUnsafeBytes(of: value.sin6_addr) { Array($0) }
            guard let address = IPAddress(bytes: bytes) else { return nil }
            return (address, UInt16(bigEndian: value.sin6_port))
        default:
            return nil
        }
    }
}
