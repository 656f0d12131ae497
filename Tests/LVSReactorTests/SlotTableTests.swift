import Testing

@testable import LVSReactor

@Suite struct SlotTableTests {
    struct Entry: Equatable {
        var bytes = 0
    }

    @Test func occupyReleaseAndStaleTokens() throws {
        var table = SlotTable(vacant: Entry(), initialCapacity: 8, limit: 64)
        let firstOccupancy = table.occupy(5, with: Entry(bytes: 10))
        let first = try #require(firstOccupancy)
        #expect(first.slot == 5)
        #expect(first.generation == 1)
        #expect(table.isCurrent(first))
        #expect(table[first] == Entry(bytes: 10))
        let again = table.occupy(5, with: Entry())
        #expect(again == nil)  // already occupied
        #expect(table.occupiedCount == 1)

        let released = table.release(first)
        #expect(released == Entry(bytes: 10))
        #expect(!table.isCurrent(first))
        #expect(table[first] == nil)
        let releasedTwice = table.release(first)
        #expect(releasedTwice == nil)
        #expect(table[5] == Entry())  // reset to vacant

        let secondOccupancy = table.occupy(5, with: Entry(bytes: 20))
        let second = try #require(secondOccupancy)
        #expect(second.generation == 3)
        #expect(!table.isCurrent(first))  // the old occupancy's token stays stale
        let staleRelease = table.release(first)
        #expect(staleRelease == nil)
        #expect(table.isCurrent(second))
        #expect(table.token(for: 5) == second)
        #expect(table.token(for: 6) == nil)
    }

    @Test func mutatesInPlace() throws {
        var table = SlotTable(vacant: Entry(), initialCapacity: 4, limit: 64)
        let occupied1 = table.occupy(2, with: Entry(bytes: 1))
        #expect(occupied1 != nil)
        table[2].bytes += 41
        #expect(table[2].bytes == 42)
    }

    @Test func growsByDoublingUpToTheLimit() throws {
        var table = SlotTable(vacant: Entry(), initialCapacity: 4, limit: 100)
        let occupied2 = table.occupy(1, with: Entry(bytes: 7))
        #expect(occupied2 != nil)
        let occupied3 = table.occupy(9, with: Entry(bytes: 9))
        #expect(occupied3 != nil)
        #expect(table.capacity == 16)
        #expect(table[1] == Entry(bytes: 7))
        let occupied4 = table.occupy(70, with: Entry())
        #expect(occupied4 != nil)
        #expect(table.capacity == 100)  // clamped to the limit
        let beyond = table.occupy(100, with: Entry())
        #expect(beyond == nil)
        let huge = table.occupy(UInt32.max, with: Entry())
        #expect(huge == nil)
        let reserved = table.reserveCapacity(101)
        #expect(!reserved)
        #expect(table.occupiedCount == 3)
    }

    @Test func tokenPacking() {
        let token = ReactorToken(slot: 0xDEAD_BEEF, generation: 0x0123_4567)
        #expect(token.rawValue == 0x0123_4567_DEAD_BEEF)
        #expect(token.slot == 0xDEAD_BEEF)
        #expect(token.generation == 0x0123_4567)
        #expect(ReactorToken(slot: 7, generation: 1).fd == 7)
    }

    @Test func defaultLimitIsTheFileDescriptorLimit() {
        let table = SlotTable(vacant: 0, initialCapacity: 1)
        #expect(table.limit == SystemLimits.fileDescriptors)
        #expect(SystemLimits.fileDescriptors >= 64)
        #expect(SystemLimits.onlineProcessors >= 1)
    }
}
