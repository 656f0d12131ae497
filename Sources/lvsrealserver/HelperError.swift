/// A failure the helper reports as one clear line (ArgumentParser prints it and exits 1).
struct HelperError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }

    /// The message for a missing privilege: what needs it, and how to proceed.
    static func needsRoot(to action: String) -> HelperError {
        HelperError(
            "needs root (CAP_NET_ADMIN) to \(action); run it as root, or add --dry-run to see what it would do")
    }
}
