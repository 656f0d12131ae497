/// The connection table (reference §4.2): entries as structs in a growable slab addressed by
/// `Int32` index, a free list threaded through the slab, a chained hash index (bucket heads plus
/// a next index in each entry) and a timing wheel (ConnectionTable+Timers.swift).
///
/// Nothing here allocates per entry or per lookup; the slab and bucket array grow by amortised
/// doubling and give storage back once a burst has expired (ConnectionTable+Shrink.swift). Hash key = protocol, client address and client port, as the kernel's;
/// virtual address and port are compared on lookup.
///
/// Contract: one owner (the director) mutates it; indices stay valid until `free`.
struct ConnectionTable {
    static let notArmed = Int32.min

    var entries: ContiguousArray<ConnectionEntry> = []
    var buckets: ContiguousArray<Int32>
    var freeHead: Int32 = -1
    /// The generation a slot appended to the slab starts at: above every generation a slot cut
    /// off by a shrink had, so a stale reference to such a slot never names a later entry.
    var appendGeneration: UInt32 = 0
    /// The slab and bucket sizes a shrink never goes below.
    let initialSize: Int
    /// Live entries (hashed or not).
    private(set) var count = 0
    let seed: UInt64

    // Timing wheel (see ConnectionTable+Timers.swift).
    var wheelHeads: ContiguousArray<Int32>
    /// The second the wheel is at: every slot before it is empty.
    var cursor: UInt64 = 0
    /// Entries on the wheel.
    var armedCount = 0
    /// Persistence-engine data (SIP Call-IDs) of the templates flagged `.persistenceData`, by
    /// slot; kept beside the slab so entries stay small (ConnectionTable+PersistenceData.swift).
    var persistenceData: [Int32: PersistenceDataRecord] = [:]
    /// Application-helper state (sequence adjustment) of the entries flagged `.helperState`, by
    /// slot (ConnectionTable+HelperState.swift).
    var helperStates: [Int32: HelperStateRecord] = [:]
    /// Live entries flagged `.noClientPort` (the second in-lookup runs only while there are any).
    var noClientPortCount = 0

    init(hashSeed: UInt64, initialCapacity: Int = 4096) {
        seed = hashSeed
        var size = 16
        while size < initialCapacity { size <<= 1 }
        initialSize = size
        buckets = ContiguousArray(repeating: -1, count: size)
        entries.reserveCapacity(size)
        wheelHeads = ContiguousArray(repeating: -1, count: Self.level0Size + Self.level1Size)
    }

    // MARK: - Slab

    /// Stores `entry` in a free slot and returns its index (not hashed, not armed), or nil when
    /// the table holds Int32.max entries.
    mutating func allocate(_ entry: ConnectionEntry) -> Int32? {
        var entry = entry
        entry.flags.insert(.inUse)
        entry.flags.remove(.hashed)
        entry.hashNext = -1
        entry.timerNext = -1
        entry.timerPrev = Self.notArmed
        let index: Int32
        if freeHead >= 0 {
            index = freeHead
            let slot = Int(index)
            freeHead = entries[slot].hashNext
            entry.generation = entries[slot].generation
            entries[slot] = entry
        } else {
            guard entries.count < Int(Int32.max) else { return nil }
            index = Int32(entries.count)
            entry.generation = appendGeneration
            entries.append(entry)
        }
        if entry.flags.contains(.noClientPort) { noClientPortCount += 1 }
        count += 1
        return index
    }

    /// Unhashes, disarms and frees the entry; its slot's generation moves on.
    mutating func free(_ index: Int32) {
        guard isLive(index) else { return }
        unhash(index)
        disarm(index)
        let slot = Int(index)
        if entries[slot].flags.contains(.persistenceData) { persistenceData[index] = nil }
        if entries[slot].flags.contains(.helperState) { helperStates[index] = nil }
        if entries[slot].flags.contains(.noClientPort) { noClientPortCount -= 1 }
        entries[slot].flags = []
        entries[slot].generation &+= 1
        entries[slot].hashNext = freeHead
        entries[slot].control = -1
        entries[slot].controlledCount = 0
        entries[slot].server = -1
        freeHead = index
        count -= 1
    }

    func isLive(_ index: Int32) -> Bool {
        index >= 0 && Int(index) < entries.count && entries[Int(index)].flags.contains(.inUse)
    }

    /// The index a still-valid reference names, or nil if that entry is gone.
    func index(of ref: ConnectionRef) -> Int32? {
        guard isLive(ref.index), entries[Int(ref.index)].generation == ref.generation else { return nil }
        return ref.index
    }

    func ref(_ index: Int32) -> ConnectionRef {
        ConnectionRef(index: index, generation: entries[Int(index)].generation)
    }

    // MARK: - Hash index

    @inline(__always)
    func bucket(_ proto: IPProtocolNumber, _ high: UInt64, _ low: UInt64, _ port: UInt16) -> Int {
        var h = seed ^ (UInt64(proto.rawValue) << 16 | UInt64(port))
        h = Self.mix(h ^ high)
        h = Self.mix(h ^ low)
        return Int(truncatingIfNeeded: h) & (buckets.count - 1)
    }

    /// SplitMix64's finaliser: a cheap full-avalanche mix, keyed by the random seed.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func hash(_ index: Int32) {
        guard isLive(index), !entries[Int(index)].flags.contains(.hashed) else { return }
        if count > buckets.count { grow() }
        let b = bucket(of: index)
        entries[Int(index)].hashNext = buckets[b]
        entries[Int(index)].flags.insert(.hashed)
        buckets[b] = index
    }

    mutating func unhash(_ index: Int32) {
        guard isLive(index), entries[Int(index)].flags.contains(.hashed) else { return }
        let e = entries[Int(index)]
        let b = bucket(of: index)
        if buckets[b] == index {
            buckets[b] = e.hashNext
        } else {
            var cur = buckets[b]
            while cur >= 0 {
                let next = entries[Int(cur)].hashNext
                if next == index {
                    entries[Int(cur)].hashNext = e.hashNext
                    break
                }
                cur = next
            }
        }
        entries[Int(index)].hashNext = -1
        entries[Int(index)].flags.remove(.hashed)
    }

    /// Doubles the bucket array (load factor stays ≤ 1).
    private mutating func grow() {
        rehash(bucketCount: buckets.count * 2)
    }

    /// Rebuilds the bucket array with `bucketCount` heads (a power of two) and rechains every
    /// hashed entry.
    mutating func rehash(bucketCount: Int) {
        buckets = ContiguousArray(repeating: -1, count: bucketCount)
        for i in entries.indices where entries[i].flags.contains(.hashed) {
            let b = bucket(of: Int32(i))
            entries[i].hashNext = buckets[b]
            buckets[b] = Int32(i)
        }
    }

    // MARK: - Lookups (reference §4.2)

    /// In lookup: a client → VIP packet's connection (templates never match).
    func lookupIn(
        _ proto: IPProtocolNumber, client: IPAddress, clientPort: UInt16, virtual: IPAddress, virtualPort: UInt16
    ) -> Int32? {
        var cur = buckets[bucket(proto, client.high, client.low, clientPort)]
        while cur >= 0 {
            let e = entries[Int(cur)]
            if e.clientLow == client.low, e.clientPort == clientPort, e.virtualPort == virtualPort,
                e.virtualLow == virtual.low, e.clientHigh == client.high, e.virtualHigh == virtual.high,
                e.protocolNumber == proto, e.family == client.family, !e.isTemplate
            {
                return cur
            }
            cur = e.hashNext
        }
        return nil
    }

    /// Out lookup: a packet towards the client; its source must be the real server (NAT entries)
    /// or the virtual address (other entries).
    func lookupOut(
        _ proto: IPProtocolNumber, source: IPAddress, sourcePort: UInt16, client: IPAddress, clientPort: UInt16
    ) -> Int32? {
        var cur = buckets[bucket(proto, client.high, client.low, clientPort)]
        while cur >= 0 {
            let e = entries[Int(cur)]
            if e.clientLow == client.low, e.clientPort == clientPort, e.clientHigh == client.high,
                e.protocolNumber == proto, e.family == client.family, !e.isTemplate
            {
                let matches: Bool
                if e.forwarding == .masquerading {
                    matches =
                        e.destinationPort == sourcePort && e.destinationLow == source.low
                        && e.destinationHigh == source.high && e.destinationFamily == source.family
                } else {
                    matches =
                        e.virtualPort == sourcePort && e.virtualLow == source.low
                        && e.virtualHigh == source.high
                }
                if matches { return cur }
            }
            cur = e.hashNext
        }
        return nil
    }

    /// Template lookup: `<proto, net, 0, vaddr-or-mark, vport>` with the TEMPLATE flag and no
    /// persistence-engine data (those are found by `lookupTemplate(…, persistenceData:)`).
    func lookupTemplate(
        _ proto: IPProtocolNumber, network: IPAddress, virtualHigh: UInt64, virtualLow: UInt64, virtualPort: UInt16
    ) -> Int32? {
        var cur = buckets[bucket(proto, network.high, network.low, 0)]
        while cur >= 0 {
            let e = entries[Int(cur)]
            if e.isTemplate, e.clientPort == 0, e.clientLow == network.low, e.clientHigh == network.high,
                e.virtualPort == virtualPort, e.virtualLow == virtualLow, e.virtualHigh == virtualHigh,
                e.protocolNumber == proto, e.family == network.family, !e.flags.contains(.persistenceData)
            {
                return cur
            }
            cur = e.hashNext
        }
        return nil
    }

    /// Bytes used by the slab and hash index, for memory reporting.
    var footprintBytes: Int {
        entries.capacity * MemoryLayout<ConnectionEntry>.stride + buckets.capacity * MemoryLayout<Int32>.stride
            + wheelHeads.capacity * MemoryLayout<Int32>.stride
    }
}
