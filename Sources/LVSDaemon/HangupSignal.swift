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
public final class HangupSignal: Sendable {
    private let queue = DispatchQueue(label: "lvsd.hangup")
    private let source: Mutex<(any DispatchSourceSignal)?> = Mutex(nil)
    private let handler: Mutex<(@Sendable () -> Void)?> = Mutex(nil)

    private init() {}

    /// Starts watching SIGHUP.
    public static func install() -> HangupSignal {
        let hangup = HangupSignal()
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: hangup.queue)
        source.setEventHandler { [hangup] in
            // Runs on `queue`: one reload at a time, in the order the signals came.
            hangup.handler.withLock { $0 }?()
        }
        source.resume()
        hangup.source.withLock { $0 = source }
        return hangup
    }

    /// What each later SIGHUP does; called on a queue of its own, never concurrently with itself.
    public func onHangup(_ body: @escaping @Sendable () -> Void) {
        handler.withLock { $0 = body }
    }
}
