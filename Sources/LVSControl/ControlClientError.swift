#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Why the client got no usable reply.
///
/// The two failures a new user meets first — no daemon, and a socket they may not open — are
/// told apart, because what to do differs (start lvsd, or change user): docs/lvsadm.md.
public enum ControlClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No daemon listens at `path`: the file is missing (ENOENT) or left over from a daemon that
    /// stopped (ECONNREFUSED). `reason` says which.
    case noDaemon(path: String, reason: String)
    /// The socket (mode 0600, DESIGN.md §5) or a directory above it may not be opened by this
    /// user (EACCES, EPERM).
    case permissionDenied(path: String)
    /// Any other reason nothing answers at `path` (path too long, not a socket, …).
    case unreachable(path: String, reason: String)
    /// The connection broke or timed out mid-request.
    case transport(path: String, reason: String)
    /// The daemon's reply could not be understood, or it rejected our message as malformed.
    case protocolViolation(ControlFailure)

    /// The error for a failed connect(2) to `path` with errno `code` (0 when the failure was not
    /// a system call's; `detail` then says what it was).
    public static func connectFailure(path: String, code: Int32, detail: String) -> ControlClientError {
        switch code {
        case ENOENT: return .noDaemon(path: path, reason: "the socket file does not exist")
        case ECONNREFUSED:
            return .noDaemon(path: path, reason: "the socket file is left from a daemon that is no longer running")
        case EACCES, EPERM: return .permissionDenied(path: path)
        default: return .unreachable(path: path, reason: detail)
        }
    }

    public var description: String {
        switch self {
        case .noDaemon(let path, let reason): return "no lvsd is listening at \(path): \(reason)"
        case .permissionDenied(let path):
            return
                "permission denied on lvsd's control socket \(path): it is open only to root and the user lvsd runs as"
        case .unreachable(let path, let reason): return "cannot reach lvsd at \(path): \(reason)"
        case .transport(let path, let reason): return "lost connection to lvsd at \(path): \(reason)"
        case .protocolViolation(let failure): return failure.message
        }
    }

    /// What the user can do about a connection failure; nil for the others.
    public var advice: String? {
        switch self {
        case .noDaemon(let path, _):
            return
                "start lvsd (e.g. `lvsd --control-socket \(path)`), or point lvsadm at the running daemon's socket with --control-socket PATH or LVSD_SOCKET"
        case .permissionDenied:
            return
                "run lvsadm as root or as the user lvsd runs as, or start lvsd with a --control-socket you may open"
        case .unreachable:
            return
                "is lvsd running? Start it with `lvsd`, or point lvsadm at it with --control-socket PATH or LVSD_SOCKET"
        case .transport, .protocolViolation: return nil
        }
    }
}
