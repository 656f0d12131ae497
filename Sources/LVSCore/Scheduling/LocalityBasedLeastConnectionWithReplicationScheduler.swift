/// `lblcr`: like lblc, but each destination address maps to a set of real servers that grows
/// when its least-loaded member is overloaded and sheds its most-loaded member after a quiet
/// `lblcr_expiration` (reference §3.11).
public final class LocalityBasedLeastConnectionWithReplicationScheduler: Scheduler {
    public var name: String { "lblcr" }

    /// `lblcr_expiration` in seconds: both the entry expiry and the set shrink interval.
    public var expirationSeconds: UInt64

    private var destinations: [RealServer] = []
    private var table = LocalityTable()

    /// - Parameter expirationSeconds: the `lblcr_expiration` sysctl (default 24 hours).
    public init(expirationSeconds: UInt64 = 86_400) {
        self.expirationSeconds = expirationSeconds
    }

    /// How many destination addresses the table currently remembers.
    public var entryCount: Int { table.count }

    public func destinationsChanged(_ destinations: [RealServer]) {
        self.destinations = destinations
    }

    public func pick(_ input: SchedulingInput) -> RealServer? {
        guard let entry = table.lookup(input.destinationAddress) else {
            guard let chosen = WeightedLeastConnectionScheduler.leastLoaded(destinations) else { return nil }
            table.insert(LocalityEntry(address: input.destinationAddress, destination: chosen, now: input.now))
            return chosen
        }
        entry.lastUse = input.now
        let least = Self.setMinimum(entry.members)
        // Shed the most loaded member once the set has been stable for the expiration time.
        if entry.members.count > 1,
            LocalityTable.elapsed(since: entry.lastModified, now: input.now)
                > LocalityTable.nanoseconds(expirationSeconds),
            let most = Self.setMaximumIndex(entry.members)
        {
            entry.members.remove(at: most)
            entry.lastModified = input.now
        }
        if let least, !least.isLocalityOverloaded(among: destinations) { return least }
        guard let chosen = WeightedLeastConnectionScheduler.leastLoaded(destinations) else { return nil }
        var isMember = false
        for member in entry.members where member === chosen {
            isMember = true
            break
        }
        if !isMember {
            entry.members.insert(chosen, at: 0)
            entry.lastModified = input.now
        }
        return chosen
    }

    /// `pick` without growing or shrinking the set (the set minimum is taken before any shedding,
    /// as `pick` takes it) and without touching the entry's last use.
    public func preview(_ input: SchedulingInput) -> RealServer? {
        if let entry = table.lookup(input.destinationAddress), let least = Self.setMinimum(entry.members),
            !least.isLocalityOverloaded(among: destinations)
        {
            return least
        }
        return WeightedLeastConnectionScheduler.leastLoaded(destinations)
    }

    public func maintenance(now: MonotonicInstant) {
        table.timerFired(now: now, expirationSeconds: expirationSeconds)
    }

    /// The set remembered for a destination address, newest member first (for tests and `explain`).
    public func replicas(for address: IPAddress) -> [RealServer] {
        guard let entry = table.lookup(address) else { return [] }
        return Array(entry.members)
    }

    /// `set_min`: the wlc minimum among members that can take a new connection.
    static func setMinimum(_ members: ContiguousArray<RealServer>) -> RealServer? {
        WeightedLeastConnectionScheduler.leastLoaded(members)
    }

    /// `set_max`: position of the member with the largest overhead / weight among those with
    /// weight > 0 (availability and overload are not considered); ties go to the earlier one.
    static func setMaximumIndex(_ members: ContiguousArray<RealServer>) -> Int? {
        var most: Int?
        var mostOverhead: Int64 = 0
        var mostWeight: Int64 = 0
        for index in members.indices {
            let member = members[index]
            let weight = Int64(member.weight)
            guard weight > 0 else { continue }
            let overhead = member.overhead
            if most == nil || mostOverhead &* weight < overhead &* mostWeight {
                most = index
                mostOverhead = overhead
                mostWeight = weight
            }
        }
        return most
    }
}
