import CLinuxNet
import Glibc
import LVSCore
import LVSPacket

/// Reads the interfaces, routes and neighbours the engine starts from (slow path: at start and
/// on configuration changes).
enum InterfaceDiscovery {
    /// The named interfaces with index, MAC, MTU and addresses.
    static func interfaces(named names: [String]) throws(PacketEngineError) -> [NetworkInterface] {
        let probe = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard probe >= 0 else { throw .fromErrno("socket", errno) }
        defer { close(probe) }
        let addresses = interfaceAddresses()
        var result: [NetworkInterface] = []
        for name in names {
            let index = Int32(bitPattern: if_nametoindex(name))
            guard index > 0 else { throw .noSuchInterface(name) }
            var bytes = [UInt8](repeating: 0, count: 6)
            guard clinuxpacket_interface_mac(probe, name, &bytes) == 0 else { throw .fromErrno("SIOCGIFHWADDR", errno) }
            let mtu = Int(clinuxpacket_interface_mtu(probe, name))
            result.append(
                NetworkInterface(
                    name: name, index: index,
                    mac: MACAddress(bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5]),
                    mtu: mtu > 0 ? mtu : 1500, addresses: addresses[name] ?? []))
        }
        return result
    }

    /// getifaddrs: every interface's IPv4/IPv6 addresses with prefix lengths.
    static func interfaceAddresses() -> [String: [Prefix]] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0 else { return [:] }
        defer { freeifaddrs(head) }
        var result: [String: [Prefix]] = [:]
        var cursor = head
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr, let name = entry.pointee.ifa_name else { continue }
            let key = String(cString: name)
            switch Int32(address.pointee.sa_family) {
            case AF_INET:
                let value = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    UInt32(bigEndian: $0.pointee.sin_addr.s_addr)
                }
                let mask =
                    entry.pointee.ifa_netmask.map { pointer in
                        pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                            UInt32(bigEndian: $0.pointee.sin_addr.s_addr).nonzeroBitCount
                        }
                    } ?? 32
                result[key, default: []].append(Prefix(address: IPAddress(ipv4: value), length: mask))
            case AF_INET6:
                let bytes = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                }
                let maskBits =
                    entry.pointee.ifa_netmask.map { pointer in
                        pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                            withUnsafeBytes(of: $0.pointee.sin6_addr) { $0.reduce(0) { $0 + $1.nonzeroBitCount } }
                        }
                    } ?? 128
                if let ip = IPAddress(bytes: bytes) {
                    result[key, default: []].append(Prefix(address: ip, length: maskBits))
                }
            default:
                continue
            }
        }
        return result
    }

    /// Every address of every interface of this host (lo included): a real server at one of
    /// them is the director itself (reference §5 intro, "the route is local").
    static func localAddresses() -> Set<IPAddress> {
        Set(interfaceAddresses().values.joined().map(\.address))
    }

    /// The route table through `interfaces`.
    static func routes(for interfaces: [NetworkInterface]) -> RouteTable {
        RouteTable.build(
            interfaces: interfaces, ipv4Routes: readFile(netFile("route")) ?? "",
            ipv6Routes: readFile(netFile("ipv6_route")) ?? "")
    }

    /// `/proc/thread-self/net/NAME` where it exists (Linux 3.17+): /proc/net follows the
    /// process's first thread, while the engine's sockets live in the calling thread's network
    /// namespace (they differ when a thread entered another namespace with setns).
    static func netFile(_ name: String) -> String {
        access("/proc/thread-self/net", F_OK) == 0 ? "/proc/thread-self/net/\(name)" : "/proc/net/\(name)"
    }

    /// A small text file from /proc, or nil.
    static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            data.append(contentsOf: chunk[0..<count])
            if data.count > 16 << 20 { break }
        }
        return String(decoding: data, as: UTF8.self)
    }
}
