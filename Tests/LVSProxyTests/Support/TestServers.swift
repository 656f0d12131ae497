import Glibc
import LVSReactor
import Synchronization

/// Small blocking TCP/UDP servers and clients on loopback for the end-to-end tests. Every socket
/// has a receive timeout, so nothing waits forever.
enum Net {
    static func setTimeout(_ fd: Int32, milliseconds: Int = 5_000) {
        var tv = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// A blocking TCP connection to `address`; -1 on failure.
    static func connect(_ address: SocketAddress, timeoutMilliseconds: Int = 5_000) -> Int32 {
        let fd = socket(address.family == .inet ? AF_INET : AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        setTimeout(fd, milliseconds: timeoutMilliseconds)
        guard address.withSockAddr({ Glibc.connect(fd, $0, $1) }) == 0 else {
            close(fd)
            return -1
        }
        return fd
    }

    static func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    /// Reads until `count` bytes or EOF/timeout.
    static func receive(_ fd: Int32, count: Int) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while result.count < count {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, min($0.count, count - result.count), 0) }
            if n <= 0 { break }
            result += chunk[0..<n]
        }
        return result
    }

    /// Reads until EOF (or timeout).
    static func receiveAll(_ fd: Int32) -> [UInt8] { receive(fd, count: Int.max) }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    static func fnv(_ hash: inout UInt64, _ bytes: UnsafeRawBufferPointer) {
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01B3
        }
    }
}

/// A threaded TCP server on an ephemeral loopback port. Each connection runs `behaviour` on its
/// own thread; `stop()` closes the listener and joins everything.
final class TestTCPServer: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `acceptThread` is written once in init and read in
    // `stop()` by the creating test; shared state is behind the `state` and `killed` mutexes.
    enum Behaviour: Sendable {
        /// Reply "<name>\n" to each line-less read, echoing nothing else; close on EOF.
        case name(String)
        /// Echo every byte back; shut down write on EOF.
        case echo
        /// Read the PROXY header (up to the first "\r\n" for v1, or 16+len bytes for v2), record
        /// it, then answer with the name.
        case proxyHeader(String)
        /// Read everything to EOF, then reply with "<count> <fnv64 hex>\n".
        case checksum
        /// Send `count` bytes of a pattern, then close.
        case source(Int)
    }

    let port: UInt16
    let address: SocketAddress
    private let listener: Int32
    private let behaviour: Behaviour
    private var acceptThread: pthread_t?
    private let state = Mutex<(threads: [pthread_t], fds: [Int32], headers: [[UInt8]], accepted: Int)>(([], [], [], 0))
    /// Connections `killConnections` is tearing down: their serving threads must not send a FIN
    /// of their own on the way out, or the proxy may see an orderly close before the RST.
    private let killed = Mutex<Set<Int32>>([])

    init(_ behaviour: Behaviour, ipv6: Bool = false) {
        self.behaviour = behaviour
        let bind = ipv6 ? SocketAddress.loopbackIPv6(port: 0) : SocketAddress.loopbackIPv4(port: 0)
        listener =
            (try? Socket.makeTCPListener(TCPListenerOptions(address: bind, backlog: 128, reusePort: false))) ?? -1
        let local = (try? Socket.localAddress(listener)) ?? bind
        address = local
        port = local.port
        // Blocking accept on a non-blocking socket: clear O_NONBLOCK.
        let flags = fcntl(listener, F_GETFL)
        _ = fcntl(listener, F_SETFL, flags & ~O_NONBLOCK)
        acceptThread = spawn { [self] in acceptLoop() }
    }

    var headers: [[UInt8]] { state.withLock { $0.headers } }
    var accepted: Int { state.withLock { $0.accepted } }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 { return }
            Net.setTimeout(fd, milliseconds: 20_000)
            let thread = spawn { [self] in serve(fd) }
            state.withLock {
                $0.accepted += 1
                $0.fds.append(fd)
                if let thread { $0.threads.append(thread) }
            }
        }
    }

    private func serve(_ fd: Int32) {
        switch behaviour {
        case .name(let name):
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { break }
                if !Net.send(fd, Array("\(name)\n".utf8)) { break }
            }
            shutdown(fd, Int32(SHUT_WR))
        case .echo:
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { break }
                if !Net.send(fd, Array(buffer[0..<n])) { break }
            }
            if !killed.withLock({ $0.contains(fd) }) { shutdown(fd, Int32(SHUT_WR)) }
        case .proxyHeader(let name):
            var header = Net.receive(fd, count: 16)
            if header.starts(with: Array("PROXY".utf8)) {
                while !(header.count >= 2 && header[header.count - 2] == 13 && header[header.count - 1] == 10) {
                    let more = Net.receive(fd, count: 1)
                    if more.isEmpty { break }
                    header += more
                }
            } else if header.count == 16 {
                header += Net.receive(fd, count: Int(header[14]) << 8 | Int(header[15]))
            }
            state.withLock { $0.headers.append(header) }
            _ = Net.receive(fd, count: 1)
            _ = Net.send(fd, Array("\(name)\n".utf8))
            shutdown(fd, Int32(SHUT_WR))
        case .checksum:
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            var total = 0
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { break }
                total += n
                buffer.withUnsafeBytes { Net.fnv(&hash, UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            }
            _ = Net.send(fd, Array("\(total) \(String(hash, radix: 16))\n".utf8))
            shutdown(fd, Int32(SHUT_WR))
        case .source(let count):
            let chunk = [UInt8](repeating: 0x61, count: 65_536)
            var sent = 0
            while sent < count {
                if !Net.send(fd, Array(chunk[0..<min(chunk.count, count - sent)])) { break }
                sent += min(chunk.count, count - sent)
            }
        }
        // The close happens in stop(), so a test can observe half-closed states.
    }

    /// Closes the listener and every connection, and joins the threads.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        if let acceptThread { pthread_join(acceptThread, nil) }
        let (threads, fds) = state.withLock { state -> ([pthread_t], [Int32]) in
            defer {
                state.threads = []
                state.fds = []
            }
            return (state.threads, state.fds)
        }
        for fd in fds { shutdown(fd, Int32(SHUT_RDWR)) }
        for thread in threads { pthread_join(thread, nil) }
        for fd in fds { close(fd) }
    }

    /// Abruptly closes every accepted connection (a real server dying mid-stream).
    func killConnections() {
        let fds = state.withLock { state -> [Int32] in
            defer { state.fds = [] }
            return state.fds
        }
        killed.withLock { $0.formUnion(fds) }
        for fd in fds {
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            // SHUT_RD wakes the serving thread; close with SO_LINGER 0 sends RST.
            shutdown(fd, Int32(SHUT_RD))
            close(fd)
        }
    }
}

/// A UDP server that answers each datagram with "<name>:<datagram>".
final class TestUDPServer: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `thread` is written once in init and read only by `stop()`.
    let fd: Int32
    let port: UInt16
    private var thread: pthread_t?
    private let counter = DatagramCounter()

    init(name: String) {
        fd = (try? Socket.makeUDPSocket(UDPSocketOptions(address: .loopbackIPv4(port: 0), reusePort: false))) ?? -1
        port = (try? Socket.localAddress(fd))?.port ?? 0
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)
        let fd = self.fd
        let counter = self.counter
        thread = spawn {
            var buffer = [UInt8](repeating: 0, count: 2048)
            var storage = sockaddr_storage()
            while true {
                var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let n = buffer.withUnsafeMutableBytes { bytes in
                    withUnsafeMutablePointer(to: &storage) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            recvfrom(fd, bytes.baseAddress, bytes.count, 0, $0, &length)
                        }
                    }
                }
                if n <= 0 { return }
                counter.count.withLock { $0 += 1 }
                let reply = Array("\(name):".utf8) + buffer[0..<n]
                _ = reply.withUnsafeBytes { bytes in
                    withUnsafePointer(to: &storage) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            sendto(fd, bytes.baseAddress, bytes.count, 0, $0, length)
                        }
                    }
                }
            }
        }
    }

    var datagrams: Int { counter.count.withLock { $0 } }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        if let thread { pthread_join(thread, nil) }
        close(fd)
    }
}

/// A UDP client socket with a receive timeout.
struct TestUDPClient {
    let fd: Int32

    init() {
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        Net.setTimeout(fd, milliseconds: 3_000)
    }

    func exchange(_ text: String, with address: SocketAddress) -> String? {
        let bytes = Array(text.utf8)
        let sent = bytes.withUnsafeBytes { raw in
            address.withSockAddr { sendto(fd, raw.baseAddress, raw.count, 0, $0, $1) }
        }
        guard sent == bytes.count else { return nil }
        var buffer = [UInt8](repeating: 0, count: 2048)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
    }

    func close() { Glibc.close(fd) }
}

/// Starts a detached-body pthread (joinable) running `body`.
func spawn(_ body: @escaping @Sendable () -> Void) -> pthread_t? {
    var thread = pthread_t()
    let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    let rc = pthread_create(
        &thread, nil,
        { raw in
            let box = Unmanaged<AnyObject>.fromOpaque(raw!).takeRetainedValue() as! ThreadBody
            box.body()
            return nil
        }, box)
    if rc != 0 {
        Unmanaged<AnyObject>.fromOpaque(box).release()
        return nil
    }
    return thread
}

final class ThreadBody: Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}

final class DatagramCounter: Sendable {
    let count = Mutex(0)
}
