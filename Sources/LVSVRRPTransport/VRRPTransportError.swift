import Glibc

/// A failed kernel call of VRRP's I/O: what was attempted, the errno, and the kernel's words
/// for it ("RTM_NEWADDR 10.0.0.5/24 on ifindex 3: Operation not permitted (errno 1)").
public struct VRRPTransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was attempted, with its arguments.
    public var operation: String
    /// The errno the kernel returned; 0 when the failure is not a system call's (e.g. a
    /// malformed netlink reply).
    public var code: Int32
    /// A reason when `code` is 0.
    public var reason: String

    public init(_ operation: String, code: Int32, reason: String = "") {
        self.operation = operation
        self.code = code
        self.reason = reason
    }

    /// The current `errno` for `operation`.
    static func fromErrno(_ operation: String) -> VRRPTransportError {
        VRRPTransportError(operation, code: errno)
    }

    /// A failure that is not a system call's.
    static func malformed(_ operation: String, _ reason: String) -> VRRPTransportError {
        VRRPTransportError(operation, code: 0, reason: reason)
    }

    public var description: String {
        guard code != 0 else { return "\(operation): \(reason)" }
        return "\(operation): \(String(cString: strerror(code))) (errno \(code))"
    }
}
