import Glibc

/// Why the packet engine could not start or apply a change; `description` is fit for the
/// operator (it names the fix where there is one).
public enum PacketEngineError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A system call failed.
    case system(String, errno: Int32)
    /// An interface named with `--interface` does not exist.
    case noSuchInterface(String)
    /// The process lacks CAP_NET_RAW / CAP_NET_ADMIN.
    case notPermitted(String)
    /// `nft` failed or is missing.
    case nftables(String)
    /// The XDP / AF_XDP path could not be set up (`--packet-io xdp`); the message says why
    /// (for a rejected program, the verifier's log).
    case xdp(String)

    public var description: String {
        switch self {
        case .system(let call, let code):
            return "\(call) failed: \(String(cString: strerror(code)))"
        case .noSuchInterface(let name):
            return "no network interface named '\(name)' (see `ip link`)"
        case .notPermitted(let what):
            return
                "\(what): the packet engine needs CAP_NET_RAW and CAP_NET_ADMIN (run lvsd as root or grant them, e.g. setcap cap_net_raw,cap_net_admin+ep)"
        case .nftables(let message):
            return "nftables: \(message)"
        case .xdp(let message):
            return "XDP: \(message)"
        }
    }

    /// A system error, turned into `notPermitted` for EPERM/EACCES.
    static func fromErrno(_ call: String, _ code: Int32) -> PacketEngineError {
        code == EPERM || code == EACCES ? .notPermitted(call) : .system(call, errno: code)
    }
}
