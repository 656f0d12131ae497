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

    /// One word into the hasher instead of five: the fields are mixed first (the table is the
    /// worker's own, filled only from flows the director accepted).
    func hash(into hasher: inout Hasher) {
        var h = sourceLow &* 0x9E37_79B9_7F4A_7C15
        h = (h ^ destinationLow ^ UInt64(ports) << 16 ^ UInt64(kind)) &* 0xBF58_476D_1CE4_E5B9
        h ^= (sourceHigh ^ destinationHigh) &* 0x94D0_49BB_1331_11EB
        hasher.combine(h ^ (h >> 31))
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
/// Contract: owned by one worker thread; a pure value (time passed in, nanoseconds).
struct FlowTable {
    struct Record {
        var grant: FastPathGrant
        var inboundKey: FlowKey?
        var outboundKey: FlowKey?
        /// The grant is not used from this instant on: a margin before the director's expiry,
        /// so the director never expires an entry whose packets are still counted here.
        var usableUntil: UInt64
        var traffic: FlowTraffic
        var reported = true

        /// Counts one packet; true when the record had nothing unreported before.
        mutating func count(inbound: Bool, bytes: UInt32, now: UInt64) -> Bool {
            if inbound {
                traffic.inPackets &+= 1
                traffic.inBytes &+= UInt64(bytes)
            } else {
                traffic.outPackets &+= 1
                traffic.outBytes &+= UInt64(bytes)
            }
            traffic.lastSeen = now
            defer { reported = false }
            return reported
        }
    }

    /// How long before the director's expiry a grant stops being used: far more than a report
    /// interval, so a report always reaches the director before the entry would expire.
    static let expiryMargin: UInt64 = 1_000_000_000

    /// Records at most; beyond it new grants are refused and those packets take the director's
    /// lock (correct, only slower).
    let capacity: Int
    private(set) var records: ContiguousArray<Record?> = []
    private var free: [Int32] = []
    private var byKey: [FlowKey: Int32] = [:]
    private var byRef: [ConnectionRef: Int32] = [:]
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
        guard let slot = usable(key, inbound: true, now: now), let verdict = records[Int(slot)]?.grant.inbound
        else { return nil }
        // In place: the record is not copied out and back per packet.
        if records[Int(slot)]?.count(inbound: true, bytes: p.length, now: now) == true { unreported.append(slot) }
        return verdict
    }

    /// The verdict for a reply of a granted flow, counting it; nil when it must go to the director.
    mutating func outbound(_ p: OutboundPacket, now: UInt64) -> OutboundVerdict? {
        guard Self.isPlain(p.protocolNumber, p.tcpFlags) else { return nil }
        let key = FlowKey(
            p.protocolNumber, source: p.sourceAddress, sourcePort: p.sourcePort, destination: p.destinationAddress,
            destinationPort: p.destinationPort)
        guard let slot = usable(key, inbound: false, now: now), let verdict = records[Int(slot)]?.grant.outbound
        else { return nil }
        if records[Int(slot)]?.count(inbound: false, bytes: p.length, now: now) == true { unreported.append(slot) }
        return verdict
    }

    /// The slot of the flow `key` names in that direction, if its grant may be used at `now`.
    @inline(__always)
    private func usable(_ key: FlowKey, inbound: Bool, now: UInt64) -> Int32? {
        guard let slot = byKey[key], let record = records[Int(slot)], now < record.usableUntil,
            (inbound ? record.inboundKey : record.outboundKey) == key
        else { return nil }
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
        guard let slot = byKey[key], var record = records[Int(slot)], !record.reported else { return nil }
        let traffic = record.traffic
        record.reported = true
        record.traffic = FlowTraffic(ref: traffic.ref, lastSeen: traffic.lastSeen)
        records[Int(slot)] = record
        return traffic
    }

    /// Every unreported flow's traffic, taken (the periodic report).
    mutating func takeTraffic() -> [FlowTraffic] {
        var result: [FlowTraffic] = []
        result.reserveCapacity(unreported.count)
        for slot in unreported {
            guard var record = records[Int(slot)], !record.reported else { continue }
            result.append(record.traffic)
            record.reported = true
            record.traffic = FlowTraffic(ref: record.traffic.ref, lastSeen: record.traffic.lastSeen)
            records[Int(slot)] = record
        }
        unreported.removeAll(keepingCapacity: true)
        return result
    }

    /// Installs or replaces the grant for its entry (both directions it allows); a nil grant for
    /// `ref` removes the flow.
    mutating func update(_ ref: ConnectionRef, grant: FastPathGrant?) {
        guard let grant else { return remove(ref) }
        let inboundKey = FlowKey(
            grant.protocolNumber, source: grant.client, sourcePort: grant.clientPort, destination: grant.virtualAddress,
            destinationPort: grant.virtualPort)
        let outboundKey = FlowKey(
            grant.protocolNumber, source: grant.replySource, sourcePort: grant.replySourcePort,
            destination: grant.client, destinationPort: grant.clientPort)
        let usable = grant.expiry > Self.expiryMargin ? grant.expiry - Self.expiryMargin : 0
        if let slot = byRef[ref], var record = records[Int(slot)] {
            record.grant = grant
            record.usableUntil = usable
            records[Int(slot)] = record
            return
        }
        // Another entry of the same flow (client port reuse): the old one is gone from here.
        if let old = byKey[inboundKey], let record = records[Int(old)] { remove(record.grant.ref) }
        if let old = byKey[outboundKey], let record = records[Int(old)] { remove(record.grant.ref) }
        guard byRef.count < capacity else { return }
        let record = Record(
            grant: grant, inboundKey: inboundKey, outboundKey: outboundKey, usableUntil: usable,
            traffic: FlowTraffic(ref: ref))
        let slot: Int32
        if let reused = free.popLast() {
            slot = reused
            records[Int(slot)] = record
        } else {
            slot = Int32(records.count)
            records.append(record)
        }
        byRef[ref] = slot
        byKey[inboundKey] = slot
        byKey[outboundKey] = slot
    }

    /// Forgets the flow of `ref` (its unreported traffic too: take it first).
    mutating func remove(_ ref: ConnectionRef) {
        guard let slot = byRef.removeValue(forKey: ref), let record = records[Int(slot)] else { return }
        if let key = record.inboundKey, byKey[key] == slot { byKey[key] = nil }
        if let key = record.outboundKey, byKey[key] == slot { byKey[key] = nil }
        records[Int(slot)] = nil
        free.append(slot)
    }

    /// The flow `key` names, if any.
    func ref(of key: FlowKey) -> ConnectionRef? {
        byKey[key].flatMap { records[Int($0)]?.grant.ref }
    }

    /// Forgets flows whose grant ran out with nothing left to report (idle past their timeout:
    /// the director expires their entries); returns how many.
    @discardableResult
    mutating func removeExpired(now: UInt64) -> Int {
        var expired: [ConnectionRef] = []
        for record in records {
            guard let record, record.reported, now >= record.usableUntil else { continue }
            expired.append(record.grant.ref)
        }
        for ref in expired { remove(ref) }
        if byRef.isEmpty {
            records.removeAll()
            free.removeAll()
        }
        return expired.count
    }

    /// Forgets every flow (after a configuration change: the next packet of each asks the
    /// director again). Take the traffic first.
    mutating func removeAll() {
        records.removeAll()
        free.removeAll()
        byKey.removeAll()
        byRef.removeAll()
        unreported.removeAll()
    }
}
