import CLinuxNet
import Glibc
import LVSCore

/// The backup's socket of one sync thread (reference §7.1), set up as the kernel sets up its
/// own: UDP with SO_REUSEADDR, tied to the multicast interface (SO_BINDTODEVICE, the kernel's
/// bound device), SO_RCVBUF from `sync_sock_size` when set, bound to group:port+thread and
/// joined to the group on that interface (IP_ADD_MEMBERSHIP with the ifindex /
/// IPV6_ADD_MEMBERSHIP); non-blocking and close-on-exec. The daemon polls `fd` and calls
/// `receive(into:)` until it returns nil.
///
/// Owned by the one thread that reads it.
public final class SyncReceiver {
    public let configuration: SyncTransportConfiguration
    public let interface: SyncInterface
    /// The descriptor for a reactor or poll loop, or -1 once closed.
    public private(set) var fd: Int32

    /// Opens, binds and joins in the calling thread's network namespace.
    public init(_ configuration: SyncTransportConfiguration) throws(SyncTransportError) {
        try configuration.validate()
        let interface = try SyncInterface.lookup(configuration.interfaceName)
        let group = configuration.group
        let port = configuration.port
        fd = try SyncSocketSetup.opened(group.family) { fd throws(SyncTransportError) in
            let name = interface.name
            try SyncSocketSetup.option(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR")
            try SyncSocketSetup.check(clinuxvrrp_bind_to_device(fd, name), "SO_BINDTODEVICE \(name)")
            if let size = configuration.socketBufferSize {
                try SyncSocketSetup.option(fd, SOL_SOCKET, SO_RCVBUF, Int32(clamping: size), "SO_RCVBUF \(size)")
            }
            let scope = UInt32(bitPattern: interface.index)
            try SyncSocketSetup.bind(fd, group, port: port, scopeID: scope, "bind \(group) port \(port)")
            switch group.family {
            case .inet:
                try SyncSocketSetup.check(
                    clinuxvrrp_join_ipv4(fd, group.ipv4Value.bigEndian, interface.index),
                    "IP_ADD_MEMBERSHIP \(group) on \(name)")
            case .inet6:
                try SyncSocketSetup.check(
                    clinuxvrrp_join_ipv6(fd, group.bytes, interface.index), "IPV6_ADD_MEMBERSHIP \(group) on \(name)")
            }
        }
        self.configuration = configuration
        self.interface = interface
    }

    deinit { close() }

    /// Reads the next waiting datagram into `buffer` (size it with
    /// `interface.backupMaximumLength(groupFamily:)`): its length and the master's address, or
    /// nil when none is waiting. A datagram longer than the buffer comes back cut to it, so
    /// the codec drops it for its size, as the kernel's backup does (reference §7.5 step 1).
    public func receive(into buffer: inout [UInt8]) throws(SyncTransportError) -> (count: Int, sender: IPAddress)? {
        guard fd >= 0 else { throw .systemCall(operation: "receive on a closed sync socket", code: EBADF) }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        var sender: IPAddress? = nil
        let count = buffer.withUnsafeMutableBytes { bytes in
            withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    var result: Int
                    repeat {
                        result = recvfrom(fd, bytes.baseAddress, bytes.count, 0, address, &length)
                    } while result < 0 && errno == EINTR
                    if result >= 0 { sender = SyncSocketAddress.address(of: address)?.address }
                    return result
                }
            }
        }
        guard count >= 0 else {
            if errno == EAGAIN || errno == EWOULDBLOCK { return nil }
            throw .fromErrno("recvfrom on \(interface.name)")
        }
        guard let sender else {
            throw .systemCall(operation: "recvfrom on \(interface.name): no sender address", code: EINVAL)
        }
        return (count, sender)
    }

    /// Leaves the group and closes the socket (closing drops the membership); later calls do
    /// nothing and `receive` throws EBADF.
    public func close() {
        guard fd >= 0 else { return }
        _ = Glibc.close(fd)
        fd = -1
    }
}
