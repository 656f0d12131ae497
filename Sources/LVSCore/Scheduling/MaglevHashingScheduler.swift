/// `mh`: Maglev consistent hashing over a 4093-slot lookup table keyed by the client's source
/// address (and port with `mh-port`); `mh-fallback` probes other slots when the owner cannot
/// take the connection (reference §3.14, Maglev paper §3.4).
///
/// The table is built in `destinationsChanged` exactly as a 64-bit kernel builds it (SipHash-1-3
/// `hsiphash` with the kernel's fixed keys), so a flow maps to the same real server as on a kernel
/// director with the same list. With more than 4093 real servers (the kernel refuses those with
/// EINVAL) the table is left empty and every pick fails.
public final class MaglevHashingScheduler: StatelessScheduler {
    public var name: String { "mh" }

    /// M: a prime (CONFIG_IP_VS_MH_TAB_INDEX 12, reference §3.14).
    public static let tableSize = 4093
    /// `IP_VS_MH_TAB_BITS` (= index / 2): weights are scaled down to at most this many bits.
    static let weightBits = 6
    /// The kernel's two fixed hsiphash keys (each word the same value).
    static let key1: UInt64 = 2_654_435_761
    static let key2: UInt64 = 2_654_446_892

    /// `mh-fallback` (SCHED1).
    public let fallback: Bool
    /// `mh-port` (SCHED2): hash the client's source port too (TCP, UDP, SCTP only).
    public let hashesPort: Bool

    private var destinations: [RealServer] = []
    /// Index into `destinations` per slot, −1 for an empty slot.
    private(set) var slots = [Int32](repeating: -1, count: MaglevHashingScheduler.tableSize)

    public init(flags: SchedulerFlags = []) {
        self.fallback = flags.contains(.fallback)
        self.hashesPort = flags.contains(.port)
    }

    /// `hk(addr, port, K, off) = hsiphash_K(off + port + fold(addr))`, 32-bit wrapping sum.
    static func hashKey(address: IPAddress, port: UInt16, key: UInt64, offset: UInt32) -> UInt32 {
        IPVSHash.hsiphash(offset &+ UInt32(port) &+ address.folded, key0: key, key1: key)
    }

    public func destinationsChanged(_ destinations: [RealServer]) {
        self.destinations = destinations
        for slot in 0..<Self.tableSize { slots[slot] = -1 }
        let count = destinations.count
        guard count > 0, count <= Self.tableSize else { return }

        // lw(d): the last non-zero weight, so a quiesced server keeps its share (§3.14).
        var g: Int64 = 0
        var maxWeight: Int64 = 0
        for destination in destinations {
            let lastWeight = Int64(destination.lastNonZeroWeight)
            if lastWeight > 0 {
                g = IPVSHash.gcd(lastWeight, g)
                if lastWeight > maxWeight { maxWeight = lastWeight }
            }
        }
        guard g > 0 else { return }
        let rshift = max(0, IPVSHash.fls(UInt32(truncatingIfNeeded: maxWeight / g)) - Self.weightBits)

        let size = UInt32(Self.tableSize)
        var permutation = [UInt32](repeating: 0, count: count)
        var skip = [UInt32](repeating: 0, count: count)
        var turns = [Int64](repeating: 0, count: count)
        for (index, destination) in destinations.enumerated() {
            let address = destination.key.address
            let port = destination.key.port
            permutation[index] = Self.hashKey(address: address, port: port, key: Self.key1, offset: 0) % size
            skip[index] = Self.hashKey(address: address, port: port, key: Self.key2, offset: 0) % (size - 1) + 1
            let lastWeight = Int64(destination.lastNonZeroWeight)
            if lastWeight > 0 {
                turns[index] = max(1, (lastWeight / g) >> Int64(rshift))
            }
        }

        // Fill loop: each real server in turn claims `turns` slots, following its permutation
        // past slots already taken, cycling over the list until every slot is owned.
        var filled = [Bool](repeating: false, count: Self.tableSize)
        var placed = 0
        var current = 0
        var claimed: Int64 = 0
        while placed < Self.tableSize {
            if turns[current] < 1 {
                current = current + 1 == count ? 0 : current + 1
                continue
            }
            var slot = permutation[current]
            while filled[Int(slot)] {
                slot += skip[current]
                if slot >= size { slot -= size }
            }
            permutation[current] = slot
            filled[Int(slot)] = true
            slots[Int(slot)] = Int32(current)
            placed += 1
            claimed += 1
            if claimed >= turns[current] {
                claimed = 0
                current = current + 1 == count ? 0 : current + 1
            }
        }
    }

    func owner(ofSlot slot: Int) -> RealServer? {
        let index = Int(slots[slot])
        guard index >= 0 && index < destinations.count else { return nil }
        return destinations[index]
    }

    public func pick(_ input: SchedulingInput) -> RealServer? {
        let port = SourceHashingScheduler.keyPort(input, hashesPort: hashesPort)
        let size = UInt32(Self.tableSize)
        let home = Self.hashKey(address: input.clientAddress, port: port, key: Self.key1, offset: 0) % size
        guard let first = owner(ofSlot: Int(home)) else { return nil }
        if first.canTakeNewConnection { return first }
        guard fallback else { return nil }
        // Rehash with offsets home, home + 1, …; an empty slot ends the search.
        for k in 0..<size {
            let offset = (k + home) % size
            let probe = Self.hashKey(address: input.clientAddress, port: port, key: Self.key1, offset: offset) % size
            guard let candidate = owner(ofSlot: Int(probe)) else { return nil }
            if candidate.canTakeNewConnection { return candidate }
        }
        return nil
    }
}
