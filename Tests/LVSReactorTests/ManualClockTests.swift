import Glibc
import LVSCore
import Synchronization
import Testing

@testable import LVSReactor

/// A reactor on an injected clock (docs/design/0027-pump-state-machine-and-reactor-clock.md):
/// timers fire when the test advances the clock past their deadline, and not before.
@Suite(.serialized) struct ManualClockTests {
    /// Records fired timers under a lock the test reads from its own thread, and acknowledges
    /// each mailbox message on a pipe, so the test can wait for the loop to have caught up.
    final class ClockedHandler: ReactorHandler {
        typealias Message = Int

        let fired = Mutex<[UInt32]>([])
        let firedAt = Mutex<[MonotonicInstant]>([])
        let acknowledgements: (read: Int32, write: Int32)
        var armOnStart: [(slot: UInt32, afterNanoseconds: UInt64)] = []
        /// Messages received in the current pass of the loop.
        var pending: [UInt8] = []

        init() throws {
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else { throw SystemError.last("pipe") }
            acknowledgements = (fds[0], fds[1])
        }

        deinit {
            close(acknowledgements.read)
            close(acknowledgements.write)
        }

        func reactorStarted(_ reactor: Reactor<ClockedHandler>) {
            for (slot, delay) in armOnStart { reactor.armTimer(slot: slot, afterNanoseconds: delay) }
        }

        func handle(_ event: ReactorEvent, reactor: Reactor<ClockedHandler>) {}

        func timerFired(slot: UInt32, reactor: Reactor<ClockedHandler>) {
            fired.withLock { $0.append(slot) }
            firedAt.withLock { $0.append(reactor.now) }
        }

        func mailboxMessage(_ message: Int, reactor: Reactor<ClockedHandler>) {
            pending.append(UInt8(truncatingIfNeeded: message))
        }

        /// Acknowledged at the end of the pass, after the timers it made due have fired.
        func batchCompleted(reactor: Reactor<ClockedHandler>) {
            for var byte in pending { _ = write(acknowledgements.write, &byte, 1) }
            pending.removeAll()
        }

        func reactorStopping(_ reactor: Reactor<ClockedHandler>) {}
    }

    /// Posts a message and waits (bounded) for its acknowledgement: the wake-ups queued before
    /// it have been handled, and the timers they made due have fired (the loop reads the clock
    /// before a batch and expires timers after it; the acknowledgement is written at its end).
    static func barrier(_ reactor: Reactor<ClockedHandler>, _ value: Int) -> Bool {
        guard reactor.post(value) else { return false }
        var pollFD = pollfd(fd: reactor.handler.acknowledgements.read, events: Int16(POLLIN), revents: 0)
        guard poll(&pollFD, 1, 20_000) == 1 else { return false }
        var byte: UInt8 = 0
        return read(reactor.handler.acknowledgements.read, &byte, 1) == 1 && byte == UInt8(value)
    }

    @Test func timersFireWhenTheManualClockPassesTheirDeadlineAndNotBefore() throws {
        let start = MonotonicInstant.seconds(100)
        let clock = ManualReactorClock(start: start)
        let handler = try ClockedHandler()
        handler.armOnStart = [(7, 30_000_000), (3, 10_000_000), (5, 20_000_000), (9, 3_600_000_000_000)]
        let reactor = try Reactor(
            handler: handler, configuration: ReactorConfiguration(tickNanoseconds: 1_000_000), clock: clock)
        let thread = try reactor.start()
        let watchdog = try Watchdog { reactor.stop() }
        defer {
            reactor.stop()
            thread.join()
            #expect(!watchdog.finish())
        }
        #expect(Self.barrier(reactor, 1))

        clock.advance(by: 10_000_000 - 1)  // one nanosecond before slot 3's deadline
        #expect(Self.barrier(reactor, 2))
        #expect(handler.fired.withLock { $0 }.isEmpty)
        clock.advance(by: 1)
        #expect(Self.barrier(reactor, 3))
        #expect(handler.fired.withLock { $0 } == [3])

        clock.advance(to: start.adding(nanoseconds: 25_000_000))
        #expect(Self.barrier(reactor, 4))
        #expect(handler.fired.withLock { $0 } == [3, 5])

        // A big step fires everything due, in deadline order, and nothing early.
        clock.advance(by: 3_600_000_000_000)
        #expect(Self.barrier(reactor, 5))
        #expect(handler.fired.withLock { $0 } == [3, 5, 7, 9])
        let firedAt = handler.firedAt.withLock { $0 }
        #expect(firedAt.first == start.adding(nanoseconds: 10_000_000))
        #expect(firedAt.allSatisfy { $0 >= start.adding(nanoseconds: 10_000_000) })
    }

    @Test func theSystemClockSleepsUntilTheWakeupAndNeverNegative() {
        let clock = SystemReactorClock()
        let now = clock.now()
        #expect(clock.sleepMilliseconds(until: now) == 0)
        #expect(clock.sleepMilliseconds(until: MonotonicInstant(nanoseconds: 0)) == 0)
        let later = clock.sleepMilliseconds(until: now.adding(nanoseconds: 60_000_000_000))
        #expect(later > 50_000 && later <= 60_000)
    }

    @Test func aManualClockMovesOnlyWhenAdvancedAndWakesWhatIsAttached() {
        let clock = ManualReactorClock(start: .seconds(5))
        #expect(clock.now() == .seconds(5))
        #expect(clock.sleepMilliseconds(until: .seconds(6)) == -1)
        #expect(clock.sleepMilliseconds(until: .seconds(5)) == 0)
        final class Wakes: Sendable { let count = Atomic<Int>(0) }
        let wakes = Wakes()
        clock.attach { wakes.count.add(1, ordering: .relaxed) }
        clock.advance(seconds: 1.5)
        #expect(clock.now() == MonotonicInstant(nanoseconds: 6_500_000_000))
        clock.advance(to: .seconds(1))  // never backwards
        #expect(clock.now() == MonotonicInstant(nanoseconds: 6_500_000_000))
        #expect(wakes.count.load(ordering: .relaxed) == 2)
    }
}
