import CLinuxNet
import Glibc

/// The outcome of one non-blocking read, write or splice. Would-block is a result, not an error.
public enum IOResult: Sendable, Equatable {
    /// Bytes moved (a write or splice may move fewer than asked).
    case transferred(Int)
    /// EAGAIN: wait for the next readable/writable edge.
    case wouldBlock
    /// A read returned 0: the peer sent FIN (or, for splice, the source is at end of file).
    case endOfFile
    case failed(SystemError)
}

/// The kernel's TCP_INFO counters the engines report (per connection, for `ipvsadm -L --stats`
/// packet counts: DESIGN.md §6).
public struct TCPInfo: Sendable, Hashable {
    public var segmentsIn: UInt32
    public var segmentsOut: UInt32
    public var bytesAcked: UInt64
    public var bytesReceived: UInt64
    /// TCP state (1 = ESTABLISHED … 11 = CLOSING; linux/tcp.h TCP_ESTABLISHED…).
    public var state: UInt8
    /// Smoothed round-trip time, microseconds.
    public var roundTripMicroseconds: UInt32
}

/// The peer of a Unix-domain socket (SO_PEERCRED), used by the control socket (DESIGN.md §5).
public struct PeerCredentials: Sendable, Hashable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
}

extension Socket {
    /// One `read` (retrying EINTR).
    @inlinable
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> IOResult {
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count > 0 { return .transferred(count) }
            if count == 0 { return buffer.isEmpty ? .transferred(0) : .endOfFile }
            let error = SystemError.last("read")
            if error.errno == EINTR { continue }
            return error.errno == EAGAIN || error.errno == EWOULDBLOCK ? .wouldBlock : .failed(error)
        }
    }

    /// One `send` with MSG_NOSIGNAL (a vanished peer is EPIPE, not SIGPIPE), retrying EINTR.
    @inlinable
    public static func write(_ fd: Int32, from buffer: UnsafeRawBufferPointer) -> IOResult {
        while true {
            let count = Glibc.send(fd, buffer.baseAddress, buffer.count, CLINUXNET_MSG_NOSIGNAL)
            if count >= 0 { return .transferred(count) }
            let error = SystemError.last("send")
            if error.errno == EINTR { continue }
            return error.errno == EAGAIN || error.errno == EWOULDBLOCK ? .wouldBlock : .failed(error)
        }
    }

    /// One `splice(from, to, count, SPLICE_F_MOVE | SPLICE_F_NONBLOCK)`: socket → pipe or pipe →
    /// socket. Would-block means either side is full/empty; SIGPIPE must be ignored
    /// (`ignoreBrokenPipeSignal`).
    @inlinable
    public static func splice(from source: Int32, to destination: Int32, count: Int) -> IOResult {
        while true {
            let moved = clinuxnet_splice(source, destination, count)
            if moved > 0 { return .transferred(moved) }
            if moved == 0 { return count == 0 ? .transferred(0) : .endOfFile }
            let error = SystemError.last("splice")
            if error.errno == EINTR { continue }
            return error.errno == EAGAIN || error.errno == EWOULDBLOCK ? .wouldBlock : .failed(error)
        }
    }

    /// `shutdown(SHUT_WR)`: passes a half-close on to the other side (DESIGN.md §6).
    public static func shutdownWrite(_ fd: Int32) throws(SystemError) {
        try check(Glibc.shutdown(fd, Int32(SHUT_WR)), "shutdown")
    }

    /// `recvmmsg` (no timeout): datagrams received into `messages`, 0 for would-block.
    public static func receiveMessages(
        _ fd: Int32, _ messages: UnsafeMutablePointer<clinuxnet_mmsghdr>, count: Int
    ) throws(SystemError) -> Int {
        let received = clinuxnet_recvmmsg(fd, messages, UInt32(clamping: count), CLINUXNET_MSG_DONTWAIT)
        if received >= 0 { return Int(received) }
        let error = SystemError.last("recvmmsg")
        if error.errno == EAGAIN || error.errno == EWOULDBLOCK || error.errno == EINTR { return 0 }
        throw error
    }

    /// `sendmmsg`: datagrams sent from `messages` (maybe fewer than `count`), 0 for would-block.
    public static func sendMessages(
        _ fd: Int32, _ messages: UnsafeMutablePointer<clinuxnet_mmsghdr>, count: Int
    ) throws(SystemError) -> Int {
        let sent = clinuxnet_sendmmsg(
            fd, messages, UInt32(clamping: count), CLINUXNET_MSG_DONTWAIT | CLINUXNET_MSG_NOSIGNAL)
        if sent >= 0 { return Int(sent) }
        let error = SystemError.last("sendmmsg")
        if error.errno == EAGAIN || error.errno == EWOULDBLOCK || error.errno == EINTR { return 0 }
        throw error
    }

    /// TCP_INFO counters of a TCP socket.
    public static func tcpInfo(_ fd: Int32) throws(SystemError) -> TCPInfo {
        var info = clinuxnet_tcp_info()
        guard clinuxnet_get_tcp_info(fd, &info) == 0 else { throw SystemError.last("getsockopt(TCP_INFO)") }
        return TCPInfo(
            segmentsIn: info.segs_in, segmentsOut: info.segs_out, bytesAcked: info.bytes_acked,
            bytesReceived: info.bytes_received, state: info.state, roundTripMicroseconds: info.rtt_us)
    }

    /// SO_PEERCRED of a connected Unix-domain socket.
    public static func peerCredentials(_ fd: Int32) throws(SystemError) -> PeerCredentials {
        var credentials = clinuxnet_peer_credentials()
        guard clinuxnet_get_peer_credentials(fd, &credentials) == 0 else {
            throw SystemError.last("getsockopt(SO_PEERCRED)")
        }
        return PeerCredentials(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid)
    }
}
