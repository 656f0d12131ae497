import CLinuxNet
import Glibc
import LVSCore

/// The system calls the sender and the receiver share: opening their UDP socket, setting
/// integer options, binding. Each throws the failing call with its errno.
enum SyncSocketSetup {
    /// A non-blocking, close-on-exec UDP socket of the group's family.
    static func udpSocket(_ family: AddressFamily) throws(SyncTransportError) -> Int32 {
        let domain = family == .inet ? AF_INET : AF_INET6
        let fd = socket(domain, CLINUXNET_SOCK_DGRAM | CLINUXNET_SOCK_NONBLOCK | CLINUXNET_SOCK_CLOEXEC, 0)
        guard fd >= 0 else { throw .fromErrno("socket(\(family == .inet ? "AF_INET" : "AF_INET6"), SOCK_DGRAM)") }
        return fd
    }

    static func option(
        _ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32, _ label: String
    ) throws(SyncTransportError) {
        try check(clinuxnet_setsockopt_int(fd, level, name, value), label)
    }

    static func bind(
        _ fd: Int32, _ address: IPAddress, port: UInt16, scopeID: UInt32, _ label: String
    ) throws(SyncTransportError) {
        let result = SyncSocketAddress.withSockaddr(address, port: port, scopeID: scopeID) { Glibc.bind(fd, $0, $1) }
        try check(result, label)
    }

    static func check(_ result: Int32, _ operation: String) throws(SyncTransportError) {
        guard result == 0 else { throw .fromErrno(operation) }
    }

    /// Runs `configure` on a fresh socket; closes the socket if it throws.
    static func opened(
        _ family: AddressFamily, _ configure: (Int32) throws(SyncTransportError) -> Void
    ) throws(SyncTransportError) -> Int32 {
        let fd = try udpSocket(family)
        do {
            try configure(fd)
        } catch {
            close(fd)
            throw error
        }
        return fd
    }
}
