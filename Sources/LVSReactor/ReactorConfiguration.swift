/// How a reactor is sized. The defaults suit the proxy engine.
public struct ReactorConfiguration: Sendable {
    /// Thread name prefix (the group appends "-N"); shown by `top -H` and `ps -L`.
    public var name: String
    /// Events fetched per `epoll_wait`: the preallocated event buffer's length.
    public var eventBatchSize: Int
    /// Timer tick (10 ms suits connect timeouts; idle timeouts only need 100 ms).
    public var tickNanoseconds: UInt64
    /// Timing-wheel buckets per revolution (rounded up to a power of two).
    public var wheelBuckets: Int
    /// Registration and timer slots preallocated (fds expected; grows by doubling beyond).
    public var initialSlotCapacity: Int
    /// How many wheel buckets ahead the reactor looks for its next timer before sleeping at most
    /// that long (bounds the work done before each `epoll_wait`).
    public var timerLookahead: Int

    public init(
        name: String = "lvs-reactor",
        eventBatchSize: Int = 256,
        tickNanoseconds: UInt64 = 10_000_000,
        wheelBuckets: Int = 4096,
        initialSlotCapacity: Int = 1024,
        timerLookahead: Int = 256
    ) {
        self.name = name
        self.eventBatchSize = max(1, eventBatchSize)
        self.tickNanoseconds = max(1, tickNanoseconds)
        self.wheelBuckets = max(1, wheelBuckets)
        self.initialSlotCapacity = max(1, initialSlotCapacity)
        self.timerLookahead = max(1, timerLookahead)
    }
}

/// Counts kept by a reactor (read them on its thread, or after `run()` returned).
public struct ReactorCounters: Hashable, Sendable {
    /// `epoll_wait` returns.
    public var wakeups: UInt64 = 0
    /// Events delivered to the handler.
    public var events: UInt64 = 0
    /// Events dropped because their token was no longer current (fd closed earlier in the batch).
    public var staleEvents: UInt64 = 0
    /// Timers delivered.
    public var timersFired: UInt64 = 0
    /// Mailbox messages delivered.
    public var mailboxMessages: UInt64 = 0

    public init() {}
}
