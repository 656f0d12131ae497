/// What a reactor's owner (an engine worker) does when something happens on its thread.
///
/// The reactor is generic over its handler (`Reactor<Handler>`), so every call below is a
/// direct, specialisable call on a concrete final class: no closure, no existential, no
/// allocation per event. Conforming classes must be `final` (the requirements mention
/// `Reactor<Self>`). Every method runs on the reactor's own thread, one at a time.
public protocol ReactorHandler: AnyObject, SendableMetatype {
    /// What the control plane may post to this reactor (a forwarding snapshot, a command).
    associatedtype Message: Sendable

    /// `run()` has started on the reactor thread: register listeners, reserve tables.
    func reactorStarted(_ reactor: Reactor<Self>)

    /// An fd this handler registered is ready. Only events whose token is still current reach
    /// here: events for an fd closed earlier in the same batch are dropped (and counted).
    func handle(_ event: ReactorEvent, reactor: Reactor<Self>)

    /// The timer of `slot` has expired (it is no longer armed; re-arm to repeat).
    func timerFired(slot: UInt32, reactor: Reactor<Self>)

    /// A message posted with `Reactor.post(_:)` has arrived, in posting order.
    func mailboxMessage(_ message: Message, reactor: Reactor<Self>)

    /// Called once per wake-up after the batch of events and expired timers: flush batched
    /// output (sendmmsg, TX rings), resume deferred accepts.
    func batchCompleted(reactor: Reactor<Self>)

    /// `run()` is about to return (after `stop()`): close every fd the handler owns. The reactor
    /// closes its own epoll fd and eventfd after this.
    func reactorStopping(_ reactor: Reactor<Self>)
}

extension ReactorHandler {
    public func reactorStarted(_ reactor: Reactor<Self>) {}
    public func batchCompleted(reactor: Reactor<Self>) {}
    public func reactorStopping(_ reactor: Reactor<Self>) {}
}

/// The events an fd is registered for. Raw values are the Linux `EPOLL*` bits (kernel ABI), so
/// registering passes them through unchanged.
public struct ReactorInterest: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// EPOLLIN.
    public static let readable = ReactorInterest(rawValue: 0x001)
    /// EPOLLOUT.
    public static let writable = ReactorInterest(rawValue: 0x004)
    /// EPOLLRDHUP: the peer shut down its sending side (half-close), reported without a read.
    public static let readHangup = ReactorInterest(rawValue: 0x2000)
    /// EPOLLET: report changes, not levels. The handler must then read/write/accept until
    /// EAGAIN, or remember that it stopped early.
    public static let edgeTriggered = ReactorInterest(rawValue: 0x8000_0000)

    /// Readable, writable and read-hangup, edge-triggered: register once for a connection's whole
    /// life, with no `epoll_ctl(MOD)` as its direction of traffic changes.
    public static let connection: ReactorInterest = [.readable, .writable, .readHangup, .edgeTriggered]
    /// Readable, edge-triggered: listeners, eventfds, UDP sockets.
    public static let input: ReactorInterest = [.readable, .edgeTriggered]
}

/// What epoll reported for an fd. Raw values are the Linux `EPOLL*` bits.
public struct Readiness: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// EPOLLIN: data (or EOF, or a pending connection) to read.
    public static let readable = Readiness(rawValue: 0x001)
    /// EPOLLOUT: room to write; a non-blocking connect has finished (check SO_ERROR).
    public static let writable = Readiness(rawValue: 0x004)
    /// EPOLLERR: a socket error is pending (read it with `Socket.pendingError`).
    public static let error = Readiness(rawValue: 0x008)
    /// EPOLLHUP: both directions are closed.
    public static let hangup = Readiness(rawValue: 0x010)
    /// EPOLLRDHUP: the peer will send no more (half-close).
    public static let readHangup = Readiness(rawValue: 0x2000)
}

/// One readiness notification: which registration, and what it is ready for.
public struct ReactorEvent: Hashable, Sendable {
    /// The registration's token (slot = fd, and its generation).
    public var token: ReactorToken
    public var readiness: Readiness

    @inlinable
    public init(token: ReactorToken, readiness: Readiness) {
        self.token = token
        self.readiness = readiness
    }

    /// The fd that is ready.
    @inlinable public var fd: Int32 { token.fd }
}
