#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A connected, blocking Unix stream socket: the few system calls the control client needs.
struct UnixSocket: ~Copyable {
    let descriptor: Int32

    /// An errno with the call that failed, for messages like `connect: Connection refused`.
    struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        var call: String
        var code: Int32
        var description: String {
            code == 0 ? call : String(cString: strerror(code))
        }
    }

    /// Connects to `path`; reads and writes then time out after `timeoutMilliseconds`.
    static func connect(path: String, timeoutMilliseconds: Int) -> Result<UnixSocket, Failure> {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !pathBytes.isEmpty, pathBytes.count < capacity else {
            return .failure(Failure(call: "socket path too long (at most \(capacity - 1) bytes)", code: 0))
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(Failure(call: "socket", code: errno)) }
        var timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: (timeoutMilliseconds % 1000) * 1000)
        let size = socklen_t(MemoryLayout<timeval>.size)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, size)
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, size)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            Glibc.close(fd)
            return .failure(Failure(call: "connect", code: code))
        }
        return .success(UnixSocket(descriptor: fd))
    }

    /// Writes every byte or fails.
    func writeAll(_ bytes: [UInt8]) -> Failure? {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                return Failure(call: "send", code: errno)
            }
            offset += written
        }
        return nil
    }

    /// Reads until `\n` (returned without it) or fails; at most `limit` bytes.
    func readLine(limit: Int, carry: inout [UInt8]) -> Result<[UInt8], Failure> {
        var chunk = [UInt8](repeating: 0, count: 65536)
        // Bytes already searched for the newline: a reply of hundreds of MiB (a large
        // connection listing) is scanned once, not once per chunk (design 0024).
        var scanned = 0
        while true {
            if let newline = carry[scanned...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(carry[..<newline])
                carry.removeSubrange(...newline)
                return .success(line)
            }
            guard carry.count <= limit else {
                return .failure(Failure(call: "reply longer than \(limit) bytes", code: 0))
            }
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                let code = errno
                if code == EAGAIN || code == EWOULDBLOCK {
                    return .failure(Failure(call: "timed out waiting for lvsd", code: 0))
                }
                return .failure(Failure(call: "recv", code: code))
            }
            if count == 0 { return .failure(Failure(call: "lvsd closed the connection", code: 0)) }
            scanned = carry.count
            carry.append(contentsOf: chunk[0..<count])
        }
    }

    consuming func close() {
        Glibc.close(descriptor)
        discard self
    }

    deinit { Glibc.close(descriptor) }
}
