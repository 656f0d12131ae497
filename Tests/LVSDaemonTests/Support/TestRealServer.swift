import Dispatch
import Glibc
import Synchronization

/// A TCP real server on 127.0.0.1 for tests: answers every read with `NAME:` and the bytes
/// read, so a client sees which real server the director picked and that its connection is
/// still the same one. Each accepted connection is served on a thread of its own.
///
/// Bounded: the accept loop polls with a timeout and ends when `stop()` is called; connection
/// threads end when the peer closes or `stop()` shuts their sockets.
final class TestRealServer: Sendable {
    let name: String
    let port: UInt16
    private let listener: Int32
    private let state = Mutex(State())

    private struct State {
        var accepted = 0
        var stopped = false
        var connections: [Int32] = []
    }

    /// Listens on 127.0.0.1 (`port` 0: any free port).
    init(name: String, port: UInt16 = 0) throws {
        self.name = name
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestSocketError(what: "socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = TestSockets.loopback(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw TestSocketError(what: "bind/listen on port \(port)")
        }
        self.listener = fd
        self.port = TestSockets.localPort(fd)
        let thread = TestThread { [self] in self.acceptLoop() }
        thread.start()
    }

    /// How many connections it accepted.
    var acceptedCount: Int { state.withLock { $0.accepted } }

    /// Stops accepting and closes every connection (a real server going down).
    func stop() {
        // Under the lock that `serve` closes its fd under: an fd in the list is still ours. A
        // shutdown on an fd already closed would hit whatever another test opened on that number.
        state.withLock { state in
            state.stopped = true
            for fd in state.connections { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop() {
        defer { close(listener) }
        while !state.withLock({ $0.stopped }) {
            var pollfd = Glibc.pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&pollfd, 1, 50) == 1 else { continue }
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { continue }
            state.withLock {
                $0.accepted += 1
                $0.connections.append(fd)
            }
            let thread = TestThread { [self] in self.serve(fd) }
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer {
            state.withLock { state in
                state.connections.removeAll { $0 == fd }
                close(fd)
            }
        }
        let prefix = Array("\(name):".utf8)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            let reply = prefix + buffer[0..<count]
            guard TestSockets.writeAll(fd, reply) else { return }
        }
    }
}

/// A thread without Foundation: a detached pthread running `body`.
final class TestThread: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `body` is set once in init and only read by the thread.
    private let body: () -> Void

    init(_ body: @escaping @Sendable () -> Void) { self.body = body }

    func start() {
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        pthread_create(
            &thread, nil,
            { raw in
                guard let raw else { return nil }
                let me = Unmanaged<TestThread>.fromOpaque(raw).takeRetainedValue()
                me.body()
                return nil
            }, box)
        pthread_detach(thread)
    }
}

struct TestSocketError: Error, CustomStringConvertible {
    var what: String
    var description: String { "\(what) failed: errno \(errno)" }
}

/// Blocking loopback sockets for tests, every wait bounded by a receive timeout.
enum TestSockets {
    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    static func localPort(_ fd: Int32) -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    /// A port that was free a moment ago.
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = loopback(port: 0)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        let port = localPort(fd)
        guard port != 0 else { throw TestSocketError(what: "free port") }
        return port
    }

    /// A connected blocking socket to 127.0.0.1:`port` whose reads time out after `timeoutSeconds`.
    static func connect(port: UInt16, timeoutSeconds: Int = 5) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestSocketError(what: "socket") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw TestSocketError(what: "connect to 127.0.0.1:\(port)")
        }
        return fd
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes {
                send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    /// Sends `text` and reads until `expectedLength` bytes came back (or EOF/timeout): the reply.
    static func exchange(_ fd: Int32, _ text: String, expectedLength: Int) -> String {
        guard writeAll(fd, Array(text.utf8)) else { return "<write failed>" }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while reply.count < expectedLength {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            reply += buffer[0..<count]
        }
        return String(decoding: reply, as: UTF8.self)
    }
}
