/// The application-helper state of one entry, by slot (see `ConnectionHelperState`).
/// `generation` is the slot's generation when it was attached, so state can never be read for a
/// later entry of the slot.
struct HelperStateRecord {
    var generation: UInt32
    var state: ConnectionHelperState
}

// Application-helper state (reference §4.1 `in_seq`/`out_seq` and the helper's `app_data`, §6)
// lives in a side table keyed by slot, like the persistence-engine data: few entries have it
// (FTP control connections whose replies were rewritten), and `ConnectionEntry` stays 112
// bytes. The entry carries `.helperState` while it has a record, and the kernel's
// `IN_SEQ`/`OUT_SEQ` bits mirror the record's two adjustments.
//
// Entries whose client port is not known yet (`.noClientPort`, FTP passive data entries) are
// counted, so the second in-lookup of reference §4.2 costs nothing while there are none.
extension ConnectionTable {
    /// The entry's helper state, or nil when it has none.
    func helperState(of index: Int32) -> ConnectionHelperState? {
        guard isLive(index), entries[Int(index)].flags.contains(.helperState),
            let record = helperStates[index], record.generation == entries[Int(index)].generation
        else { return nil }
        return record.state
    }

    /// Attaches (or replaces) the entry's helper state; an empty state detaches it.
    mutating func setHelperState(_ state: ConnectionHelperState, of index: Int32) {
        guard isLive(index) else { return }
        let slot = Int(index)
        entries[slot].flags.remove([.inSequence, .outSequence])
        if state.inSequence != nil { entries[slot].flags.insert(.inSequence) }
        if state.outSequence != nil { entries[slot].flags.insert(.outSequence) }
        guard state != ConnectionHelperState() else {
            entries[slot].flags.remove(.helperState)
            helperStates[index] = nil
            return
        }
        helperStates[index] = HelperStateRecord(generation: entries[slot].generation, state: state)
        entries[slot].flags.insert(.helperState)
    }

    /// Marks a new (not yet hashed) entry as waiting for its client port.
    mutating func markNoClientPort(_ index: Int32) {
        guard isLive(index), !entries[Int(index)].flags.contains(.noClientPort) else { return }
        entries[Int(index)].flags.insert(.noClientPort)
        noClientPortCount += 1
    }

    /// The client's first packet told the port (reference §5.1 "A NO_CPORT entry learns the
    /// client port from the first packet and is re-hashed").
    mutating func learnClientPort(_ port: UInt16, of index: Int32) {
        guard isLive(index), entries[Int(index)].flags.contains(.noClientPort) else { return }
        let wasHashed = entries[Int(index)].flags.contains(.hashed)
        if wasHashed { unhash(index) }
        entries[Int(index)].clientPort = port
        entries[Int(index)].flags.remove(.noClientPort)
        noClientPortCount -= 1
        if wasHashed { hash(index) }
    }

    /// In lookup with the second try of reference §4.2: a NO_CPORT entry matches a lookup with
    /// client port 0 only, so when nothing matches and such entries exist the lookup is
    /// repeated with port 0. The caller learns the port (`learnClientPort`).
    func lookupInAllowingUnknownClientPort(
        _ proto: IPProtocolNumber, client: IPAddress, clientPort: UInt16, virtual: IPAddress, virtualPort: UInt16
    ) -> Int32? {
        if let found = lookupIn(
            proto, client: client, clientPort: clientPort, virtual: virtual, virtualPort: virtualPort)
        {
            return found
        }
        guard noClientPortCount > 0, clientPort != 0,
            let found = lookupIn(proto, client: client, clientPort: 0, virtual: virtual, virtualPort: virtualPort),
            entries[Int(found)].flags.contains(.noClientPort)
        else { return nil }
        return found
    }
}
