#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Where the control socket lives when nobody says (DESIGN.md §5): `/run/lvsd.sock` for root,
/// `$XDG_RUNTIME_DIR/lvsd.sock` for anyone else. Shared by `lvsd` and `lvsadm` so they agree.
public enum ControlSocketLocation {
    public static let systemPath = "/run/lvsd.sock"
    public static let fileName = "lvsd.sock"

    /// The default path for a process with this effective uid and `XDG_RUNTIME_DIR`, or a message
    /// saying why there is none.
    public static func defaultPath(effectiveUserID: UInt32, runtimeDirectory: String?) -> Result<String, MissingDefault>
    {
        if effectiveUserID == 0 { return .success(systemPath) }
        guard let directory = runtimeDirectory, !directory.isEmpty else { return .failure(MissingDefault()) }
        return .success(directory.hasSuffix("/") ? directory + fileName : directory + "/" + fileName)
    }

    /// The default path for this process.
    public static func defaultPathForCurrentProcess() -> Result<String, MissingDefault> {
        defaultPath(effectiveUserID: geteuid(), runtimeDirectory: getenv("XDG_RUNTIME_DIR").map { String(cString: $0) })
    }

    /// Not root and no `XDG_RUNTIME_DIR`.
    public struct MissingDefault: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String {
            "no default control socket: not running as root and XDG_RUNTIME_DIR is not set; pass --control-socket PATH"
        }
    }
}
