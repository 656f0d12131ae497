import LVSCore
import Synchronization

/// A clock for tests: its time moves only when `advance(by:)` or `advance(to:)` is called,
/// and every reactor attached to it is then woken so the timers that came due fire
/// (DESIGN.md §7: time is injected; a test of a timeout advances a clock instead of sleeping).
///
/// Invariant for the lock: it guards the time and the wake-up list only; reactors read the time
/// once per wake-up, so it costs the data path nothing.
public final class ManualReactorClock: ReactorClock {
    private struct State {
        var now: MonotonicInstant
        var wakes: [@Sendable () -> Void] = []
    }

    private let state: Mutex<State>

    /// A clock that reads `start` until advanced.
    public init(start: MonotonicInstant = .seconds(1_000)) {
        state = Mutex(State(now: start))
    }

    public func now() -> MonotonicInstant { state.withLock { $0.now } }

    /// Sleep until woken, unless `wakeup` has already come.
    public func sleepMilliseconds(until wakeup: MonotonicInstant) -> Int32 {
        wakeup <= now() ? 0 : -1
    }

    public func attach(wake: @escaping @Sendable () -> Void) {
        state.withLock { $0.wakes.append(wake) }
    }

    /// Moves the time forward by `nanoseconds` and wakes every attached reactor.
    public func advance(by nanoseconds: UInt64) {
        let wakes = state.withLock { state in
            state.now = state.now.adding(nanoseconds: nanoseconds)
            return state.wakes
        }
        for wake in wakes { wake() }
    }

    /// Moves the time forward by `seconds`.
    public func advance(seconds: Double) {
        advance(by: UInt64(seconds * 1e9))
    }

    /// Moves the time to `instant` (never backwards) and wakes every attached reactor.
    public func advance(to instant: MonotonicInstant) {
        let current = now()
        advance(by: instant > current ? instant.nanoseconds - current.nanoseconds : 0)
    }
}
