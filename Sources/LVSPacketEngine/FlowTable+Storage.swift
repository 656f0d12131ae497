import LVSCore

/// An address and port many flows share: a virtual service, or the real server replies come from.
struct FlowEndpoint: Hashable {
    var high: UInt64
    var low: UInt64
    var port: UInt16
    var isIPv6: Bool

    init(_ address: IPAddress, _ port: UInt16) {
        high = address.high
        low = address.low
        self.port = port
        isIPv6 = address.family == .inet6
    }
}

/// Values many flows share, each stored once and named by a 16-bit index (a few per virtual
/// service and real server). Emptied with the table (a configuration change, or no flow left).
struct InternTable<Value: Hashable> {
    /// Indexes from 0 up to this, so that index + 1 still fits in 16 bits (0 means "none").
    static var limit: Int { Int(UInt16.max) - 1 }

    private(set) var values: [Value] = []
    private var indexes: [Value: UInt16] = [:]

    /// The index of `value`, added if new; nil when the table is full.
    mutating func intern(_ value: Value) -> UInt16? {
        if let index = indexes[value] { return index }
        guard values.count < Self.limit else { return nil }
        let index = UInt16(values.count)
        values.append(value)
        indexes[value] = index
        return index
    }

    subscript(index: UInt16) -> Value { values[Int(index)] }

    mutating func removeAll() {
        values = []
        indexes = [:]
    }
}

/// An open-addressing index from a hash to 31-bit values (linear probing, at most half full,
/// backward-shift deletion so no tombstones accumulate). Each bucket keeps 32 bits of its
/// value's hash: growing and deleting never look at the records, and a lookup compares the
/// stored hash before asking `matches`.
struct SlotIndex {
    struct Bucket {
        /// -1: empty.
        var value: Int32
        var hash: UInt32
    }

    static let initialBuckets = 16
    private(set) var buckets = [Bucket](repeating: Bucket(value: -1, hash: 0), count: initialBuckets)
    private(set) var count = 0
    private var mask: Int { buckets.count - 1 }

    /// The first value under `hash` that `matches` accepts.
    @inline(__always)
    func find(_ hash: UInt64, _ matches: (Int32) -> Bool) -> Int32? {
        let tag = UInt32(truncatingIfNeeded: hash)
        var position = Int(tag) & mask
        // Bounded: the index is at most half full, so an empty bucket ends every probe.
        for _ in 0..<buckets.count {
            let bucket = buckets[position]
            if bucket.value < 0 { return nil }
            if bucket.hash == tag && matches(bucket.value) { return bucket.value }
            position = (position + 1) & mask
        }
        return nil
    }

    mutating func insert(_ value: Int32, hash: UInt64) {
        if (count + 1) * 2 > buckets.count { resize(to: buckets.count * 2) }
        place(Bucket(value: value, hash: UInt32(truncatingIfNeeded: hash)))
        count += 1
    }

    /// Removes `value` stored under `hash` (nothing when absent).
    mutating func remove(_ value: Int32, hash: UInt64) {
        let tag = UInt32(truncatingIfNeeded: hash)
        var hole = Int(tag) & mask
        var found = false
        for _ in 0..<buckets.count {
            if buckets[hole].value < 0 { return }
            if buckets[hole].value == value {
                found = true
                break
            }
            hole = (hole + 1) & mask
        }
        guard found else { return }
        // Backward shift: a later bucket of the same run moves into the hole when the hole lies
        // on its probe path (between its home bucket and where it sits).
        var next = (hole + 1) & mask
        for _ in 0..<buckets.count {
            guard buckets[next].value >= 0 else { break }
            let home = Int(buckets[next].hash) & mask
            if (hole &- home) & mask < (next &- home) & mask {
                buckets[hole] = buckets[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        buckets[hole] = Bucket(value: -1, hash: 0)
        count -= 1
        if buckets.count > Self.initialBuckets && count * 8 < buckets.count { resize(to: buckets.count / 2) }
    }

    mutating func removeAll() {
        buckets = [Bucket](repeating: Bucket(value: -1, hash: 0), count: Self.initialBuckets)
        count = 0
    }

    private mutating func place(_ bucket: Bucket) {
        var position = Int(bucket.hash) & mask
        for _ in 0..<buckets.count {
            if buckets[position].value < 0 {
                buckets[position] = bucket
                return
            }
            position = (position + 1) & mask
        }
    }

    private mutating func resize(to size: Int) {
        let old = buckets
        buckets = [Bucket](repeating: Bucket(value: -1, hash: 0), count: size)
        for bucket in old where bucket.value >= 0 { place(bucket) }
    }
}

extension FlowTable {
    /// One flow: 80 bytes. The addresses and ports of both keys are the client's (here) and two
    /// interned endpoints; the verdicts are interned templates (`inbound`/`outbound`: index + 1,
    /// 0 when that direction goes to the director).
    struct Record {
        var ref: ConnectionRef
        var clientHigh: UInt64
        var clientLow: UInt64
        /// The grant is not used from this instant on: a margin before the director's expiry,
        /// so the director never expires an entry whose packets are still counted here.
        var usableUntil: UInt64
        var inBytes: UInt64 = 0
        var outBytes: UInt64 = 0
        /// When the last counted packet was forwarded (nanoseconds, the director's clock).
        var lastSeen: UInt64 = 0
        /// Packets since the last report: at most one report interval's worth (milliseconds).
        var inPackets: UInt32 = 0
        var outPackets: UInt32 = 0
        var clientPort: UInt16
        var service: UInt16
        var replySource: UInt16
        var inbound: UInt16
        var outbound: UInt16
        var protocolNumber: UInt8
        var clientIsIPv6: Bool
        var reported = true
        var live = true

        init(ref: ConnectionRef, grant: FastPathGrant, interned: Interned, usableUntil: UInt64) {
            self.ref = ref
            clientHigh = grant.client.high
            clientLow = grant.client.low
            self.usableUntil = usableUntil
            clientPort = grant.clientPort
            service = interned.service
            replySource = interned.replySource
            inbound = interned.inbound
            outbound = interned.outbound
            protocolNumber = grant.protocolNumber.rawValue
            clientIsIPv6 = grant.client.family == .inet6
        }

        /// The key of this flow's client packets, or of its replies.
        @inline(__always)
        func key(reply: Bool, endpoints: InternTable<FlowEndpoint>) -> FlowKey {
            let client = (high: clientHigh, low: clientLow, v6: clientIsIPv6 ? UInt16(1) : 0)
            let other = endpoints[reply ? replySource : service]
            let otherV6: UInt16 = other.isIPv6 ? 1 : 0
            let kind = UInt16(protocolNumber) << 8
            if reply {
                return FlowKey(
                    sourceHigh: other.high, sourceLow: other.low, destinationHigh: client.high,
                    destinationLow: client.low, ports: UInt32(other.port) << 16 | UInt32(clientPort),
                    kind: kind | otherV6 << 1 | client.v6)
            }
            return FlowKey(
                sourceHigh: client.high, sourceLow: client.low, destinationHigh: other.high, destinationLow: other.low,
                ports: UInt32(clientPort) << 16 | UInt32(other.port), kind: kind | client.v6 << 1 | otherV6)
        }

        /// Counts one packet; true when the record had nothing unreported before.
        @inline(__always)
        mutating func count(inbound: Bool, bytes: UInt32, now: UInt64) -> Bool {
            if inbound {
                inPackets &+= 1
                inBytes &+= UInt64(bytes)
            } else {
                outPackets &+= 1
                outBytes &+= UInt64(bytes)
            }
            lastSeen = now
            defer { reported = false }
            return reported
        }

        /// The traffic counted since the last report, taken.
        mutating func takeTraffic() -> FlowTraffic {
            let traffic = FlowTraffic(
                ref: ref, inPackets: UInt64(inPackets), inBytes: inBytes, outPackets: UInt64(outPackets),
                outBytes: outBytes, lastSeen: lastSeen)
            inPackets = 0
            outPackets = 0
            inBytes = 0
            outBytes = 0
            reported = true
            return traffic
        }
    }

    /// A grant's shared parts as indexes.
    struct Interned {
        var service: UInt16
        var replySource: UInt16
        var inbound: UInt16
        var outbound: UInt16
    }

    /// Stands for the entry in an interned verdict (each record has its own `ref`).
    static let placeholder = ConnectionRef(index: -1, generation: 0)

    mutating func intern(_ grant: FastPathGrant) -> Interned? {
        guard let service = endpoints.intern(FlowEndpoint(grant.virtualAddress, grant.virtualPort)),
            let replySource = endpoints.intern(FlowEndpoint(grant.replySource, grant.replySourcePort))
        else { return nil }
        let inbound = Self.intern(grant.inbound, in: &inboundVerdicts) { verdict in
            guard case .forward(_, let server, let forwarding, let port) = verdict else { return verdict }
            return .forward(Self.placeholder, to: server, forwarding: forwarding, destinationPort: port)
        }
        let outbound = Self.intern(grant.outbound, in: &outboundVerdicts) { verdict in
            guard case .reply(_, let address, let port, let forwarding) = verdict else { return verdict }
            return .reply(Self.placeholder, virtualAddress: address, virtualPort: port, forwarding: forwarding)
        }
        guard let inbound, let outbound else { return nil }
        return Interned(service: service, replySource: replySource, inbound: inbound, outbound: outbound)
    }

    /// A verdict's template (its entry replaced by `placeholder`) interned: index + 1, 0 for no
    /// verdict, nil when the table is full.
    private static func intern<Verdict: Hashable>(
        _ verdict: Verdict?, in table: inout InternTable<Verdict>, template: (Verdict) -> Verdict
    ) -> UInt16? {
        guard let verdict else { return 0 }
        return table.intern(template(verdict)).map { $0 + 1 }
    }

    static func hash(_ ref: ConnectionRef) -> UInt64 {
        let h = (UInt64(UInt32(bitPattern: ref.index)) | UInt64(ref.generation) << 32) &* 0x9E37_79B9_7F4A_7C15
        return h ^ (h >> 29)
    }

    /// The slot of the flow `key` names: as a client packet's key, a reply's, or either (nil).
    @inline(__always)
    func slot(of key: FlowKey, reply: Bool?) -> Int32? {
        let found = byKey.find(key.mixed) { value in
            let isReply = value & 1 == 1
            if let reply, reply != isReply { return false }
            return records[Int(value >> 1)].key(reply: isReply, endpoints: endpoints) == key
        }
        return found.map { $0 >> 1 }
    }

    func slot(of ref: ConnectionRef) -> Int32? {
        byRef.find(Self.hash(ref)) { records[Int($0)].ref == ref }
    }

    mutating func insert(_ record: Record) {
        let slot: Int32
        if let reused = free.popLast() {
            slot = reused
            records[Int(slot)] = record
        } else {
            slot = Int32(records.count)
            records.append(record)
        }
        byRef.insert(slot, hash: Self.hash(record.ref))
        byKey.insert(slot << 1, hash: record.key(reply: false, endpoints: endpoints).mixed)
        byKey.insert(slot << 1 | 1, hash: record.key(reply: true, endpoints: endpoints).mixed)
    }

    mutating func removeSlot(_ slot: Int32) {
        let record = records[Int(slot)]
        guard record.live else { return }
        byRef.remove(slot, hash: Self.hash(record.ref))
        byKey.remove(slot << 1, hash: record.key(reply: false, endpoints: endpoints).mixed)
        byKey.remove(slot << 1 | 1, hash: record.key(reply: true, endpoints: endpoints).mixed)
        records[Int(slot)].live = false
        records[Int(slot)].reported = true
        free.append(slot)
    }
}
