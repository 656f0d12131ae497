import CLinuxNet
import LVSCore

/// Where a reactor reads the time (docs/design/0027-pump-state-machine-and-reactor-clock.md).
///
/// The reactor reads it once per wake-up (never per event) and asks it how long `epoll_wait`
/// may sleep before the next timer bucket. Production uses `SystemReactorClock`
/// (CLOCK_MONOTONIC); tests use `ManualReactorClock`, whose time moves only when the test
/// advances it, so timeouts are tested without waiting real seconds.
public protocol ReactorClock: Sendable {
    /// The current monotonic time.
    func now() -> MonotonicInstant

    /// Milliseconds `epoll_wait` may sleep before the reactor should look at its timers again
    /// at `wakeup`: 0 if that time has come, -1 to sleep until an event or a message.
    func sleepMilliseconds(until wakeup: MonotonicInstant) -> Int32

    /// Called by each reactor as it starts running, with a way to wake it from any thread: a
    /// clock whose time moves by itself (the system's) needs none; a manual clock calls it
    /// whenever it is advanced, so timers that came due fire.
    func attach(wake: @escaping @Sendable () -> Void)
}

/// CLOCK_MONOTONIC: does not jump with wall-clock changes.
public struct SystemReactorClock: ReactorClock {
    public init() {}

    @inlinable
    public func now() -> MonotonicInstant { MonotonicInstant(nanoseconds: clinuxnet_monotonic_ns()) }

    @inlinable
    public func sleepMilliseconds(until wakeup: MonotonicInstant) -> Int32 {
        let clock = clinuxnet_monotonic_ns()
        guard wakeup.nanoseconds > clock else { return 0 }
        // Rounded up: waking before the bucket is due would only spin.
        return Int32(clamping: (wakeup.nanoseconds - clock + 999_999) / 1_000_000)
    }

    public func attach(wake: @escaping @Sendable () -> Void) {}
}
