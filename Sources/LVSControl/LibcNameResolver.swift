import IPVSAdmin
import LVSCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The name look-ups ipvsadm makes through libc (reference §1.3, §2.1): host names to IPv4
/// addresses (gethostbyname's "first address"), service names to ports and back, and reverse
/// look-ups of addresses for listings without `-n`.
public struct LibcNameResolver: NameResolver {
    public init() {}

    public func ipv4Address(forHost name: String) -> IPAddress? {
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(list) }
        guard let address = first.pointee.ai_addr, first.pointee.ai_family == AF_INET else { return nil }
        let value = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
        return IPAddress(ipv4: UInt32(bigEndian: value))
    }

    public func port(forService name: String, protocolName: String) -> UInt16? {
        guard let entry = getservbyname(name, protocolName) else { return nil }
        return UInt16(bigEndian: UInt16(truncatingIfNeeded: entry.pointee.s_port))
    }

    public func hostName(for address: IPAddress) -> String? {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        let status: Int32
        switch address.family {
        case .inet:
            var socketAddress = sockaddr_in()
            socketAddress.sin_family = sa_family_t(AF_INET)
            socketAddress.sin_addr.s_addr = address.ipv4Value.bigEndian
            status = withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    getnameinfo(
                        $0, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NAMEREQD
                    )
                }
            }
        case .inet6:
            var socketAddress = sockaddr_in6()
            socketAddress.sin6_family = sa_family_t(AF_INET6)
            let bytes = address.bytes
            withUnsafeMutableBytes(of: &socketAddress.sin6_addr) { raw in
                for index in 0..<min(16, raw.count, bytes.count) { raw[index] = bytes[index] }
            }
            status = withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    getnameinfo(
                        $0, socklen_t(MemoryLayout<sockaddr_in6>.size), &host, socklen_t(host.count), nil, 0,
                        NI_NAMEREQD)
                }
            }
        }
        guard status == 0 else { return nil }
        return String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func serviceName(forPort port: UInt16, protocolName: String) -> String? {
        guard let entry = getservbyport(Int32(port.bigEndian), protocolName), let name = entry.pointee.s_name else {
            return nil
        }
        return String(cString: name)
    }
}
