import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Plain words for the errors SwiftNIO and the socket calls throw, so that texts such as
/// `bind(descriptor:ptr:bytes:) failed: Address already in use (errno: 98)` never reach the
/// user raw (docs/lvsadm.md; issue 13). Callers name the address; this names the cause.
public enum NetworkErrorText {
    /// `cannot listen on ADDRESS: CAUSE`, for a failed bind or listen.
    public static func listenFailure(_ address: String, _ error: any Error) -> String {
        "cannot listen on \(address): \(cause(of: error))"
    }

    /// `cannot connect to ADDRESS: CAUSE`, for a failed connect.
    public static func connectFailure(_ address: String, _ error: any Error) -> String {
        "cannot connect to \(address): \(cause(of: error))"
    }

    /// The cause of `error` in a few words: an errno's meaning (with what usually helps), a
    /// channel error's, or the error's own description when it is not a library error.
    public static func cause(of error: any Error) -> String {
        if let io = error as? IOError { return cause(errno: io.errnoCode) }
        if let connection = error as? NIOConnectionError {
            if let first = connection.connectionErrors.first { return cause(of: first.error) }
            if let resolution = connection.dnsAAAAError ?? connection.dnsAError {
                return "the name \(connection.host) does not resolve (\(cause(of: resolution)))"
            }
            return "no address to connect to for \(connection.host)"
        }
        if let channel = error as? ChannelError { return cause(channel) }
        if let address = error as? SocketAddressError { return cause(address) }
        return "\(error)"
    }

    /// An errno in words; the usual fix added for the ones a user can act on.
    public static func cause(errno code: Int32) -> String {
        switch code {
        case EADDRINUSE: return "the address is already in use by another program"
        case EADDRNOTAVAIL: return "the address is not assigned to any interface of this machine"
        case EACCES, EPERM:
            return "permission denied (ports below 1024 and sockets in system directories need root)"
        case ECONNREFUSED: return "connection refused (nothing listens there)"
        case ENOENT: return "no such file or directory"
        case ETIMEDOUT: return "timed out"
        case ENETUNREACH: return "network unreachable"
        case EHOSTUNREACH: return "host unreachable"
        case ECONNRESET: return "connection reset by the peer"
        default:
            var text = String(cString: strerror(code))
            if let first = text.first, first.isUppercase, text.dropFirst().first?.isLowercase ?? true {
                text = first.lowercased() + text.dropFirst()
            }
            return text
        }
    }

    private static func cause(_ error: ChannelError) -> String {
        switch error {
        case .connectTimeout(let amount): return "no answer within \(amount.nanoseconds / 1_000_000) ms"
        case .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed, .eof:
            return "the connection is closed"
        default: return "\(error)"
        }
    }

    private static func cause(_ error: SocketAddressError) -> String {
        switch error {
        case .unixDomainSocketPathTooLong: return "the socket path is too long (at most 107 bytes)"
        case .unknown(let host, let port): return "cannot resolve \(host):\(port)"
        default: return "not a usable address (\(error))"
        }
    }
}
