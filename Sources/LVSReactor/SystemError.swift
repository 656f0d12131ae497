import Glibc

/// A failed system call: the `errno` it left and the call's name.
///
/// Thrown with typed throws (`throws(SystemError)`) so a failure on the data path boxes nothing.
/// "Would block" is never an error here: the I/O helpers return it as a result case.
public struct SystemError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The `errno` value (`EMFILE`, `ECONNREFUSED`, …).
    public var errno: Int32
    /// The system call or helper that failed (`"accept4"`, `"bind"`); a literal, so free to make.
    public var function: String

    public init(errno: Int32, function: String) {
        self.errno = errno
        self.function = function
    }

    /// The error of the call that just failed, read from the calling thread's `errno`.
    @inlinable
    public static func last(_ function: String) -> SystemError {
        SystemError(errno: Glibc.errno, function: function)
    }

    /// strerror(3) text, e.g. "Connection refused".
    public var message: String {
        guard let text = strerror(errno) else { return "errno \(errno)" }
        return String(cString: text)
    }

    public var description: String { "\(function): \(message) (errno \(errno))" }
}
