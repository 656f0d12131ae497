/// The expiry timing wheel of the connection table (reference §4.2 timer semantics).
///
/// Two levels of intrusive doubly linked lists threaded through the entries: level 0 has one slot
/// per second for 4096 s; level 1 one slot per 4096 s block for 1024 blocks (about 48 days,
/// beyond the 31-day maximum persistence). Entries further away are parked in the last level-1
/// slot and re-placed when it cascades. Arming, disarming and expiring are O(1) per entry;
/// stepping costs one slot check per elapsed second.
extension ConnectionTable {
    static let level0Bits: UInt64 = 12
    static let level0Size = 1 << 12
    static let level1Size = 1024
    private static let level0Mask: UInt64 = (1 << 12) - 1
    private static let level1Mask: UInt64 = 1023
    private static let nanosecondsPerSecond: UInt64 = 1_000_000_000

    /// (Re)starts the entry's timer: it fires at `expiry` (nanoseconds). `now` lets an empty
    /// wheel jump forward instead of stepping through idle seconds.
    mutating func arm(_ index: Int32, expiry: UInt64, now: UInt64) {
        guard isLive(index) else { return }
        disarm(index)
        if armedCount == 0 {
            let nowSecond = now / Self.nanosecondsPerSecond
            if nowSecond > cursor { cursor = nowSecond }
        }
        entries[Int(index)].expiry = expiry
        link(index)
    }

    /// Takes the entry off the wheel (no-op when not armed).
    mutating func disarm(_ index: Int32) {
        let slot = Int(index)
        let prev = entries[slot].timerPrev
        guard prev != Self.notArmed else { return }
        let next = entries[slot].timerNext
        if prev >= 0 {
            entries[Int(prev)].timerNext = next
        } else {
            wheelHeads[Int(-1 - prev)] = next
        }
        if next >= 0 { entries[Int(next)].timerPrev = prev }
        entries[slot].timerPrev = Self.notArmed
        entries[slot].timerNext = -1
        armedCount -= 1
    }

    private mutating func link(_ index: Int32) {
        var second = entries[Int(index)].expiry / Self.nanosecondsPerSecond
        if second < cursor { second = cursor }
        let head: Int
        if second - cursor < UInt64(Self.level0Size) {
            head = Int(second & Self.level0Mask)
        } else {
            let cursorBlock = cursor >> Self.level0Bits
            var block = second >> Self.level0Bits
            if block - cursorBlock >= UInt64(Self.level1Size) { block = cursorBlock + UInt64(Self.level1Size) - 1 }
            head = Self.level0Size + Int(block & Self.level1Mask)
        }
        let first = wheelHeads[head]
        entries[Int(index)].timerNext = first
        entries[Int(index)].timerPrev = Int32(-1 - head)
        if first >= 0 { entries[Int(first)].timerPrev = index }
        wheelHeads[head] = index
        armedCount += 1
    }

    /// The next entry whose timer has fired by `now`, taken off the wheel; nil when none is due.
    /// The caller decides whether it is freed or re-armed.
    mutating func popExpired(now: UInt64) -> Int32? {
        let nowSecond = now / Self.nanosecondsPerSecond
        while true {
            // Slots before `nowSecond` hold only due entries; the current one is checked exactly.
            var cur = wheelHeads[Int(cursor & Self.level0Mask)]
            while cur >= 0 {
                if entries[Int(cur)].expiry <= now {
                    disarm(cur)
                    return cur
                }
                cur = entries[Int(cur)].timerNext
            }
            if cursor >= nowSecond { return nil }
            if armedCount == 0 {
                cursor = nowSecond
                return nil
            }
            cursor += 1
            if cursor & Self.level0Mask == 0 { cascade() }
        }
    }

    /// The cursor entered a new 4096-second block: move that block's level-1 entries down.
    private mutating func cascade() {
        let head = Self.level0Size + Int((cursor >> Self.level0Bits) & Self.level1Mask)
        var cur = wheelHeads[head]
        wheelHeads[head] = -1
        while cur >= 0 {
            let next = entries[Int(cur)].timerNext
            entries[Int(cur)].timerPrev = Self.notArmed
            entries[Int(cur)].timerNext = -1
            armedCount -= 1
            link(cur)
            cur = next
        }
    }
}
