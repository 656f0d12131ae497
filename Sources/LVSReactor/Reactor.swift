import CLinuxNet
import Glibc
import LVSCore

/// One thread's event loop: an edge-triggered epoll set, a timing wheel and a mailbox, driving
/// one handler (an engine worker) with no allocation, closure or existential per event.
///
/// Thread model: create it anywhere, then call `run()` on the thread that will own it (usually
/// via `start()` or `ReactorGroup`, which give it a dedicated pthread). From then on every
/// method except `post(_:)` and `stop()` must be called on that thread — in practice from the
/// handler's callbacks.
///
/// `@unchecked Sendable` invariant: other threads only ever call `post(_:)`/`stop()`, which touch
/// nothing but the mailbox (its own lock); all other state is confined to the reactor thread
/// (or handed over before `run()` starts / read after it returned and the thread was joined).
public final class Reactor<Handler: ReactorHandler>: @unchecked Sendable {
    @usableFromInline
    enum Phase { case idle, running, stopped }

    /// The engine worker this reactor drives.
    public let handler: Handler
    public let configuration: ReactorConfiguration
    /// Where `now` comes from: CLOCK_MONOTONIC, or a test's manual clock.
    public let clock: any ReactorClock
    @usableFromInline let epollFD: Int32
    @usableFromInline let mailbox: Mailbox<Handler.Message>
    /// Generation per registered fd: proves an event's token is still current.
    @usableFromInline var registrations: SlotTable<ReactorInterest>
    @usableFromInline var wheel: TimingWheel
    /// `eventBatchSize` packed `struct epoll_event`s (12 bytes each on x86_64).
    @usableFromInline let eventBuffer: UnsafeMutableRawPointer
    @usableFromInline var mailboxItems: [Mailbox<Handler.Message>.Item] = []
    @usableFromInline var phase = Phase.idle
    @usableFromInline var stopRequested = false
    @usableFromInline var currentTime: MonotonicInstant
    @usableFromInline var counterStorage = ReactorCounters()

    /// The mailbox eventfd's epoll data: slot UInt32.max, which no fd can have.
    @usableFromInline static var mailboxData: UInt64 { UInt64.max }

    /// Creates the epoll set and mailbox. Nothing runs until `run()`. Timers and `now` follow
    /// `clock` (the system's monotonic clock unless a test injects its own).
    public init(
        handler: Handler, configuration: ReactorConfiguration = ReactorConfiguration(),
        clock: any ReactorClock = SystemReactorClock()
    ) throws(SystemError) {
        self.handler = handler
        self.configuration = configuration
        self.clock = clock
        let epollFD = clinuxnet_epoll_create()
        guard epollFD >= 0 else { throw SystemError.last("epoll_create1") }
        let mailbox: Mailbox<Handler.Message>
        do {
            mailbox = try Mailbox()
        } catch {
            _ = Glibc.close(epollFD)
            throw error
        }
        guard
            clinuxnet_epoll_ctl(
                epollFD, CLINUXNET_EPOLL_CTL_ADD, mailbox.eventFD, ReactorInterest.input.rawValue, Self.mailboxData)
                == 0
        else {
            let error = SystemError.last("epoll_ctl")
            mailbox.close()
            _ = Glibc.close(epollFD)
            throw error
        }
        self.epollFD = epollFD
        self.mailbox = mailbox
        let now = clock.now()
        self.currentTime = now
        self.registrations = SlotTable(vacant: [], initialCapacity: configuration.initialSlotCapacity)
        self.wheel = TimingWheel(
            tickNanoseconds: configuration.tickNanoseconds, bucketCount: configuration.wheelBuckets,
            slotCapacity: configuration.initialSlotCapacity, now: now)
        self.eventBuffer = UnsafeMutableRawPointer.allocate(
            byteCount: clinuxnet_epoll_event_size() * configuration.eventBatchSize, alignment: 8)
        self.mailboxItems.reserveCapacity(16)
    }

    deinit {
        if phase != .stopped { closeOwnDescriptors() }
        eventBuffer.deallocate()
    }

    /// The monotonic time of the latest wake-up: what timers and idle checks should use.
    @inlinable public var now: MonotonicInstant { currentTime }

    /// Counts of wake-ups, events, stale events, timers and messages so far.
    @inlinable public var counters: ReactorCounters { counterStorage }

    /// Runs the loop on the calling thread until `stop()`; then calls the handler's
    /// `reactorStopping`, closes the epoll fd and eventfd, and returns. Throws only if
    /// `epoll_wait` fails for a reason other than EINTR (after the same clean-up).
    /// A reactor runs once: a second call returns at once.
    @inlinable
    public func run() throws(SystemError) {
        guard phase == .idle else { return }
        phase = .running
        // A clock whose time moves only when told (a test's) wakes the loop when it moves.
        clock.attach { [mailbox] in _ = mailbox.post(.wake) }
        handler.reactorStarted(self)
        let capacity = Int32(clamping: configuration.eventBatchSize)
        while !stopRequested {
            let count = clinuxnet_epoll_wait(epollFD, eventBuffer, capacity, waitTimeoutMilliseconds())
            if count < 0 {
                let error = SystemError.last("epoll_wait")
                if error.errno == EINTR { continue }
                shutDown()
                throw error
            }
            currentTime = clock.now()
            counterStorage.wakeups &+= 1
            var index: Int32 = 0
            while index < count {
                dispatch(
                    data: clinuxnet_epoll_event_data(eventBuffer, index),
                    events: clinuxnet_epoll_event_events(eventBuffer, index))
                index &+= 1
            }
            while let slot = wheel.nextExpired(now: currentTime) {
                counterStorage.timersFired &+= 1
                handler.timerFired(slot: slot, reactor: self)
            }
            handler.batchCompleted(reactor: self)
        }
        shutDown()
    }

    @inlinable
    func dispatch(data: UInt64, events: UInt32) {
        if data == Self.mailboxData {
            deliverMailbox()
            return
        }
        let token = ReactorToken(rawValue: data)
        // An fd closed (and perhaps reopened) earlier in this batch: its events are not for
        // whatever holds the number now.
        guard registrations.isCurrent(token) else {
            counterStorage.staleEvents &+= 1
            return
        }
        counterStorage.events &+= 1
        handler.handle(ReactorEvent(token: token, readiness: Readiness(rawValue: events)), reactor: self)
    }

    /// Milliseconds `epoll_wait` may sleep: until the next timer bucket, or forever (-1).
    @inlinable
    func waitTimeoutMilliseconds() -> Int32 {
        guard let wakeup = wheel.nextWakeup(horizon: configuration.timerLookahead) else { return -1 }
        return clock.sleepMilliseconds(until: wakeup)
    }

    @usableFromInline
    func deliverMailbox() {
        mailbox.drain(into: &mailboxItems)
        for item in mailboxItems {
            switch item {
            case .message(let message):
                counterStorage.mailboxMessages &+= 1
                handler.mailboxMessage(message, reactor: self)
            case .stop:
                stopRequested = true
            case .wake:
                // The clock moved: the loop reads it and expires what came due.
                break
            }
        }
        mailboxItems.removeAll(keepingCapacity: true)
    }

    @usableFromInline
    func shutDown() {
        handler.reactorStopping(self)
        closeOwnDescriptors()
        phase = .stopped
    }

    private func closeOwnDescriptors() {
        mailbox.close()
        _ = Glibc.close(epollFD)
    }

    // MARK: - Cross-thread

    /// Posts a message for the handler's `mailboxMessage`, from any thread. Returns false if the
    /// reactor has stopped. Messages posted before `run()` are delivered when it starts.
    @discardableResult
    public func post(_ message: Handler.Message) -> Bool {
        mailbox.post(.message(message))
    }

    /// Asks the loop to finish its current batch and return from `run()`, from any thread.
    /// Returns false if it had already stopped.
    @discardableResult
    public func stop() -> Bool {
        mailbox.post(.stop)
    }

    /// Spawns a dedicated thread (named after the configuration) that runs this reactor.
    /// Join it after `stop()`; `run()`'s error, if any, is then in `exitError`.
    public func start() throws(SystemError) -> ReactorThread {
        try ReactorThread.spawn(name: configuration.name) { [self] in
            do throws(SystemError) {
                try self.run()
            } catch {
                self.exitError = error
            }
        }
    }

    /// Why `run()` failed, if it did (set on the reactor thread before it exits).
    public internal(set) var exitError: SystemError?
}
