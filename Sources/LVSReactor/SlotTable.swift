/// A preallocated table of per-connection state, indexed by slot (the file descriptor, for
/// the proxy engine), with a generation per slot so stale references are detected.
///
/// Entries are structs stored inline in one `ContiguousArray`: reading or mutating a slot is an
/// index, not a dictionary lookup, a class dereference or an allocation. The table grows by
/// doubling, only when a slot beyond the current capacity is occupied, up to `limit`
/// (RLIMIT_NOFILE by default, the largest fd the process can be given). Engines reserve their
/// expected size at start-up so the data path never grows it.
///
/// Generations: even means vacant, odd means occupied. `occupy` and `release` each add one, so
/// every occupancy has a generation no earlier or later occupancy of the slot shares (until the
/// 32-bit counter wraps, 2^31 reuses later), and a token minted for it stops matching the
/// moment the slot is released.
public struct SlotTable<Entry> {
    @usableFromInline var entries: ContiguousArray<Entry>
    @usableFromInline var generations: ContiguousArray<UInt32>
    /// The value vacant slots hold (and released slots are reset to).
    public let vacant: Entry
    /// Capacity never grows beyond this many slots.
    public let limit: Int
    @usableFromInline var occupied: Int = 0
    /// Slots currently occupied.
    public var occupiedCount: Int { occupied }

    /// - Parameters:
    ///   - vacant: the entry a vacant slot holds.
    ///   - initialCapacity: slots allocated now (clamped to `limit`).
    ///   - limit: the most slots the table may ever hold; RLIMIT_NOFILE by default.
    public init(vacant: Entry, initialCapacity: Int = 1024, limit: Int = SystemLimits.fileDescriptors) {
        self.vacant = vacant
        self.limit = max(1, limit)
        let capacity = min(max(1, initialCapacity), self.limit)
        self.entries = ContiguousArray(repeating: vacant, count: capacity)
        self.generations = ContiguousArray(repeating: 0, count: capacity)
    }

    /// Slots allocated.
    @inlinable
    public var capacity: Int { entries.count }

    /// Grows to at least `slots` slots now (so the data path need not); false if beyond `limit`.
    @discardableResult
    public mutating func reserveCapacity(_ slots: Int) -> Bool {
        guard slots <= limit else { return false }
        if slots > entries.count { grow(to: slots) }
        return true
    }

    @usableFromInline
    mutating func grow(to slots: Int) {
        var newCapacity = max(entries.count, 1)
        while newCapacity < slots { newCapacity &*= 2 }
        newCapacity = min(newCapacity, limit)
        let extra = newCapacity - entries.count
        entries.append(contentsOf: repeatElement(vacant, count: extra))
        generations.append(contentsOf: repeatElement(0, count: extra))
    }

    /// Occupies a vacant slot with `entry` and returns its token; nil if `slot` is beyond
    /// `limit` or already occupied (an engine that forgot to release it).
    @inlinable
    public mutating func occupy(_ slot: UInt32, with entry: Entry) -> ReactorToken? {
        let index = Int(slot)
        guard index < limit else { return nil }
        if index >= entries.count { grow(to: index + 1) }
        let generation = generations[index]
        guard generation & 1 == 0 else { return nil }
        generations[index] = generation &+ 1
        entries[index] = entry
        occupied &+= 1
        return ReactorToken(slot: slot, generation: generation &+ 1)
    }

    /// Releases the occupancy `token` names and returns its entry; nil (and no change) if the
    /// token is stale.
    @inlinable
    @discardableResult
    public mutating func release(_ token: ReactorToken) -> Entry? {
        guard isCurrent(token) else { return nil }
        return release(slot: token.slot)
    }

    /// Releases whatever occupies `slot` and returns its entry; nil if it was vacant.
    @inlinable
    @discardableResult
    public mutating func release(slot: UInt32) -> Entry? {
        let index = Int(slot)
        guard index < entries.count, generations[index] & 1 == 1 else { return nil }
        generations[index] &+= 1
        let old = entries[index]
        entries[index] = vacant
        occupied &-= 1
        return old
    }

    /// True if `token` names the slot's current occupancy.
    @inlinable
    public func isCurrent(_ token: ReactorToken) -> Bool {
        let index = Int(token.slot)
        return index < generations.count && generations[index] == token.generation && token.generation & 1 == 1
    }

    /// True if `slot` is occupied.
    @inlinable
    public func isOccupied(_ slot: UInt32) -> Bool {
        let index = Int(slot)
        return index < generations.count && generations[index] & 1 == 1
    }

    /// The token of the slot's current occupancy, nil if vacant.
    @inlinable
    public func token(for slot: UInt32) -> ReactorToken? {
        let index = Int(slot)
        guard index < generations.count, generations[index] & 1 == 1 else { return nil }
        return ReactorToken(slot: slot, generation: generations[index])
    }

    /// The entry at `slot`, read or mutated in place. `slot` must be below `capacity` (it is
    /// one the engine occupied; never an index from the network).
    @inlinable
    public subscript(slot: UInt32) -> Entry {
        get { entries[Int(slot)] }
        _modify { yield &entries[Int(slot)] }
    }

    /// The entry `token` names, nil if the token is stale.
    @inlinable
    public subscript(token: ReactorToken) -> Entry? {
        isCurrent(token) ? entries[Int(token.slot)] : nil
    }
}
