import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// SIGHUP turned into a call: `lvsd` reloads its `--config` file, as keepalived does.
///
/// Install it before anything else can be signalled: from `install()` on, SIGHUP no longer ends
/// the process (its default action); until `onHangup` is set, a SIGHUP is logged by nobody and
/// dropped, since there is nothing loaded to reload yet.
public final class HangupSignal: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `source` is set once in init and never touched again
    // (it is only kept alive); `handler` is behind its lock.
    private let queue = DispatchQueue(label: "lvsd.hangup")
    private var source: (any DispatchSourceSignal)?
    private let handler: Mutex<(@Sendable () -> Void)?> = Mutex(nil)

    private init() {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: queue)
        source.setEventHandler { [weak self] in
            // Runs on `queue`: one reload at a time, in the order the signals came.
            self?.handler.withLock { $0 }?()
        }
        source.resume()
        self.source = source
    }

    /// Starts watching SIGHUP.
    public static func install() -> HangupSignal { HangupSignal() }

    /// What each later SIGHUP does; called on a queue of its own, never concurrently with itself.
    public func onHangup(_ body: @escaping @Sendable () -> Void) {
        handler.withLock { $0 = body }
    }
}
