import LVSCore

/// What one ipvsadm command line asks for, once parsed and validated (reference §1.1–§1.9).
///
/// The parser decides everything ipvsadm decides before it talks to the kernel; what is left
/// (kernel-side checks such as an unknown scheduler) belongs to the daemon.
public enum IPVSAdminInvocation: Sendable, Equatable {
    /// `-A -E -D -C -a -e -d -Z --set --start-daemon --stop-daemon`: one typed change.
    case command(AdminCommand)
    /// `-L`/`-l`/`--list` (and no arguments at all): what to list and how.
    case list(ListOptions)
    /// `-S [-n]`: print the table in restore format.
    case save(numeric: Bool)
    /// `-R`: the caller reads standard input line by line, splits each line with
    /// `RestoreInput.tokenize(line:)` and parses each non-empty token list with
    /// `IPVSAdminParser.parse(_:readingRestoreInput: true)`.
    case restore
    /// `-h`/`--help` as the first option: print `IPVSAdminParser.usageText` to stdout, exit 0.
    case help
    /// `-v`/`--version` as the first option: print `IPVSAdminParser.versionText` to stdout, exit 0.
    case version
}

/// A command line ipvsadm would refuse before contacting the kernel.
///
/// Printing convention: write `message` followed by one newline to standard error, then exit
/// with `exitCode`. `message` never carries that final newline itself; it may contain inner
/// newlines (`-6 used before -f` is followed by an empty line in ipvsadm 1.31, so its message
/// ends in `"\n"`).
public struct IPVSAdminUsageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// How ipvsadm reacts, which matters when the line came from `-R` input (reference §1.9).
    public enum Kind: Sendable, Equatable {
        /// A value or combination check (`fail()` in ipvsadm): exit 2, aborts a restore.
        case validation
        /// No usable command (`Try ... -h'`): exit 255, aborts a restore.
        case usage
        /// An option popt could not parse (`-x: unknown option`, `missing argument`): the
        /// invocation returns 255; inside a restore the next line is still processed.
        case optionError
    }

    public var message: String
    public var exitCode: Int32
    public var kind: Kind

    public init(message: String, exitCode: Int32, kind: Kind) {
        self.message = message
        self.exitCode = exitCode
        self.kind = kind
    }

    /// A `fail(2, ...)` error of ipvsadm.
    static func validation(_ message: String) -> IPVSAdminUsageError {
        IPVSAdminUsageError(message: message, exitCode: 2, kind: .validation)
    }

    public var description: String { message }
}
