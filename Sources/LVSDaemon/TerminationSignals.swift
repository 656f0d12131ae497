import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// SIGTERM and SIGINT turned into an awaitable event, so the daemon can shut down cleanly
/// (close the control socket, remove its file) instead of dying mid-write.
///
/// Install it before anything else can be signalled: from `install()` on, both signals are
/// ignored by the default disposition and only reported here.
public final class TerminationSignals: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `received` and `waiter` are only touched on `queue`.
    private let queue = DispatchQueue(label: "lvsd.signals")
    private var sources: [any DispatchSourceSignal] = []
    private var received: Int32?
    private var waiter: CheckedContinuation<Int32, Never>?

    private init() {}

    /// Starts watching SIGTERM and SIGINT.
    public static func install() -> TerminationSignals {
        let signals = TerminationSignals()
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: signals.queue)
            source.setEventHandler { [signals] in signals.deliver(number) }
            source.resume()
            signals.sources.append(source)
        }
        return signals
    }

    /// Waits for the first SIGTERM or SIGINT and returns its number.
    public func next() async -> Int32 {
        await withCheckedContinuation { continuation in
            queue.async {
                if let received = self.received {
                    continuation.resume(returning: received)
                } else {
                    self.waiter = continuation
                }
            }
        }
    }

    private func deliver(_ number: Int32) {
        guard received == nil else { return }
        received = number
        waiter?.resume(returning: number)
        waiter = nil
    }

    /// `TERM`/`INT` for log lines.
    public static func name(of number: Int32) -> String {
        switch number {
        case SIGTERM: return "SIGTERM"
        case SIGINT: return "SIGINT"
        default: return "signal \(number)"
        }
    }
}
