/// The master's queue of sync records waiting for the driver (reference §7.2: the kernel queues
/// buffers up to `sync_qlen_max` and discards the excess). A ring of fixed capacity: appending
/// to a full ring overwrites the oldest record. Storage is reserved once, so appending a record
/// without persistence-engine data allocates nothing.
struct SyncOutbox {
    private var storage: ContiguousArray<SyncedConnection> = []
    private var head = 0
    private(set) var count = 0
    private(set) var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
    }

    /// Appends `record`; returns true when the oldest record had to be dropped for it.
    mutating func append(_ record: SyncedConnection) -> Bool {
        if storage.count < capacity {
            if storage.capacity < capacity { storage.reserveCapacity(capacity) }
            storage.append(record)
            count += 1
            return false
        }
        let tail = (head + count) % capacity
        storage[tail] = record
        if count == capacity {
            head = (head + 1) % capacity
            return true
        }
        count += 1
        return false
    }

    /// Every waiting record, oldest first; the outbox is empty afterwards.
    mutating func drain() -> [SyncedConnection] {
        var out: [SyncedConnection] = []
        out.reserveCapacity(count)
        for k in 0..<count { out.append(storage[(head + k) % capacity]) }
        storage.removeAll(keepingCapacity: true)
        head = 0
        count = 0
        return out
    }

    /// A new capacity; waiting records beyond it are dropped oldest first (returns how many).
    mutating func resize(_ newCapacity: Int) -> Int {
        let waiting = drain()
        capacity = max(newCapacity, 1)
        let dropped = max(waiting.count - capacity, 0)
        for record in waiting.dropFirst(dropped) { _ = append(record) }
        return dropped
    }
}
