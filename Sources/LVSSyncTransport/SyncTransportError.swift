import Glibc
import LVSCore

/// Why a sync socket could not be set up or used, with the errno and what to do about it:
/// `description` reads "SO_BINDTODEVICE eth1: Operation not permitted (errno 1); fix: …".
public enum SyncTransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A configuration value out of its range (ipvsadm(8) --start-daemon, reference §1.7).
    case invalidConfiguration(String)
    /// No interface of that name in this network namespace (ENODEV, as the kernel answers
    /// `--mcast-interface` naming none, reference §1.7).
    case noSuchInterface(String)
    /// The interface has no address of the group's family to send from (EADDRNOTAVAIL, as the
    /// kernel's master answers, reference §7.1).
    case noAddress(interface: String, family: AddressFamily)
    /// EPERM or EACCES: the process lacks a privilege the call needs.
    case permissionDenied(operation: String, code: Int32)
    /// Any other failed system call.
    case systemCall(operation: String, code: Int32)

    /// The errno behind the failure; 0 for an invalid configuration.
    public var code: Int32 {
        switch self {
        case .invalidConfiguration: 0
        case .noSuchInterface: ENODEV
        case .noAddress: EADDRNOTAVAIL
        case .permissionDenied(_, let code), .systemCall(_, let code): code
        }
    }

    /// What the operator can do about it.
    public var fix: String {
        switch self {
        case .invalidConfiguration:
            "correct the sync daemon's configuration (ipvsadm --start-daemon options, keepalived lvs_sync_daemon)"
        case .noSuchInterface(let name):
            "name an existing interface of this network namespace (`ip link show`), not \(name)"
        case .noAddress(let name, let family):
            switch family {
            case .inet: "add an IPv4 address to \(name) (`ip address add ADDR/LEN dev \(name)`) or sync on another"
            case .inet6:
                "give \(name) a global or (DAD-complete) link-local IPv6 address, or use an IPv4 group"
            }
        case .permissionDenied:
            "run lvsd as root, or with CAP_NET_RAW (SO_BINDTODEVICE) and CAP_NET_BIND_SERVICE for a port below 1024;"
                + " a firewall rule rejecting the datagram also yields EPERM"
        case .systemCall:
            "see the errno; the interface may be down or the group not multicast-capable on it"
        }
    }

    public var description: String {
        switch self {
        case .invalidConfiguration(let reason):
            return "invalid sync configuration: \(reason)"
        case .noSuchInterface(let name):
            return "sync interface \(name): \(Self.text(code)) (errno \(code)); fix: \(fix)"
        case .noAddress(let name, let family):
            let familyName = family == .inet ? "IPv4" : "IPv6"
            return
                "sync interface \(name) has no \(familyName) address: \(Self.text(code)) (errno \(code)); fix: \(fix)"
        case .permissionDenied(let operation, _), .systemCall(let operation, _):
            return "\(operation): \(Self.text(code)) (errno \(code)); fix: \(fix)"
        }
    }

    /// The current `errno` after `operation` failed, classified.
    static func fromErrno(_ operation: String) -> SyncTransportError {
        classify(operation, code: errno)
    }

    /// EPERM and EACCES are a privilege matter; every other errno is reported as it is.
    static func classify(_ operation: String, code: Int32) -> SyncTransportError {
        code == EPERM || code == EACCES
            ? .permissionDenied(operation: operation, code: code) : .systemCall(operation: operation, code: code)
    }

    private static func text(_ code: Int32) -> String { String(cString: strerror(code)) }
}
