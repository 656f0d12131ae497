/// Real servers that connection entries are bound to, addressed by a small `Int32` id so an entry
/// stores 4 bytes instead of a reference (no ARC traffic per entry). Each slot also remembers the
/// service that scheduled to the server (for per-service statistics) and how many entries
/// reference it; the slot is released when the last entry goes (reference §4.11 trash).
struct RealServerRegistry {
    struct Slot {
        var server: RealServer?
        var service: VirtualServiceState?
        var references: Int32 = 0
    }

    private(set) var slots: ContiguousArray<Slot> = []
    private var ids: [ObjectIdentifier: Int32] = [:]
    private var freeIDs: [Int32] = []

    /// The id of `server`, registering it on first use, with one more reference.
    mutating func retain(_ server: RealServer, of service: VirtualServiceState) -> Int32 {
        if let id = ids[ObjectIdentifier(server)] {
            slots[Int(id)].references += 1
            return id
        }
        let id: Int32
        if let reused = freeIDs.popLast() {
            id = reused
            slots[Int(id)] = Slot(server: server, service: service, references: 1)
        } else {
            id = Int32(slots.count)
            slots.append(Slot(server: server, service: service, references: 1))
        }
        ids[ObjectIdentifier(server)] = id
        return id
    }

    /// Drops one reference; returns the server when that was the last one (its slot is freed).
    mutating func release(_ id: Int32) -> (server: RealServer, service: VirtualServiceState?)? {
        guard id >= 0, Int(id) < slots.count, let server = slots[Int(id)].server else { return nil }
        slots[Int(id)].references -= 1
        guard slots[Int(id)].references <= 0 else { return nil }
        let service = slots[Int(id)].service
        slots[Int(id)] = Slot()
        ids[ObjectIdentifier(server)] = nil
        freeIDs.append(id)
        return (server, service)
    }

    func server(_ id: Int32) -> RealServer? {
        guard id >= 0, Int(id) < slots.count else { return nil }
        return slots[Int(id)].server
    }

    func service(_ id: Int32) -> VirtualServiceState? {
        guard id >= 0, Int(id) < slots.count else { return nil }
        return slots[Int(id)].service
    }

    /// Entries referencing `server` (0 when unknown).
    func references(of server: RealServer) -> Int32 {
        guard let id = ids[ObjectIdentifier(server)] else { return 0 }
        return slots[Int(id)].references
    }
}

/// When the director last ran its periodic work (estimator every 2 s, scheduler maintenance and
/// trash scan every 60 s), in nanoseconds on its clock.
struct ConnectionClock {
    var nextEstimation: UInt64?
    var nextMaintenance: UInt64?
}
