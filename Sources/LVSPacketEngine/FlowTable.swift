import LVSCore

/// One direction of a flow as a worker's flow table finds it: protocol, source and destination
/// address and port, exactly as the director's in and out lookups compare them (reference §4.2).
struct FlowKey: Hashable {
    var sourceHigh: UInt64
    var sourceLow: UInt64
    var destinationHigh: UInt64
    var destinationLow: UInt64
    /// Source port << 16 | destination port.
    var ports: UInt32
    /// Protocol << 8 | source family << 1 | destination family (IPv6 = 1).
    var kind: UInt16

    init(
        _ protocolNumber: IPProtocolNumber, source: IPAddress, sourcePort: UInt16, destination: IPAddress,
        destinationPort: UInt16
    ) {
        sourceHigh = source.high
        sourceLow = source.low
        destinationHigh = destination.high
        destinationLow = destination.low
        ports = UInt32(sourcePort) << 16 | UInt32(destinationPort)
        kind =
            UInt16(protocolNumber.rawValue) << 8 | (source.family == .inet6 ? 2 : 0)
            | (destination.family == .inet6 ? 1 : 0)
    }

    init(
        sourceHigh: UInt64, sourceLow: UInt64, destinationHigh: UInt64, destinationLow: UInt64, ports: UInt32,
        kind: UInt16
    ) {
        self.sourceHigh = sourceHigh
        self.sourceLow = sourceLow
        self.destinationHigh = destinationHigh
        self.destinationLow = destinationLow
        self.ports = ports
        self.kind = kind
    }

    /// The fields mixed into one word: the flow table's bucket (the table is the worker's own,
    /// filled only from flows the director accepted, so no keyed hash is needed).
    @inline(__always)
    var mixed: UInt64 {
        var h = sourceLow &* 0x9E37_79B9_7F4A_7C15
        h = (h ^ destinationLow ^ UInt64(ports) << 16 ^ UInt64(kind)) &* 0xBF58_476D_1CE4_E5B9
        h ^= (sourceHigh ^ destinationHigh) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 31)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(mixed)
    }
}

/// Traffic a worker forwarded for one connection since it last reported to the director.
struct FlowTraffic: Sendable, Hashable {
    var ref: ConnectionRef
    var inPackets: UInt64 = 0
    var inBytes: UInt64 = 0
    var outPackets: UInt64 = 0
    var outBytes: UInt64 = 0
    /// When the last of those packets was forwarded (nanoseconds, the director's clock).
    var lastSeen: UInt64 = 0
}

/// A packet-engine worker's own connection table (docs/design/0025-packet-engine-without-a-lock.md):
/// the established flows the director granted it (`FastPathGrant`), found from both directions,
/// with the packets and bytes counted since the last report. The worker forwards a packet found
/// here without the director's lock; everything else goes to the director, and what is counted
/// here goes to it in one batch per report (`takeTraffic`, `update`).
///
/// Storage (FlowTable+Storage.swift, design 0025 "Memory"): one 80-byte `Record` per flow in a
/// slab, what many flows share (the virtual service, the real server a reply comes from, the two
/// verdicts) interned once and named by 16-bit indexes, and two open-addressing indexes of
/// 8-byte buckets (by key, both directions; by entry) at most half full: 128 bytes per flow and
/// up to twice the indexes' share just after they grow.
///
/// Contract: owned by one worker thread; a pure value (time passed in, nanoseconds).
struct FlowTable {
    /// How long before the director's expiry a grant stops being used: far more than a report
    /// interval, so a report always reaches the director before the entry would expire.
    static let expiryMargin: UInt64 = 1_000_000_000

    /// Records at most; beyond it new grants are refused and those packets take the director's
    /// lock (correct, only slower).
    let capacity: Int
    var records: ContiguousArray<Record> = []
    var free: [Int32] = []
    /// Key → slot << 1 | direction (1: the reply's key).
    var byKey = SlotIndex()
    /// Entry → slot.
    var byRef = SlotIndex()
    var endpoints = InternTable<FlowEndpoint>()
    var inboundVerdicts = InternTable<InboundVerdict>()
    var outboundVerdicts = InternTable<OutboundVerdict>()
    /// Records with traffic not reported yet.
    private var unreported: [Int32] = []

    init(capacity: Int = 1 << 17) {
        self.capacity = capacity
    }

    /// Flows held.
    var count: Int { byRef.count }

    /// True when some traffic waits for a report.
    var hasUnreportedTraffic: Bool { !unreported.isEmpty }

    /// The verdict for an inbound packet of a granted flow, counting it; nil when it must go to
    /// the director: not a bare TCP ACK or a UDP datagram without persistence-engine data, no
    /// grant, or a grant too close to its expiry.
    mutating func inbound(_ p: InboundPacket, now: UInt64) -> InboundVerdict? {
        guard Self.isPlain(p.protocolNumber, p.tcpFlags), p.persistenceData == nil else { return nil }
        let key = FlowKey(
            p.protocolNumber, source: p.clientAddress, sourcePort: p.clientPort, destination: p.destinationAddress,
            destinationPort: p.destinationPort)
        guard let slot = usable(key, reply: false, now: now) else { return nil }
        let index = records[Int(slot)].inbound
        guard index != 0 else { return nil }
        if records[Int(slot)].count(inbound: true, bytes: p.length, now: now) { unreported.append(slot) }
        switch inboundVerdicts[index - 1] {
        case .forward(_, let server, let forwarding, let port):
            return .forward(records[Int(slot)].ref, to: server, forwarding: forwarding, destinationPort: port)
        case let other: return other
        }
    }

    /// The verdict for a reply of a granted flow, counting it; nil when it must go to the director.
    mutating func outbound(_ p: OutboundPacket, now: UInt64) -> OutboundVerdict? {
        guard Self.isPlain(p.protocolNumber, p.tcpFlags) else { return nil }
        let key = FlowKey(
            p.protocolNumber, source: p.sourceAddress, sourcePort: p.sourcePort, destination: p.destinationAddress,
            destinationPort: p.destinationPort)
        guard let slot = usable(key, reply: true, now: now) else { return nil }
        let index = records[Int(slot)].outbound
        guard index != 0 else { return nil }
        if records[Int(slot)].count(inbound: false, bytes: p.length, now: now) { unreported.append(slot) }
        switch outboundVerdicts[index - 1] {
        case .reply(_, let address, let port, let forwarding):
            return .reply(records[Int(slot)].ref, virtualAddress: address, virtualPort: port, forwarding: forwarding)
        case let other: return other
        }
    }

    /// The slot of the flow `key` names in that direction, if its grant may be used at `now`.
    @inline(__always)
    private func usable(_ key: FlowKey, reply: Bool, now: UInt64) -> Int32? {
        guard let slot = slot(of: key, reply: reply), now < records[Int(slot)].usableUntil else { return nil }
        return slot
    }

    /// Packets that leave an established entry where it is: a bare TCP ACK (reference §4.6; any
    /// SYN, FIN or RST, or a segment without ACK, is an event for the director) or UDP.
    @inline(__always)
    static func isPlain(_ protocolNumber: IPProtocolNumber, _ flags: TCPSegmentFlags) -> Bool {
        switch protocolNumber {
        case .tcp: return flags == .ack
        case .udp: return true
        case .sctp, .ip: return false
        }
    }

    /// The unreported traffic of the flow `key` names (inbound or outbound), taken: the worker
    /// reports it in the same turn under the lock as the packet it sends to the director, so the
    /// director sees the flow's packets in order.
    mutating func takeTraffic(of key: FlowKey) -> FlowTraffic? {
        guard let slot = slot(of: key, reply: nil), !records[Int(slot)].reported else { return nil }
        return records[Int(slot)].takeTraffic()
    }

    /// Up to `limit` unreported flows' traffic, taken (the periodic report takes it in batches:
    /// the director's lock is held per batch, and the batch's buffers stay small however many
    /// flows the worker holds).
    mutating func takeTraffic(limit: Int = .max) -> [FlowTraffic] {
        var result: [FlowTraffic] = []
        result.reserveCapacity(min(unreported.count, limit))
        while result.count < limit, let slot = unreported.popLast() {
            guard records[Int(slot)].live && !records[Int(slot)].reported else { continue }
            result.append(records[Int(slot)].takeTraffic())
        }
        if unreported.isEmpty && unreported.capacity > 4096 { unreported = [] }
        return result
    }

    /// Installs or replaces the grant for its entry (both directions it allows); a nil grant for
    /// `ref` removes the flow. A grant the table cannot hold (at capacity, or more distinct
    /// services, real servers or verdicts than its 16-bit indexes name) is not installed: those
    /// packets keep going to the director.
    mutating func update(_ ref: ConnectionRef, grant: FastPathGrant?) {
        guard let grant else { return remove(ref) }
        let usable = grant.expiry > Self.expiryMargin ? grant.expiry - Self.expiryMargin : 0
        guard let interned = intern(grant) else { return remove(ref) }
        if let slot = slot(of: ref) {
            records[Int(slot)].inbound = interned.inbound
            records[Int(slot)].outbound = interned.outbound
            records[Int(slot)].usableUntil = usable
            return
        }
        let record = Record(ref: ref, grant: grant, interned: interned, usableUntil: usable)
        // Another entry of the same flow (client port reuse): the old one is gone from here.
        for reply in [false, true] {
            if let old = slot(of: record.key(reply: reply, endpoints: endpoints), reply: nil) {
                remove(records[Int(old)].ref)
            }
        }
        guard byRef.count < capacity else { return }
        insert(record)
    }

    /// Forgets the flow of `ref` (its unreported traffic too: take it first).
    mutating func remove(_ ref: ConnectionRef) {
        guard let slot = slot(of: ref) else { return }
        removeSlot(slot)
    }

    /// The flow `key` names, if any.
    func ref(of key: FlowKey) -> ConnectionRef? {
        slot(of: key, reply: nil).map { records[Int($0)].ref }
    }

    /// Forgets flows whose grant ran out with nothing left to report (idle past their timeout:
    /// the director expires their entries); returns how many.
    @discardableResult
    mutating func removeExpired(now: UInt64) -> Int {
        var expired = 0
        for slot in records.indices where records[slot].live {
            guard records[slot].reported, now >= records[slot].usableUntil else { continue }
            removeSlot(Int32(slot))
            expired += 1
        }
        if byRef.count == 0 { removeAll() }
        return expired
    }

    /// Forgets every flow (after a configuration change: the next packet of each asks the
    /// director again). Take the traffic first.
    mutating func removeAll() {
        records = []
        free = []
        byKey.removeAll()
        byRef.removeAll()
        endpoints.removeAll()
        inboundVerdicts.removeAll()
        outboundVerdicts.removeAll()
        unreported.removeAll()
    }
}
