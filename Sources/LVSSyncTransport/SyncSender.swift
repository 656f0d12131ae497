import CLinuxNet
import Glibc
import LVSCore

/// The master's socket of one sync thread (reference §7.1), set up as the kernel sets up its own:
/// UDP bound to the multicast interface's address with an ephemeral port, connected to
/// group:port+thread; IP_MULTICAST_IF / IPV6_MULTICAST_IF naming the interface, multicast loop
/// off (a master does not read its own messages), TTL / hop limit as configured, path-MTU
/// discovery off (IP_PMTUDISC_DONT: DF clear, so a router with a smaller MTU fragments rather
/// than drops), SO_SNDBUF from `sync_sock_size` when set; non-blocking and close-on-exec.
///
/// Owned by the one thread that sends for it (the counters are plain stored properties).
public final class SyncSender {
    public let configuration: SyncTransportConfiguration
    public let interface: SyncInterface
    /// The address the datagrams leave from: the receivers' `sender` for this master.
    public let sourceAddress: IPAddress
    /// The ephemeral UDP port the kernel chose.
    public let sourcePort: UInt16
    /// The descriptor, or -1 once closed.
    public private(set) var fd: Int32
    public private(set) var counters = SyncSendCounters()

    /// Opens and configures the socket in the calling thread's network namespace.
    public init(_ configuration: SyncTransportConfiguration) throws(SyncTransportError) {
        try configuration.validate()
        let interface = try SyncInterface.lookup(configuration.interfaceName)
        let family = configuration.group.family
        let source = try interface.sourceAddress(family: family)
        let scope = UInt32(bitPattern: interface.index)
        fd = try SyncSocketSetup.opened(family) { fd throws(SyncTransportError) in
            try Self.configure(fd, configuration, interface)
            // A link-local source needs its interface named; a global one ignores the scope.
            try SyncSocketSetup.bind(
                fd, source, port: 0, scopeID: source.isIPv6LinkLocal ? scope : 0, "bind \(source) on \(interface.name)")
            let connected = SyncSocketAddress.withSockaddr(
                configuration.group, port: configuration.port, scopeID: scope
            ) { Glibc.connect(fd, $0, $1) }
            try SyncSocketSetup.check(connected, "connect \(configuration.group) port \(configuration.port)")
        }
        self.configuration = configuration
        self.interface = interface
        sourceAddress = source
        sourcePort = Self.localPort(fd) ?? 0
    }

    deinit { close() }

    /// Sends one message to the group without waiting. A full socket buffer (EAGAIN, ENOBUFS)
    /// counts in `counters.bufferFull`, any other failure in `counters.failed` with its errno in
    /// `counters.lastErrorCode`; the caller drops the message either way, as the kernel's sender
    /// thread does after its retries.
    @discardableResult
    public func send(_ message: [UInt8]) -> Bool {
        guard fd >= 0 else {
            counters.failed += 1
            counters.lastErrorCode = EBADF
            return false
        }
        let sent = message.withUnsafeBytes { bytes in
            Glibc.send(fd, bytes.baseAddress, bytes.count, CLINUXNET_MSG_DONTWAIT | CLINUXNET_MSG_NOSIGNAL)
        }
        guard sent < 0 else {
            counters.sent += 1
            return true
        }
        let code = errno
        counters.lastErrorCode = code
        if code == EAGAIN || code == EWOULDBLOCK || code == ENOBUFS {
            counters.bufferFull += 1
        } else {
            counters.failed += 1
        }
        return false
    }

    /// Closes the socket; later calls do nothing and `send` fails with EBADF.
    public func close() {
        guard fd >= 0 else { return }
        _ = Glibc.close(fd)
        fd = -1
    }

    private static func configure(
        _ fd: Int32, _ configuration: SyncTransportConfiguration, _ interface: SyncInterface
    ) throws(SyncTransportError) {
        let name = interface.name
        let ttl = Int32(configuration.ttl)
        switch configuration.group.family {
        case .inet:
            try SyncSocketSetup.check(
                clinuxvrrp_multicast_interface_ipv4(fd, interface.index), "IP_MULTICAST_IF \(name)")
            try SyncSocketSetup.option(fd, Int32(IPPROTO_IP), IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP")
            try SyncSocketSetup.option(fd, Int32(IPPROTO_IP), IP_MULTICAST_TTL, ttl, "IP_MULTICAST_TTL \(ttl)")
            try SyncSocketSetup.option(fd, Int32(IPPROTO_IP), IP_MTU_DISCOVER, IP_PMTUDISC_DONT, "IP_MTU_DISCOVER")
        case .inet6:
            try SyncSocketSetup.check(
                clinuxvrrp_multicast_interface_ipv6(fd, interface.index), "IPV6_MULTICAST_IF \(name)")
            try SyncSocketSetup.option(fd, Int32(IPPROTO_IPV6), IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP")
            try SyncSocketSetup.option(
                fd, Int32(IPPROTO_IPV6), IPV6_MULTICAST_HOPS, ttl, "IPV6_MULTICAST_HOPS \(ttl)")
            try SyncSocketSetup.option(
                fd, Int32(IPPROTO_IPV6), IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DONT, "IPV6_MTU_DISCOVER")
        }
        if let size = configuration.socketBufferSize {
            try SyncSocketSetup.option(fd, SOL_SOCKET, SO_SNDBUF, Int32(clamping: size), "SO_SNDBUF \(size)")
        }
    }

    private static func localPort(_ fd: Int32) -> UInt16? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        return withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                guard getsockname(fd, address, &length) == 0 else { return nil }
                return SyncSocketAddress.address(of: address)?.port
            }
        }
    }
}

/// What a `SyncSender` did with the messages it was given.
public struct SyncSendCounters: Sendable, Hashable {
    /// Messages handed to the kernel.
    public var sent: UInt64 = 0
    /// Messages dropped because the socket buffer was full (EAGAIN, ENOBUFS).
    public var bufferFull: UInt64 = 0
    /// Messages dropped for any other error (e.g. EPERM from a firewall, ENETUNREACH).
    public var failed: UInt64 = 0
    /// The errno of the last failure; 0 before any.
    public var lastErrorCode: Int32 = 0

    public init() {}
}
