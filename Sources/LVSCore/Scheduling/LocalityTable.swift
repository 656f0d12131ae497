/// One lblc/lblcr table entry: a destination address and the real server(s) it sticks to
/// (reference §3.10, §3.11). lblc keeps exactly one member; lblcr keeps a set, newest member
/// first (the kernel adds set members at the head of the set's list).
final class LocalityEntry {
    let address: IPAddress
    var lastUse: MonotonicInstant
    /// lblcr's `lastmod`: when the set last gained or lost a member.
    var lastModified: MonotonicInstant
    var members: ContiguousArray<RealServer>

    init(address: IPAddress, destination: RealServer, now: MonotonicInstant) {
        self.address = address
        self.lastUse = now
        self.lastModified = now
        self.members = [destination]
        members.reserveCapacity(4)
    }
}

/// The per-service table of lblc and lblcr: 1024 hash buckets keyed by
/// `hash_32(fold(daddr), 10)`, a hard bound on entries, and the garbage collection the kernel's
/// 60-second timer runs (reference §3.10).
///
/// Lookups allocate nothing; inserting an entry allocates it, which happens once per new
/// destination address (a configuration-like event).
struct LocalityTable {
    static let bucketBits = 10
    static let bucketCount = 1 << bucketBits
    /// `max_size`: 16 × buckets; above it the timer trims idle entries.
    static let softLimit = 16 * bucketCount
    /// No new entry is created once the table holds this many (reference §3.10).
    static let hardLimit = 24_576
    /// Every 30th timer tick runs a full expiry pass.
    static let ticksPerFullExpiry = 30
    /// Idle time after which an entry may be trimmed when the table is over its soft limit.
    static let overflowIdleSeconds: UInt64 = 6 * 60

    private var buckets = ContiguousArray(
        repeating: ContiguousArray<LocalityEntry>(), count: LocalityTable.bucketCount)
    private(set) var count = 0
    /// The timer's tick counter; starts at 1.
    private(set) var tickCounter = 1
    /// The last bucket the over-limit trim scanned.
    private var rover = 0

    init() {}

    static func bucket(for address: IPAddress) -> Int {
        Int(IPVSHash.hash32(address.folded, bits: bucketBits))
    }

    func lookup(_ address: IPAddress) -> LocalityEntry? {
        for entry in buckets[Self.bucket(for: address)] where entry.address == address {
            return entry
        }
        return nil
    }

    /// Adds a new entry unless the table is at its hard limit; returns whether it was added.
    @discardableResult
    mutating func insert(_ entry: LocalityEntry) -> Bool {
        guard count < Self.hardLimit else { return false }
        buckets[Self.bucket(for: entry.address)].append(entry)
        count += 1
        return true
    }

    /// One run of the kernel's 60-second timer (reference §3.10): every 30th tick deletes all
    /// entries idle for `expirationSeconds` or longer; other ticks do nothing while the table is
    /// within its soft limit, and otherwise delete entries idle ≥ 6 minutes bucket by bucket
    /// from the rover until min((entries − 16384) × 4/3, 8192) are gone.
    mutating func timerFired(now: MonotonicInstant, expirationSeconds: UInt64) {
        if tickCounter % Self.ticksPerFullExpiry == 0 {
            for bucket in 0..<Self.bucketCount {
                removeIdle(inBucket: bucket, now: now, idleSeconds: expirationSeconds)
            }
            tickCounter = 1
            return
        }
        if count <= Self.softLimit {
            tickCounter += 1
            return
        }
        var goal = min((count - Self.softLimit) * 4 / 3, Self.softLimit / 2)
        var bucket = rover
        for _ in 0..<Self.bucketCount {
            bucket = (bucket + 1) & (Self.bucketCount - 1)
            goal -= removeIdle(inBucket: bucket, now: now, idleSeconds: Self.overflowIdleSeconds)
            if goal <= 0 { break }
        }
        rover = bucket
    }

    /// Nanoseconds from `start` to `now`, 0 if `now` is earlier.
    static func elapsed(since start: MonotonicInstant, now: MonotonicInstant) -> UInt64 {
        now.nanoseconds >= start.nanoseconds ? now.nanoseconds - start.nanoseconds : 0
    }

    /// `seconds` in nanoseconds, saturating so a huge sysctl value means "never" rather than
    /// wrapping around.
    static func nanoseconds(_ seconds: UInt64) -> UInt64 {
        let (value, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : value
    }

    /// Deletes the entries of one bucket whose `lastUse + idleSeconds <= now`; returns how many.
    @discardableResult
    private mutating func removeIdle(inBucket bucket: Int, now: MonotonicInstant, idleSeconds: UInt64) -> Int {
        let before = buckets[bucket].count
        let limit = Self.nanoseconds(idleSeconds)
        buckets[bucket].removeAll { Self.elapsed(since: $0.lastUse, now: now) >= limit }
        let removed = before - buckets[bucket].count
        count -= removed
        return removed
    }
}

extension RealServer {
    /// lblc's own overload test (reference §3.10): more active connections than its weight while
    /// some real server of the service is below half its weight.
    func isLocalityOverloaded(among destinations: [RealServer]) -> Bool {
        guard activeConnections > weight else { return false }
        for other in destinations where Int64(other.activeConnections) * 2 < Int64(other.weight) {
            return true
        }
        return false
    }
}
