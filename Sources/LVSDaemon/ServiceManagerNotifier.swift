#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The service manager's notification protocol (systemd's `sd_notify`), our own few lines over a
/// Unix datagram socket instead of libsystemd (docs/design/0017-service-manager.md).
///
/// `NOTIFY_SOCKET` names the socket: a path, or an abstract name written with a leading `@`.
/// Each message is one datagram of newline-separated `NAME=value` lines (`READY=1`,
/// `RELOADING=1`, `STOPPING=1`, `WATCHDOG=1`, `STATUS=…`). Sending never throws: a service
/// manager that went away must not stop the daemon; the result only tells tests what happened.
public struct ServiceManagerNotifier: Sendable, Hashable {
    /// The socket address as `NOTIFY_SOCKET` gave it.
    public let socketName: String

    /// The notifier for `NOTIFY_SOCKET`, or nil when it is unset, empty, or not a name this
    /// protocol allows (a relative path, or longer than `sun_path`).
    public init?(socketName: String) {
        guard socketName.hasPrefix("/") || socketName.hasPrefix("@") else { return nil }
        guard socketName.utf8.count >= 2, socketName.utf8.count < Self.pathCapacity else { return nil }
        self.socketName = socketName
    }

    /// The notifier for this environment (`NOTIFY_SOCKET`).
    public static func fromEnvironment(_ environment: [String: String]) -> ServiceManagerNotifier? {
        environment["NOTIFY_SOCKET"].flatMap { ServiceManagerNotifier(socketName: $0) }
    }

    /// `READY=1`: start-up (or a reload) finished and the daemon serves.
    @discardableResult
    public func ready(status: String) -> Bool { send(["READY=1", "STATUS=" + Self.oneLine(status)]) }

    /// `RELOADING=1` with the monotonic time the reload started, as `Type=notify-reload` requires.
    @discardableResult
    public func reloading(monotonicMicroseconds: UInt64, status: String = "reloading the configuration") -> Bool {
        send(["RELOADING=1", "MONOTONIC_USEC=\(monotonicMicroseconds)", "STATUS=" + Self.oneLine(status)])
    }

    /// `STOPPING=1`: the daemon began shutting down.
    @discardableResult
    public func stopping(status: String = "shutting down") -> Bool {
        send(["STOPPING=1", "STATUS=" + Self.oneLine(status)])
    }

    /// `WATCHDOG=1`: the keep-alive ping.
    @discardableResult
    public func watchdog() -> Bool { send(["WATCHDOG=1"]) }

    /// Sends one datagram holding these lines; false if the socket could not take it.
    @discardableResult
    public func send(_ lines: [String]) -> Bool {
        let message = Array(lines.joined(separator: "\n").utf8)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var name = Array(socketName.utf8)
        // An abstract name starts with a NUL byte where `@` stands, and is not NUL-terminated:
        // its length is part of the address.
        let abstract = name.first == UInt8(ascii: "@")
        if abstract { name[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            path.copyBytes(from: name.prefix(path.count - 1))
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path) ?? 2
        let length = socklen_t(pathOffset + name.count + (abstract ? 0 : 1))
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                message.withUnsafeBytes { bytes in
                    sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), socketAddress, length)
                }
            }
        }
        return sent == message.count
    }

    /// How often to send `WATCHDOG=1`: half of `WATCHDOG_USEC`, as sd_watchdog_enabled
    /// advises, or nil when the watchdog is off or meant for another process (`WATCHDOG_PID`).
    public static func watchdogInterval(environment: [String: String], processID: Int32) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = UInt64(text), microseconds > 0 else {
            return nil
        }
        if let pidText = environment["WATCHDOG_PID"], !pidText.isEmpty {
            guard let pid = Int32(pidText), pid == processID else { return nil }
        }
        return .microseconds(Int64(clamping: microseconds / 2))
    }

    /// The current CLOCK_MONOTONIC reading in microseconds (what MONOTONIC_USEC carries).
    public static func monotonicMicroseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(clamping: spec.tv_sec) &* 1_000_000 &+ UInt64(clamping: spec.tv_nsec) / 1_000
    }

    /// A STATUS value must stay on its line: a newline would start another assignment.
    static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }

    private static var pathCapacity: Int { MemoryLayout.size(ofValue: sockaddr_un().sun_path) }
}
