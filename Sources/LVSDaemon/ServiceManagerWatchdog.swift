import Dispatch

/// Sends `WATCHDOG=1` at a fixed interval (half of `WATCHDOG_USEC`) until cancelled, so that
/// systemd's `WatchdogSec=` restarts an lvsd that hangs (docs/design/0017-service-manager.md).
///
/// The pings come from a Dispatch queue of their own: a hung event loop or reactor does not stop
/// them, but a process that cannot schedule any thread (deadlocked, stopped) does.
public final class ServiceManagerWatchdog: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `timer` is set once in init; DispatchSource's resume and
    // cancel are thread-safe, and the event handler only reads the immutable `notifier`.
    private let timer: any DispatchSourceTimer

    /// Starts pinging: the first `WATCHDOG=1` goes out at once, then one every `interval`.
    public init(notifier: ServiceManagerNotifier, interval: Duration) {
        let queue = DispatchQueue(label: "lvsd.watchdog")
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let components = interval.components
        let nanoseconds = max(
            1_000_000, Int(components.seconds) * 1_000_000_000 + Int(components.attoseconds / 1_000_000_000))
        timer.schedule(deadline: .now(), repeating: .nanoseconds(nanoseconds), leeway: .milliseconds(10))
        timer.setEventHandler { notifier.watchdog() }
        timer.resume()
        self.timer = timer
    }

    /// Stops pinging; idempotent.
    public func cancel() { timer.cancel() }

    deinit { timer.cancel() }
}
