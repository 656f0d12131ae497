import Glibc
import LVSReactor
import Synchronization

/// A threaded HTTP/1.1 real server on an ephemeral loopback port for the content-switching
/// tests: keep-alive, Content-Length and chunked request bodies, each response's body is
/// "<name> <method> <target>\n"; `Upgrade: websocket` gets a 101 and then an echo; a target
/// starting with /login sets the application cookie `JSESSIONID=<name>-session`. Every
/// request head it received is recorded.
final class TestHTTPServer: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `acceptThread` is written once in init and read in
    // `stop()` by the creating test; shared state is behind the `state` mutex.
    let name: String
    let port: UInt16
    let address: SocketAddress
    private let listener: Int32
    private var acceptThread: pthread_t?
    private let state = Mutex<(threads: [pthread_t], fds: [Int32], heads: [String], accepted: Int)>(([], [], [], 0))

    /// After answering this many requests on a connection, the next request on it is not answered:
    /// the connection is closed silently, as a real server whose keep-alive timeout ran out just as
    /// the request was sent on it (docs/design/0019 "Retry").
    let closeAfterRequests: Int?

    init(name: String, closeAfterRequests: Int? = nil) {
        self.name = name
        self.closeAfterRequests = closeAfterRequests
        let bind = SocketAddress.loopbackIPv4(port: 0)
        listener =
            (try? Socket.makeTCPListener(TCPListenerOptions(address: bind, backlog: 128, reusePort: false))) ?? -1
        let local = (try? Socket.localAddress(listener)) ?? bind
        address = local
        port = local.port
        let flags = fcntl(listener, F_GETFL)
        _ = fcntl(listener, F_SETFL, flags & ~O_NONBLOCK)
        acceptThread = spawn { [self] in acceptLoop() }
    }

    /// Request heads received, oldest first.
    var heads: [String] { state.withLock { $0.heads } }
    /// Connections accepted.
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
        var pending: [UInt8] = []
        // Bounded: each request is read within the socket timeout or the loop ends.
        for served in 0..<10_000 {
            guard let headEnd = Self.readHead(fd, &pending) else { break }
            if served == closeAfterRequests {
                // Closed, not answered; `stop()` closes the descriptor.
                shutdown(fd, Int32(SHUT_RDWR))
                return
            }
            let head = String(decoding: pending[0..<headEnd], as: UTF8.self)
            pending.removeFirst(headEnd)
            state.withLock { $0.heads.append(head) }
            let lines = head.split(separator: "\r\n")
            let requestLine = lines.first.map(String.init) ?? ""
            let parts = requestLine.split(separator: " ")
            let method = parts.first.map(String.init) ?? "?"
            let target = parts.count > 1 ? String(parts[1]) : "?"
            let lower = head.lowercased()
            if let length = Self.field("content-length", in: lower).flatMap({ Int($0) }) {
                while pending.count < length {
                    let more = Net.receive(fd, count: length - pending.count)
                    if more.isEmpty { return }
                    pending += more
                }
                pending.removeFirst(length)
            } else if Self.field("transfer-encoding", in: lower) == "chunked" {
                // The test bodies end with "0\r\n\r\n" and no trailers.
                while !Self.endsChunked(pending) {
                    let more = Net.receive(fd, count: 1)
                    if more.isEmpty { return }
                    pending += more
                }
                pending.removeAll()
            }
            if Self.field("upgrade", in: lower) == "websocket" {
                let answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                guard Net.send(fd, Array(answer.utf8)) else { return }
                if !pending.isEmpty { _ = Net.send(fd, pending) }
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                    if n <= 0 { break }
                    if !Net.send(fd, Array(buffer[0..<n])) { break }
                }
                shutdown(fd, Int32(SHUT_WR))
                return
            }
            let body = method == "HEAD" ? "" : "\(name) \(method) \(target)\n"
            let close = Self.field("connection", in: lower) == "close"
            let length = "\(name) \(method) \(target)\n".utf8.count
            let response =
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(length)\r\n"
                + (close ? "Connection: close\r\n" : "")
                + (target.hasPrefix("/login") ? "Set-Cookie: JSESSIONID=\(name)-session; Path=/\r\n" : "")
                + "\r\n" + body
            guard Net.send(fd, Array(response.utf8)) else { return }
            if close { break }
        }
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Reads until the head's empty line; the offset just after it, nil at EOF or timeout.
    private static func readHead(_ fd: Int32, _ pending: inout [UInt8]) -> Int? {
        for _ in 0..<100_000 {
            if let end = headEnd(pending) { return end }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return nil }
            pending += chunk[0..<n]
        }
        return nil
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 3..<bytes.count where bytes[i] == 10 && bytes[i - 1] == 13 && bytes[i - 2] == 10 && bytes[i - 3] == 13
        {
            return i + 1
        }
        return nil
    }

    private static func endsChunked(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 5 && Array(bytes.suffix(5)) == Array("0\r\n\r\n".utf8)
    }

    /// A field's value in a lower-cased head.
    static func field(_ name: String, in head: String) -> String? {
        for line in head.split(separator: "\r\n") where line.hasPrefix(name + ":") {
            return trimmed(line.dropFirst(name.count + 1))
        }
        return nil
    }

    private static func trimmed(_ text: Substring) -> String {
        var s = text
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }

    /// Closes every accepted connection from the server's side (as a real server whose
    /// keep-alive timeout ran out while the connection was idle).
    func dropConnections() {
        let fds = state.withLock { $0.fds }
        for fd in fds { shutdown(fd, Int32(SHUT_RDWR)) }
    }

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
}
