import LVSCore

/// A hashed timing wheel for idle and connect timeouts: at most one timer per slot, armed,
/// cancelled and expired in O(1) with nothing allocated per timer.
///
/// Pure: it never reads a clock. The reactor passes the monotonic time in; tests pass a manual
/// one (DESIGN.md §7).
///
/// Time is cut into ticks of `tickNanoseconds`. A timer due at instant d sits in bucket
/// `ceil(d / tick) mod bucketCount`, on a doubly linked list threaded through `nodes`, an array
/// indexed by slot (intrusive links: the slot *is* the list node). A deadline more than one
/// revolution away shares its bucket with nearer ones and is skipped until its own tick comes
/// round, so a bucket visit costs one step per timer it holds — the usual hashed-wheel trade
/// ("Hashed and Hierarchical Timing Wheels", Varghese & Lauck, scheme 6).
///
/// Guarantees: a timer never fires before its deadline, and at most one tick after the
/// `nextExpired(now:)` call that first sees `now` past it. A timer armed while timers are being
/// expired fires no earlier than the next tick, so a handler that re-arms "now" cannot loop.
public struct TimingWheel: Sendable {
    @usableFromInline
    struct Node: Sendable {
        @usableFromInline var next: UInt32 = TimingWheel.none
        @usableFromInline var previous: UInt32 = TimingWheel.none
        @usableFromInline var deadlineTick: UInt64 = 0
        @usableFromInline var isArmed = false

        @usableFromInline
        init() {}

        @usableFromInline
        init(next: UInt32, previous: UInt32, deadlineTick: UInt64, isArmed: Bool) {
            self.next = next
            self.previous = previous
            self.deadlineTick = deadlineTick
            self.isArmed = isArmed
        }
    }

    @usableFromInline static let none = UInt32.max

    /// Length of one tick.
    public let tickNanoseconds: UInt64
    /// Buckets per revolution (a power of two).
    public let bucketCount: Int
    @usableFromInline let mask: UInt64
    @usableFromInline var heads: ContiguousArray<UInt32>
    @usableFromInline var nodes: ContiguousArray<Node>
    /// Ticks before this one are fully expired; this one may be part-way (see `cursor`).
    @usableFromInline var currentTick: UInt64
    /// The next node to examine in bucket `currentTick`, or `none` when that bucket is done.
    @usableFromInline var cursor: UInt32 = TimingWheel.none
    @usableFromInline var armedCount: Int = 0
    /// Timers armed.
    public var count: Int { armedCount }

    /// - Parameters:
    ///   - tickNanoseconds: tick length (10 ms = 10_000_000 suits connect timeouts; idle timeouts
    ///     of seconds are fine at 100 ms).
    ///   - bucketCount: rounded up to a power of two; timers within one revolution
    ///     (`bucketCount × tick`) never share a bucket visit with later rounds.
    ///   - slotCapacity: slots preallocated; arming a higher slot grows the table by doubling.
    ///   - now: the wheel's starting time.
    public init(tickNanoseconds: UInt64, bucketCount: Int = 4096, slotCapacity: Int = 1024, now: MonotonicInstant) {
        self.tickNanoseconds = max(1, tickNanoseconds)
        var buckets = 1
        while buckets < max(1, bucketCount) { buckets &*= 2 }
        self.bucketCount = buckets
        self.mask = UInt64(buckets - 1)
        self.heads = ContiguousArray(repeating: TimingWheel.none, count: buckets)
        self.nodes = ContiguousArray(repeating: Node(), count: max(1, slotCapacity))
        self.currentTick = now.nanoseconds / self.tickNanoseconds
    }

    /// Slots the node table holds without growing.
    public var slotCapacity: Int { nodes.count }

    /// Grows the node table to at least `slots` now, so arming never allocates later.
    public mutating func reserveSlots(_ slots: Int) {
        if slots > nodes.count { growNodes(to: slots) }
    }

    @usableFromInline
    mutating func growNodes(to slots: Int) {
        var capacity = max(nodes.count, 1)
        while capacity < slots { capacity &*= 2 }
        nodes.append(contentsOf: repeatElement(Node(), count: capacity - nodes.count))
    }

    /// True if `slot` has a timer armed.
    @inlinable
    public func isArmed(_ slot: UInt32) -> Bool {
        Int(slot) < nodes.count && nodes[Int(slot)].isArmed
    }

    /// The tick `slot`'s timer is due in, nil if none is armed.
    public func deadlineTick(of slot: UInt32) -> UInt64? {
        isArmed(slot) ? nodes[Int(slot)].deadlineTick : nil
    }

    /// Arms (or re-arms, replacing any earlier deadline) the timer of `slot` for `deadline`.
    /// `slot` must not be `UInt32.max`.
    @inlinable
    public mutating func arm(_ slot: UInt32, at deadline: MonotonicInstant) {
        precondition(slot != TimingWheel.none, "slot UInt32.max is reserved")
        let index = Int(slot)
        if index >= nodes.count { growNodes(to: index + 1) }
        if nodes[index].isArmed { unlink(slot) }
        // Round up so a timer never fires early; never into a tick already being expired.
        let (quotient, remainder) = deadline.nanoseconds.quotientAndRemainder(dividingBy: tickNanoseconds)
        let tick = max(remainder == 0 ? quotient : quotient &+ 1, currentTick &+ 1)
        let bucket = Int(tick & mask)
        let head = heads[bucket]
        nodes[index] = Node(next: head, previous: TimingWheel.none, deadlineTick: tick, isArmed: true)
        if head != TimingWheel.none { nodes[Int(head)].previous = slot }
        heads[bucket] = slot
        armedCount &+= 1
    }

    /// Cancels `slot`'s timer; returns false if none was armed.
    @inlinable
    @discardableResult
    public mutating func cancel(_ slot: UInt32) -> Bool {
        guard isArmed(slot) else { return false }
        unlink(slot)
        return true
    }

    @usableFromInline
    mutating func unlink(_ slot: UInt32) {
        let node = nodes[Int(slot)]
        // Expiry may be walking this bucket: step its cursor past the node being removed.
        if cursor == slot { cursor = node.next }
        if node.previous != TimingWheel.none {
            nodes[Int(node.previous)].next = node.next
        } else {
            heads[Int(node.deadlineTick & mask)] = node.next
        }
        if node.next != TimingWheel.none { nodes[Int(node.next)].previous = node.previous }
        nodes[Int(slot)] = Node()
        armedCount &-= 1
    }

    /// Removes and returns one slot whose timer is due at `now`, nil when none is. Call until
    /// nil after each wake-up; handlers may arm and cancel timers between calls.
    @inlinable
    public mutating func nextExpired(now: MonotonicInstant) -> UInt32? {
        let target = now.nanoseconds / tickNanoseconds
        while true {
            while cursor != TimingWheel.none {
                let slot = cursor
                let node = nodes[Int(slot)]
                cursor = node.next
                if node.deadlineTick <= currentTick {
                    unlink(slot)
                    return slot
                }
            }
            guard currentTick < target else { return nil }
            // Nothing armed: jump straight to `target` instead of visiting empty buckets.
            currentTick = count == 0 ? target : currentTick &+ 1
            cursor = heads[Int(currentTick & mask)]
        }
    }

    /// Ticks from the current one until the first non-empty bucket, looking at most `horizon`
    /// buckets ahead: nil if no timer is armed, `horizon` if none is within it. The reactor
    /// sleeps that long (a bucket holding only later-round timers wakes it early, harmlessly).
    public func ticksUntilNextBucket(horizon: Int = 256) -> UInt64? {
        guard count > 0 else { return nil }
        if cursor != TimingWheel.none { return 0 }
        let limit = UInt64(min(max(1, horizon), bucketCount))
        var ahead: UInt64 = 1
        while ahead < limit {
            if heads[Int((currentTick &+ ahead) & mask)] != TimingWheel.none { return ahead }
            ahead &+= 1
        }
        return limit
    }

    /// The instant the wheel should next be advanced to (the start of the tick computed by
    /// `ticksUntilNextBucket`), nil if no timer is armed.
    public func nextWakeup(horizon: Int = 256) -> MonotonicInstant? {
        guard let ahead = ticksUntilNextBucket(horizon: horizon) else { return nil }
        return MonotonicInstant(nanoseconds: (currentTick &+ ahead) &* tickNanoseconds)
    }
}
