import Glibc
import LVSCore

/// Conversions between LVSCore's `IPAddress` and the kernel's socket addresses.
enum SocketAddress {
    /// A `sockaddr_in` or `sockaddr_in6` (with `scopeID` for link-local peers) for `address`,
    /// passed to `body` with its length.
    static func withSockaddr<T>(
        _ address: IPAddress, scopeID: UInt32 = 0, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T
    ) -> T {
        switch address.family {
        case .inet:
            var storage = sockaddr_in()
            storage.sin_family = sa_family_t(AF_INET)
            storage.sin_addr.s_addr = address.ipv4Value.bigEndian
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .inet6:
            var storage = sockaddr_in6()
            storage.sin6_family = sa_family_t(AF_INET6)
            storage.sin6_scope_id = scopeID
            withUnsafeMutableBytes(of: &storage.sin6_addr) { $0.copyBytes(from: address.bytes) }
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    /// The address in a `sockaddr_storage` the kernel filled, or nil for another family.
    static func address(of storage: sockaddr_storage) -> IPAddress? {
        var copy = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafeBytes(of: &copy) { raw in
                IPAddress(ipv4: UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
            }
        case AF_INET6:
            return withUnsafeBytes(of: &copy) { raw in IPAddress(bytes: Array(raw[8..<24])) }
        default:
            return nil
        }
    }
}
