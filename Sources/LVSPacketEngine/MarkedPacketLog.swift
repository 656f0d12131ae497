import CLinuxNet
import Glibc

/// The engine's way to the packets of firewall-mark services (reference §4.7,
/// docs/design/0009-packet-engine.md "Firewall-mark services"): netfilter marks them in
/// PREROUTING (the operator's mangle rules), after the AF_PACKET taps, so the rings cannot tell
/// them. A rule of the engine's `inet` table, after mangle, copies each marked packet to this
/// nfnetlink_log group and drops it; one worker reads the copies here and forwards them as it
/// forwards frames from its rings.
///
/// One socket bound to one group; non-blocking. Overflow of the socket's buffer (ENOBUFS) is
/// reported by `receive` so the worker can count the packets as lost.
final class MarkedPacketLog: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `buffer` is used by `init`/`close` or the reading worker, never both.
    let fd: Int32
    let group: UInt16
    /// Large enough for one copied packet of the largest size nfnetlink_log copies, with headers.
    let buffer: UnsafeMutableRawBufferPointer

    /// Opens the socket and binds `group`; throws with the failing call and errno (EBUSY when
    /// another process holds the group).
    init(group: UInt16) throws(PacketEngineError) {
        let fd = clinuxpacket_netfilter_socket(8 << 20)
        guard fd >= 0 else { throw .fromErrno("socket(AF_NETLINK, NETLINK_NETFILTER)", errno) }
        self.fd = fd
        self.group = group
        buffer = .allocate(byteCount: 128 << 10, alignment: 8)
        do throws(PacketEngineError) {
            try request(NFLogMessage.configRequest(group: group, sequence: 1, command: .bind))
            try request(NFLogMessage.configRequest(group: group, sequence: 2, command: nil))
        } catch {
            Glibc.close(fd)
            buffer.deallocate()
            throw error
        }
    }

    deinit {
        buffer.deallocate()
    }

    func close() {
        _ = try? request(NFLogMessage.configRequest(group: group, sequence: 3, command: .unbind))
        Glibc.close(fd)
    }

    /// Sends one request and waits (up to one second) for its acknowledgement.
    private func request(_ message: [UInt8]) throws(PacketEngineError) {
        let sent = message.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == message.count else { throw .fromErrno("send(NFULNL_MSG_CONFIG)", errno) }
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        for _ in 0..<10 {
            guard poll(&poller, 1, 100) > 0 else { continue }
            let count = Glibc.recv(fd, buffer.baseAddress, buffer.count, 0)
            guard count > 0 else { continue }
            let parsed = NFLogMessage.parse(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            if let code = parsed.errors.first {
                guard code == 0 else { throw .fromErrno("nfnetlink_log group \(group)", -code) }
                return
            }
        }
        throw .system("nfnetlink_log group \(group): no acknowledgement", errno: ETIMEDOUT)
    }

    /// What one `receive` gave.
    enum Received {
        /// A datagram of `count` bytes is in `buffer`.
        case datagram(count: Int)
        /// Nothing more to read now.
        case empty
        /// The kernel dropped copies because the socket's buffer was full.
        case overflow
    }

    /// Reads the next datagram without blocking.
    func receive() -> Received {
        let count = Glibc.recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
        if count > 0 { return .datagram(count: count) }
        return count < 0 && errno == ENOBUFS ? .overflow : .empty
    }
}
