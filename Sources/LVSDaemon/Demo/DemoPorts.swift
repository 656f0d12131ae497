#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Chooses the virtual service's port before the proxy engine binds it: the preferred one when
/// nothing listens there, else one the kernel hands out as free.
///
/// The probe binds without SO_REUSEPORT, so it fails against any listener, including another
/// `lvsd` (whose listeners share ports with each other through SO_REUSEPORT and would otherwise
/// silently share one with us).
enum DemoPorts {
    /// `preferred` if a TCP socket can bind 127.0.0.1:`preferred` now, else a free port.
    static func tcpPort(preferring preferred: Int) throws(DemoError) -> Int {
        if let port = probe(port: preferred) { return port }
        if let port = probe(port: 0) { return port }
        throw DemoError("no free TCP port on 127.0.0.1 for the virtual service")
    }

    /// Binds a TCP socket to 127.0.0.1:`port` (0: any), returns the bound port, and closes it.
    private static func probe(port: Int) -> Int? {
        guard let port16 = UInt16(exactly: port) else { return nil }
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        // TIME_WAIT leftovers of an earlier run do not make the port busy for a listener.
        var one: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port16.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { return nil }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { return nil }
        return Int(UInt16(bigEndian: actual.sin_port))
    }
}
