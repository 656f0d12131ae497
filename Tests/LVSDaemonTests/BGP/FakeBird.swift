import Foundation
import Glibc

/// Stands in for BIRD's control socket: greets as BIRD does, answers `configure` with
/// `0003 Reconfigured`, and records the include file's text at each `configure` — what BIRD
/// would have read. Accepts until `stop`; every wait inside is bounded (poll 100 ms).
final class FakeBird: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `seen` and `running` are only touched under `lock`;
    // the paths and the descriptor are immutable after init.
    let socketPath: String
    let includeFile: String
    private let fd: Int32
    private let lock = NSLock()
    private var seen: [String] = []
    private var running = true

    init(socketPath: String, includeFile: String) throws {
        self.socketPath = socketPath
        self.includeFile = includeFile
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(socketPath.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard fd >= 0, bound == 0, listen(fd, 8) == 0 else { throw FakeBirdError() }
        TestThread { [self] in serve() }.start()
    }

    /// The include file's text at each `configure`, oldest first.
    var configurations: [String] { lock.withLock { seen } }

    func stop() {
        lock.withLock { running = false }
    }

    private func serve() {
        defer { close(fd) }
        while lock.withLock({ running }) {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let connection = accept(fd, nil, nil)
            guard connection >= 0 else { continue }
            handle(connection)
            close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        _ = setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        send("0001 BIRD 2.0.12 ready.\n", to: connection)
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return }
            pending += buffer.prefix(count)
            while let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<end], as: UTF8.self)
                pending.removeSubrange(...end)
                if line == "configure" {
                    let text = (try? String(contentsOfFile: includeFile, encoding: .utf8)) ?? "<unreadable>"
                    lock.withLock { seen.append(text) }
                    send("0002-Reading configuration from /etc/bird/bird.conf\n0003 Reconfigured\n", to: connection)
                } else {
                    send("9001 Unknown command\n", to: connection)
                }
            }
        }
    }

    private func send(_ text: String, to connection: Int32) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}

struct FakeBirdError: Error {}
