// Token buckets for the new-connection rate limits (our addition,
// docs/design/0030-ipvs-defences.md). Each bucket is one 64-bit "theoretical arrival time" (the
// generic cell rate algorithm, equivalent to a token bucket of depth `burst` refilled at `rate`),
// so a bucket costs 8 bytes and a check no allocation.

enum NewConnectionBucket {
    /// Admits one new connection at `now` (nanoseconds) against `limit`, moving `arrival` on;
    /// false when the bucket is empty (the connection is over the limit and `arrival` stays).
    @inline(__always)
    static func admit(_ arrival: inout UInt64, now: UInt64, limit: NewConnectionRateLimit) -> Bool {
        let interval = max(1_000_000_000 / UInt64(max(limit.rate, 1)), 1)
        let tolerance = interval &* UInt64(max(limit.burst, 1) - 1)
        let start = max(arrival, now)
        guard start - now <= tolerance else { return false }
        arrival = start &+ interval
        return true
    }
}

/// The per-source buckets: a fixed table of `slotCount` buckets in sets of four, keyed by a
/// seeded hash of the client address (IPv6: its /64). Its memory is fixed when it is made, so a
/// flood from spoofed sources cannot grow it; a source missing from its set takes the slot of
/// the set's idlest bucket (the fullest one), so a busy source keeps its state while one-off
/// spoofed sources replace one another.
struct SourceRateTable {
    static let ways = 4
    /// A tag of 0 marks an empty slot (every real tag has its low bit set).
    private(set) var tags: ContiguousArray<UInt64>
    private(set) var arrivals: ContiguousArray<UInt64>
    private let setMask: Int
    private let seed: UInt64

    /// - Parameter slots: rounded up to a power of two, at least `ways`.
    init(slots: UInt32, seed: UInt64) {
        let count = Self.slotCount(for: slots)
        tags = ContiguousArray(repeating: 0, count: count)
        arrivals = ContiguousArray(repeating: 0, count: count)
        setMask = count / Self.ways - 1
        self.seed = seed
    }

    var slotCount: Int { tags.count }

    /// The slots a table asked for `slots` has: a power of two, at least `ways`.
    static func slotCount(for slots: UInt32) -> Int {
        var count = ways
        while count < Int(slots) { count <<= 1 }
        return count
    }

    /// Bytes the table holds (fixed at creation).
    var footprintBytes: Int { (tags.capacity + arrivals.capacity) * MemoryLayout<UInt64>.stride }

    /// Admits one new connection from `source` at `now`, or false when it is over `limit`.
    mutating func admit(_ source: IPAddress, now: UInt64, limit: NewConnectionRateLimit) -> Bool {
        let key: UInt64
        switch source.family {
        case .inet: key = source.low
        case .inet6: key = source.high ^ 0x6000_0000_0000_0000
        }
        let hash = ConnectionTable.mix(seed ^ key)
        let tag = hash | 1
        let base = (Int(truncatingIfNeeded: hash >> 32) & setMask) * Self.ways
        var victim = base
        for slot in base..<(base + Self.ways) {
            if tags[slot] == tag { return NewConnectionBucket.admit(&arrivals[slot], now: now, limit: limit) }
            if arrivals[slot] < arrivals[victim] { victim = slot }
        }
        tags[victim] = tag
        arrivals[victim] = 0
        return NewConnectionBucket.admit(&arrivals[victim], now: now, limit: limit)
    }
}
