import Glibc

/// Sends one command over BIRD's control socket and reads its reply (the protocol birdc
/// speaks: a greeting `0001 BIRD … ready.`, then one reply per command line).
///
/// Contract: blocking, bounded by `timeout` per read and write (SO_RCVTIMEO/SO_SNDTIMEO);
/// call it from the announcement queue, never from an event loop.
struct BirdControlClient: Sendable {
    var socketPath: String
    var timeout: Duration = .seconds(5)

    /// Runs `command` (e.g. `configure`) and returns BIRD's reply.
    func run(_ command: String) throws(BirdControlError) -> BirdReply {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system("socket", errno) }
        defer { close(fd) }
        var time = timeval(
            tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let name = Array(socketPath.utf8)
        guard name.count < MemoryLayout.size(ofValue: address.sun_path) else { throw .pathTooLong(socketPath) }
        withUnsafeMutableBytes(of: &address.sun_path) { path in path.copyBytes(from: name) }
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { throw .system("connect to \(socketPath)", errno) }
        var reader = BirdReply.Reader()
        let greeting = try read(fd, into: &reader)
        guard greeting.code == 1 else { throw .refused(greeting) }
        let line = Array((command + "\n").utf8)
        let written = line.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard written == line.count else { throw .system("write to \(socketPath)", errno) }
        return try read(fd, into: &reader)
    }

    private func read(_ fd: Int32, into reader: inout BirdReply.Reader) throws(BirdControlError) -> BirdReply {
        var chunk = [UInt8](repeating: 0, count: 4096)
        // Bounded: each read waits at most `timeout`, and a reply is at most 1 MiB (Reader).
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 { throw .system("read from \(socketPath)", errno) }
            if count == 0 { throw .closed }
            do {
                if let reply = try reader.received(chunk.prefix(count)) { return reply }
            } catch {
                throw .protocolError(error)
            }
        }
    }
}

/// Why a command could not be run over BIRD's control socket.
enum BirdControlError: Error, Sendable, CustomStringConvertible {
    case system(String, Int32)
    case pathTooLong(String)
    case closed
    case refused(BirdReply)
    case protocolError(BirdProtocolError)

    var description: String {
        switch self {
        case .system(let what, let code): return "\(what): \(String(cString: strerror(code)))"
        case .pathTooLong(let path): return "control socket path \(path) is too long for a Unix socket"
        case .closed: return "BIRD closed the control connection"
        case .refused(let reply): return "BIRD answered \(reply.code): \(reply.lines.joined(separator: " / "))"
        case .protocolError(let error): return error.description
        }
    }
}
