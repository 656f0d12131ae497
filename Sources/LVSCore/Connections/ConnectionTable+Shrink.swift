/// Giving storage back after a burst (docs/design/0024-packet-bursts.md).
///
/// The slab grows by doubling and entries are addressed by index (engines hold `ConnectionRef`s,
/// templates are linked by index), so live entries are never moved. What can be given back is
/// the slab's free tail — every slot after the last live entry — and bucket heads beyond what
/// the live count needs. A SYN flood whose entries all expired leaves exactly that: without this,
/// ~900,000 spoofed SYNs kept ~112 MiB of slab and 4 MiB of buckets for the daemon's lifetime.
extension ConnectionTable {
    /// Shrinks the slab and the bucket array when at most a quarter of the slab is live.
    /// O(slab size); the director calls it from its minute-long maintenance, so the cost is paid
    /// at most once a minute and only while the table is sparse. Returns whether storage shrank.
    ///
    /// The free list is rebuilt lowest slot first even when the tail cannot be cut (a long-lived
    /// entry sits near the end): new entries then fill the low slots, so the tail frees up and a
    /// later call can cut it.
    @discardableResult
    mutating func shrinkIfSparse() -> Bool {
        guard entries.count > initialSize, count * 4 <= entries.count else { return shrinkBuckets() }
        var end = entries.count
        while end > 0 && !entries[end - 1].flags.contains(.inUse) { end -= 1 }
        let keep = max(end, initialSize)
        var shrank = false
        if keep * 2 <= entries.capacity {
            // Slots cut off lose their generation: start appended slots above all of them.
            var highest = appendGeneration
            for slot in keep..<entries.count where entries[slot].generation >= highest {
                highest = entries[slot].generation &+ 1
            }
            appendGeneration = highest
            var kept = ContiguousArray<ConnectionEntry>()
            kept.reserveCapacity(keep)
            kept.append(contentsOf: entries[0..<min(keep, entries.count)])
            entries = kept
            shrank = true
        }
        freeHead = -1
        for slot in entries.indices.reversed() where !entries[slot].flags.contains(.inUse) {
            entries[slot].hashNext = freeHead
            freeHead = Int32(slot)
        }
        return shrinkBuckets() || shrank
    }

    /// Halves the bucket array (repeatedly) while the live entries fill at most a quarter of
    /// it, never below the initial size; the load factor stays ≤ ½ afterwards, ≤ 1 as before.
    private mutating func shrinkBuckets() -> Bool {
        var size = buckets.count
        while size > initialSize && count * 4 <= size { size >>= 1 }
        guard size < buckets.count else { return false }
        rehash(bucketCount: size)
        return true
    }
}
