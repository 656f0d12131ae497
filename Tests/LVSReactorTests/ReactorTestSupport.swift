import CLinuxNet
import Glibc
import Synchronization
import Testing

@testable import LVSReactor

/// Stops a reactor if a test has not finished within `seconds`, so a broken reactor fails the
/// test instead of hanging it. It waits with poll(2) on a pipe the test writes to when done:
/// a bound, not a sleep, and no assertion depends on its timing.
final class Watchdog: Sendable {
    private final class FiredBox: Sendable {
        let fired = Atomic<Bool>(false)
    }

    private let pipeFDs: (read: Int32, write: Int32)
    private let thread: ReactorThread
    private let box: FiredBox

    init(seconds: Int32 = 20, onTimeout: @escaping @Sendable () -> Void) throws {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw SystemError.last("pipe") }
        let pipeFDs = (read: fds[0], write: fds[1])
        self.pipeFDs = pipeFDs
        let box = FiredBox()
        self.thread = try ReactorThread.spawn(name: "watchdog") {
            var pollFD = pollfd(fd: pipeFDs.read, events: Int16(POLLIN), revents: 0)
            if poll(&pollFD, 1, seconds * 1000) == 0 {
                box.fired.store(true, ordering: .sequentiallyConsistent)
                onTimeout()
            }
        }
        self.box = box
    }

    /// Ends the watchdog; returns true if it had to stop the reactor (the test timed out).
    func finish() -> Bool {
        var byte: UInt8 = 1
        _ = write(pipeFDs.write, &byte, 1)
        thread.join()
        close(pipeFDs.read)
        close(pipeFDs.write)
        return box.fired.load(ordering: .sequentiallyConsistent)
    }
}

/// Blocking test clients (plain Glibc sockets) with short timeouts so a stuck server fails the
/// test rather than hanging it.
enum TestClient {
    static func connect(to address: SocketAddress, timeoutSeconds: Int = 10) throws -> Int32 {
        let family = address.family == .inet ? AF_INET : AF_INET6
        let fd = socket(family, CLINUXNET_SOCK_STREAM | CLINUXNET_SOCK_CLOEXEC, 0)
        guard fd >= 0 else { throw SystemError.last("socket") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let rc = address.withSockAddr { Glibc.connect(fd, $0, $1) }
        guard rc == 0 else {
            let error = SystemError.last("connect")
            close(fd)
            throw error
        }
        return fd
    }

    /// Sends all of `bytes` (blocking, bounded by SO_SNDTIMEO).
    static func sendAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) throws {
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, CLINUXNET_MSG_NOSIGNAL) }
            guard sent > 0 else { throw SystemError.last("send") }
            offset += sent
        }
    }

    /// Receives whatever is available now, without blocking, appending to `into`.
    static func receiveAvailable(_ fd: Int32, into received: inout [UInt8]) throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, CLINUXNET_MSG_DONTWAIT) }
            if count > 0 {
                received.append(contentsOf: chunk[0..<count])
                continue
            }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            if count == 0 { return }
            throw SystemError.last("recv")
        }
    }

    /// Receives until `count` bytes in total or EOF (blocking, bounded by SO_RCVTIMEO).
    static func receive(_ fd: Int32, until count: Int, into received: inout [UInt8]) throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while received.count < count {
            let got = chunk.withUnsafeMutableBytes {
                recv(fd, $0.baseAddress, min($0.count, count - received.count), 0)
            }
            if got == 0 { return }
            guard got > 0 else { throw SystemError.last("recv") }
            received.append(contentsOf: chunk[0..<got])
        }
    }
}
