import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The process-wide umask 0177 that covers the instant between a control socket's bind(2) and
/// its chmod (DESIGN.md §5). Binds may overlap (several servers in one process, as in the
/// tests): the first to enter saves the mask and the last to leave restores it, so an overlap
/// can never leave 0177 behind for the rest of the process (which it did: every file and child
/// process created afterwards inherited it).
enum RestrictiveUmask {
    private static let state = Mutex<(holders: Int, saved: mode_t)>((0, 0))

    /// Runs `body` with umask 0177 in force.
    static func during<T>(_ body: () async throws -> T) async rethrows -> T {
        enter()
        defer { leave() }
        return try await body()
    }

    private static func enter() {
        state.withLock {
            if $0.holders == 0 { $0.saved = umask(0o177) }
            $0.holders += 1
        }
    }

    private static func leave() {
        state.withLock {
            $0.holders -= 1
            if $0.holders == 0 { umask($0.saved) }
        }
    }
}
