import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A service manager's side of NOTIFY_SOCKET for tests: a Unix datagram socket bound to a path
/// in a temporary directory, or to an abstract name, whose datagrams the test reads one by one.
final class NotifyListener: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `fd` is set once in init and closed once in `close`;
    // tests read from one task at a time.
    private let fd: Int32
    /// What goes into NOTIFY_SOCKET: the path, or `@name` for an abstract socket.
    let socketName: String

    /// Binds `path` (a file) or, with `abstract`, the abstract name `@<path's last component>`.
    init(path: String, abstract: Bool = false) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(fd >= 0, "socket(AF_UNIX, SOCK_DGRAM) failed: errno \(errno)")
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var name = Array((abstract ? "@" + (path as NSString).lastPathComponent : path).utf8)
        let socketName = String(decoding: name, as: UTF8.self)
        if abstract { name[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: name) }
        let length = socklen_t(2 + name.count + (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        if bound != 0 {
            Glibc.close(fd)
            try #require(bound == 0, "bind \(socketName) failed: errno \(errno)")
        }
        if !abstract { chmod(path, 0o600) }
        self.fd = fd
        self.socketName = socketName
    }

    /// The next datagram, or nil when none arrives within `timeout` seconds.
    func receive(timeout: Double) -> String? {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Int32(timeout * 1000))
        guard ready > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { return nil }
        return String(decoding: buffer.prefix(count), as: UTF8.self)
    }

    /// The next datagram that is not a watchdog ping (those are counted in `pings`).
    func receiveSkippingPings(timeout: Double, pings: inout Int) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard let message = receive(timeout: max(0.01, deadline.timeIntervalSinceNow)) else { return nil }
            if message == "WATCHDOG=1" {
                pings += 1
            } else {
                return message
            }
        }
        return nil
    }

    func close() { Glibc.close(fd) }

    /// A datagram's `NAME=value` lines as a dictionary.
    static func fields(_ message: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in message.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return fields
    }
}
