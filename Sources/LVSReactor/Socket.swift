import CLinuxNet
import Glibc

/// Options for a listening TCP socket (the proxy engine's virtual service side).
public struct TCPListenerOptions: Sendable {
    public var address: SocketAddress
    /// listen(2) backlog (the kernel caps it at net.core.somaxconn).
    public var backlog: Int32
    /// SO_REUSEPORT: one listener per reactor on the same address, the kernel spreading new
    /// connections across them (DESIGN.md §6).
    public var reusePort: Bool
    /// IP_FREEBIND: bind a VIP not (yet) configured on this host, e.g. before VRRP takes it over.
    public var freeBind: Bool
    /// IP_TRANSPARENT / IPV6_TRANSPARENT: accept for any address routed here (needs CAP_NET_ADMIN).
    public var transparent: Bool
    /// IPV6_V6ONLY for IPv6 listeners (true: an IPv6 VIP never sees IPv4-mapped clients).
    public var ipv6Only: Bool

    public init(
        address: SocketAddress, backlog: Int32 = 4096, reusePort: Bool = true,
        freeBind: Bool = false, transparent: Bool = false, ipv6Only: Bool = true
    ) {
        self.address = address
        self.backlog = backlog
        self.reusePort = reusePort
        self.freeBind = freeBind
        self.transparent = transparent
        self.ipv6Only = ipv6Only
    }
}

/// Options for a bound UDP socket.
public struct UDPSocketOptions: Sendable {
    public var address: SocketAddress
    public var reusePort: Bool
    public var freeBind: Bool
    public var transparent: Bool
    public var ipv6Only: Bool
    /// IP_PKTINFO / IPV6_RECVPKTINFO: learn each datagram's destination address (a socket bound
    /// to a wildcard or several VIPs must answer from the address the client used).
    public var receivePacketInfo: Bool

    public init(
        address: SocketAddress, reusePort: Bool = true, freeBind: Bool = false, transparent: Bool = false,
        ipv6Only: Bool = true, receivePacketInfo: Bool = false
    ) {
        self.address = address
        self.reusePort = reusePort
        self.freeBind = freeBind
        self.transparent = transparent
        self.ipv6Only = ipv6Only
        self.receivePacketInfo = receivePacketInfo
    }
}

/// Options for an outgoing TCP connection (the proxy engine's real server side).
public struct TCPConnectOptions: Sendable {
    /// Bind to this source first (with `transparent`: the client's own address, reference §6
    /// "transparent client source"); nil lets the kernel choose.
    public var source: SocketAddress?
    /// IP_TRANSPARENT / IPV6_TRANSPARENT, to bind a non-local source.
    public var transparent: Bool
    /// TCP_NODELAY.
    public var noDelay: Bool

    public init(source: SocketAddress? = nil, transparent: Bool = false, noDelay: Bool = true) {
        self.source = source
        self.transparent = transparent
        self.noDelay = noDelay
    }
}

/// The outcome of a non-blocking connect.
public enum ConnectResult: Sendable, Equatable {
    /// Connected already (common on loopback).
    case connected(fd: Int32)
    /// Under way: register for `.writable`, then read `Socket.pendingError` (0 = connected).
    case inProgress(fd: Int32)

    /// The socket, either way.
    public var fd: Int32 {
        switch self {
        case .connected(let fd), .inProgress(let fd): return fd
        }
    }
}

/// Socket set-up helpers. Every socket is created non-blocking and close-on-exec.
public enum Socket {
    /// Ignores SIGPIPE process-wide. splice(2) into a socket whose peer has gone raises it (no
    /// MSG_NOSIGNAL there), so a daemon running the proxy engine calls this once at start-up.
    public static func ignoreBrokenPipeSignal() {
        _ = signal(SIGPIPE, SIG_IGN)
    }

    /// A bound, listening, non-blocking TCP socket.
    public static func makeTCPListener(_ options: TCPListenerOptions) throws(SystemError) -> Int32 {
        let fd = try makeSocket(
            family: options.address.family == .inet ? AF_INET : AF_INET6, type: CLINUXNET_SOCK_STREAM)
        do throws(SystemError) {
            try check(clinuxnet_set_reuseaddr(fd, 1), "setsockopt(SO_REUSEADDR)")
            if options.reusePort { try check(clinuxnet_set_reuseport(fd, 1), "setsockopt(SO_REUSEPORT)") }
            try applyAddressOptions(
                fd, family: options.address.family == .inet, freeBind: options.freeBind,
                transparent: options.transparent, ipv6Only: options.ipv6Only)
            try bind(fd, to: options.address)
            try check(Glibc.listen(fd, options.backlog), "listen")
            return fd
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
    }

    /// A bound, non-blocking UDP socket.
    public static func makeUDPSocket(_ options: UDPSocketOptions) throws(SystemError) -> Int32 {
        let isIPv4 = options.address.family == .inet
        let fd = try makeSocket(family: isIPv4 ? AF_INET : AF_INET6, type: CLINUXNET_SOCK_DGRAM)
        do throws(SystemError) {
            if options.reusePort { try check(clinuxnet_set_reuseport(fd, 1), "setsockopt(SO_REUSEPORT)") }
            try applyAddressOptions(
                fd, family: isIPv4, freeBind: options.freeBind, transparent: options.transparent,
                ipv6Only: options.ipv6Only)
            if options.receivePacketInfo {
                if isIPv4 {
                    try check(clinuxnet_set_ip_pktinfo(fd, 1), "setsockopt(IP_PKTINFO)")
                } else {
                    try check(clinuxnet_set_ipv6_recvpktinfo(fd, 1), "setsockopt(IPV6_RECVPKTINFO)")
                }
            }
            try bind(fd, to: options.address)
            return fd
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
    }

    /// Starts a non-blocking TCP connect. On failure the socket is closed and the error thrown
    /// (ECONNREFUSED can come at once on loopback).
    public static func connect(to address: SocketAddress, options: TCPConnectOptions = TCPConnectOptions())
        throws(SystemError) -> ConnectResult
    {
        let isIPv4 = address.family == .inet
        let fd = try makeSocket(family: isIPv4 ? AF_INET : AF_INET6, type: CLINUXNET_SOCK_STREAM)
        do throws(SystemError) {
            if options.noDelay { try check(clinuxnet_set_tcp_nodelay(fd, 1), "setsockopt(TCP_NODELAY)") }
            if let source = options.source {
                if options.transparent {
                    try applyAddressOptions(fd, family: isIPv4, freeBind: false, transparent: true, ipv6Only: false)
                }
                try bind(fd, to: source)
            }
            let rc = address.withSockAddr { Glibc.connect(fd, $0, $1) }
            if rc == 0 { return .connected(fd: fd) }
            let error = SystemError.last("connect")
            if error.errno == EINPROGRESS { return .inProgress(fd: fd) }
            throw error
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
    }

    /// Reads and clears SO_ERROR: 0 once a non-blocking connect has succeeded, else its errno.
    public static func pendingError(_ fd: Int32) -> Int32 {
        var error: Int32 = 0
        guard clinuxnet_get_so_error(fd, &error) == 0 else { return Glibc.errno }
        return error
    }

    /// TCP_NODELAY on or off.
    public static func setNoDelay(_ fd: Int32, _ on: Bool = true) throws(SystemError) {
        try check(clinuxnet_set_tcp_nodelay(fd, on ? 1 : 0), "setsockopt(TCP_NODELAY)")
    }

    /// The address a socket is bound to (the kernel's choice after binding port 0).
    public static func localAddress(_ fd: Int32) throws(SystemError) -> SocketAddress {
        try address(fd, peer: false)
    }

    /// The address a socket is connected to.
    public static func peerAddress(_ fd: Int32) throws(SystemError) -> SocketAddress {
        try address(fd, peer: true)
    }

    static func address(_ fd: Int32, peer: Bool) throws(SystemError) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                peer ? getpeername(fd, $0, &length) : getsockname(fd, $0, &length)
            }
        }
        let function = peer ? "getpeername" : "getsockname"
        guard rc == 0 else { throw SystemError.last(function) }
        guard let address = withUnsafeBytes(of: &storage, { SocketAddress($0.baseAddress!, length: length) }) else {
            throw SystemError(errno: EAFNOSUPPORT, function: function)
        }
        return address
    }

    static func makeSocket(family: Int32, type: Int32) throws(SystemError) -> Int32 {
        let fd = Glibc.socket(family, type | CLINUXNET_SOCK_NONBLOCK | CLINUXNET_SOCK_CLOEXEC, 0)
        guard fd >= 0 else { throw SystemError.last("socket") }
        return fd
    }

    static func bind(_ fd: Int32, to address: SocketAddress) throws(SystemError) {
        try check(address.withSockAddr { Glibc.bind(fd, $0, $1) }, "bind")
    }

    static func applyAddressOptions(
        _ fd: Int32, family isIPv4: Bool, freeBind: Bool, transparent: Bool, ipv6Only: Bool
    ) throws(SystemError) {
        // IP_FREEBIND sets a flag IPv6 sockets honour too.
        if freeBind { try check(clinuxnet_set_ip_freebind(fd, 1), "setsockopt(IP_FREEBIND)") }
        if isIPv4 {
            if transparent { try check(clinuxnet_set_ip_transparent(fd, 1), "setsockopt(IP_TRANSPARENT)") }
        } else {
            if transparent { try check(clinuxnet_set_ipv6_transparent(fd, 1), "setsockopt(IPV6_TRANSPARENT)") }
            try check(clinuxnet_set_ipv6_v6only(fd, ipv6Only ? 1 : 0), "setsockopt(IPV6_V6ONLY)")
        }
    }

    @inlinable
    static func check(_ rc: Int32, _ function: String) throws(SystemError) {
        if rc != 0 { throw SystemError.last(function) }
    }
}
