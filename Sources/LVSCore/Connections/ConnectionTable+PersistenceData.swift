/// The persistence-engine data of one template (reference §4.14): the SIP Call-ID. `generation`
/// is the slot's generation when it was attached, so data can never be read for a later entry.
struct PersistenceDataRecord {
    var generation: UInt32
    var data: [UInt8]
}

// Templates of a persistence engine (reference §4.2 "SIP-PE templates are hashed on the
// Call-ID", §4.7, §4.14). The Call-ID lives in a side table keyed by slot (the entry only
// carries the `.persistenceData` flag), so `ConnectionEntry` does not grow for a feature few
// services use. Such a template is chained in the bucket of (Call-ID, protocol, client
// network): the virtual address and port are compared but not hashed, so re-keying a template
// in place (neutralising, vport 0xFFFF) never moves it to another chain.
extension ConnectionTable {
    /// Attaches persistence-engine data to the entry (a template) and keeps the hash index in
    /// step: a hashed entry is re-chained under its new key.
    mutating func setPersistenceData(_ data: [UInt8], of index: Int32) {
        guard isLive(index) else { return }
        let wasHashed = entries[Int(index)].flags.contains(.hashed)
        if wasHashed { unhash(index) }
        persistenceData[index] = PersistenceDataRecord(generation: entries[Int(index)].generation, data: data)
        entries[Int(index)].flags.insert(.persistenceData)
        if wasHashed { hash(index) }
    }

    /// The entry's persistence-engine data, or nil when it has none.
    func persistenceData(of index: Int32) -> [UInt8]? {
        guard isLive(index), entries[Int(index)].flags.contains(.persistenceData),
            let record = persistenceData[index], record.generation == entries[Int(index)].generation
        else { return nil }
        return record.data
    }

    /// The bucket an entry is chained in.
    func bucket(of index: Int32) -> Int {
        let e = entries[Int(index)]
        if e.flags.contains(.persistenceData), let data = persistenceData(of: index) {
            return persistenceBucket(data, e.protocolNumber, e.clientHigh, e.clientLow)
        }
        return bucket(e.protocolNumber, e.clientHigh, e.clientLow, e.clientPort)
    }

    /// Bucket of a persistence-engine template: the data, eight bytes at a time, then protocol
    /// and client network, through the seeded mix.
    func persistenceBucket(_ data: [UInt8], _ proto: IPProtocolNumber, _ high: UInt64, _ low: UInt64) -> Int {
        var h = seed ^ 0x5045_4441_5441_0000 ^ (UInt64(proto.rawValue) << 8) ^ UInt64(data.count)
        var i = 0
        while i < data.count {
            var word: UInt64 = 0
            for k in 0..<min(8, data.count - i) { word |= UInt64(data[i + k]) << (8 * UInt64(k)) }
            h = Self.mix(h ^ word)
            i += 8
        }
        h = Self.mix(h ^ high)
        h = Self.mix(h ^ low)
        return Int(truncatingIfNeeded: h) & (buckets.count - 1)
    }

    /// Template lookup of a persistence engine (the kernel's `ct_match` for SIP): TEMPLATE flag,
    /// equal data, protocol, client network, virtual address (or mark) and port.
    func lookupTemplate(
        _ proto: IPProtocolNumber, network: IPAddress, virtualHigh: UInt64, virtualLow: UInt64, virtualPort: UInt16,
        persistenceData data: [UInt8]
    ) -> Int32? {
        var cur = buckets[persistenceBucket(data, proto, network.high, network.low)]
        while cur >= 0 {
            let e = entries[Int(cur)]
            if e.isTemplate, e.flags.contains(.persistenceData), e.clientLow == network.low,
                e.clientHigh == network.high, e.virtualPort == virtualPort, e.virtualLow == virtualLow,
                e.virtualHigh == virtualHigh, e.protocolNumber == proto, e.family == network.family,
                persistenceData(of: cur) == data
            {
                return cur
            }
            cur = e.hashNext
        }
        return nil
    }
}
