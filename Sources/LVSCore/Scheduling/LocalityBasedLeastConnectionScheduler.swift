/// `lblc`: sticks each destination address to one real server, chosen by wlc, as long as that
/// server can take it and is not lblc-overloaded (reference §3.10). Meant for transparent cache
/// clusters behind firewall-mark services, where the destination address is the origin server.
public final class LocalityBasedLeastConnectionScheduler: Scheduler {
    public var name: String { "lblc" }

    /// `lblc_expiration` in seconds: idle entries are dropped by the full expiry pass.
    public var expirationSeconds: UInt64

    private var destinations: [RealServer] = []
    private var table = LocalityTable()

    /// - Parameter expirationSeconds: the `lblc_expiration` sysctl (default 24 hours).
    public init(expirationSeconds: UInt64 = 86_400) {
        self.expirationSeconds = expirationSeconds
    }

    /// How many destination addresses the table currently remembers.
    public var entryCount: Int { table.count }

    public func destinationsChanged(_ destinations: [RealServer]) {
        self.destinations = destinations
    }

    public func pick(_ input: SchedulingInput) -> RealServer? {
        let entry = table.lookup(input.destinationAddress)
        if let entry {
            entry.lastUse = input.now
            // The kernel checks only availability and weight here; we also honour the OVERLOAD
            // flag so a threshold is never exceeded (Scheduler contract; see the report).
            if let stuck = entry.members.first, stuck.canTakeNewConnection,
                !stuck.isLocalityOverloaded(among: destinations)
            {
                return stuck
            }
        }
        guard let chosen = WeightedLeastConnectionScheduler.leastLoaded(destinations) else { return nil }
        if let entry {
            if entry.members.isEmpty {
                entry.members.append(chosen)
            } else {
                entry.members[0] = chosen
            }
        } else {
            table.insert(LocalityEntry(address: input.destinationAddress, destination: chosen, now: input.now))
        }
        return chosen
    }

    /// `pick` without remembering the choice or touching the entry's last use.
    public func preview(_ input: SchedulingInput) -> RealServer? {
        if let stuck = table.lookup(input.destinationAddress)?.members.first, stuck.canTakeNewConnection,
            !stuck.isLocalityOverloaded(among: destinations)
        {
            return stuck
        }
        return WeightedLeastConnectionScheduler.leastLoaded(destinations)
    }

    public func maintenance(now: MonotonicInstant) {
        table.timerFired(now: now, expirationSeconds: expirationSeconds)
    }

    /// The real server remembered for a destination address, if any (for tests and `explain`).
    public func remembered(for address: IPAddress) -> RealServer? {
        table.lookup(address)?.members.first
    }
}
