import LVSCore
import LVSPacket
import Synchronization

/// Where the forwarder finds link-layer addresses of next hops, and tells what it learned.
public protocol NeighbourResolver {
    /// The MAC of `address`, if known.
    mutating func lookup(_ address: IPAddress, now: MonotonicInstant) -> MACAddress?
    /// `address` was seen at `mac` (an ARP packet, a neighbour advertisement, a frame from an
    /// on-link host).
    mutating func learn(_ address: IPAddress, mac: MACAddress, now: MonotonicInstant)
    /// True when a solicitation for `address` should go out now (rate-limited per address).
    mutating func shouldSolicit(_ address: IPAddress, now: MonotonicInstant) -> Bool
}

/// A neighbour table: entries live `lifetime`, solicitations at most one per address per
/// `solicitInterval`. Bounded: when full, learning replaces nothing (misses are solicited).
public struct NeighbourCache: NeighbourResolver, Sendable {
    struct Entry: Sendable {
        var mac: MACAddress
        var learned: UInt64
    }

    var entries: [IPAddress: Entry] = [:]
    var solicited: [IPAddress: UInt64] = [:]
    public var lifetimeNanoseconds: UInt64
    public var solicitIntervalNanoseconds: UInt64
    public var capacity: Int

    public init(
        lifetimeNanoseconds: UInt64 = 60_000_000_000, solicitIntervalNanoseconds: UInt64 = 200_000_000,
        capacity: Int = 65_536
    ) {
        self.lifetimeNanoseconds = lifetimeNanoseconds
        self.solicitIntervalNanoseconds = solicitIntervalNanoseconds
        self.capacity = capacity
    }

    public mutating func lookup(_ address: IPAddress, now: MonotonicInstant) -> MACAddress? {
        guard let entry = entries[address] else { return nil }
        guard now.nanoseconds &- entry.learned < lifetimeNanoseconds else { return nil }
        return entry.mac
    }

    public mutating func learn(_ address: IPAddress, mac: MACAddress, now: MonotonicInstant) {
        guard !mac.isMulticast, mac != .zero else { return }
        if entries[address] == nil && entries.count >= capacity { return }
        entries[address] = Entry(mac: mac, learned: now.nanoseconds)
        solicited[address] = nil
    }

    public mutating func shouldSolicit(_ address: IPAddress, now: MonotonicInstant) -> Bool {
        if let last = solicited[address], now.nanoseconds &- last < solicitIntervalNanoseconds { return false }
        if solicited.count >= capacity { solicited.removeAll(keepingCapacity: true) }
        solicited[address] = now.nanoseconds
        return true
    }

    /// Every entry (for seeding other caches).
    public var all: [(IPAddress, MACAddress)] { entries.map { ($0.key, $0.value.mac) } }

    /// Parses /proc/net/arp (`IP address  HW type  Flags  HW address  Mask  Device`): complete
    /// entries (flag 0x2) only.
    public static func parseARP(_ text: String) -> [(IPAddress, MACAddress)] {
        var result: [(IPAddress, MACAddress)] = []
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 6, let address = IPAddress.parseIPv4(String(fields[0])),
                let flags = UInt32(fields[2].dropFirst(2), radix: 16), flags & 0x2 != 0,
                let mac = MACAddress(String(fields[3])), mac != .zero
            else { continue }
            result.append((address, mac))
        }
        return result
    }
}

/// The neighbours every worker shares: a worker learns an ARP reply that another worker's
/// request caused (fanout spreads them). Workers keep their own `NeighbourCache` and consult
/// this one only on a miss, so the lock is not taken per packet.
public final class SharedNeighbours: Sendable {
    private let cache: Mutex<NeighbourCache>

    public init() { cache = Mutex(NeighbourCache()) }

    public func lookup(_ address: IPAddress, now: MonotonicInstant) -> MACAddress? {
        cache.withLock { $0.lookup(address, now: now) }
    }

    public func learn(_ address: IPAddress, mac: MACAddress, now: MonotonicInstant) {
        cache.withLock { $0.learn(address, mac: mac, now: now) }
    }

    public func shouldSolicit(_ address: IPAddress, now: MonotonicInstant) -> Bool {
        cache.withLock { $0.shouldSolicit(address, now: now) }
    }
}

/// A worker's view: its own cache in front of the shared one.
public struct WorkerNeighbours: NeighbourResolver {
    var local = NeighbourCache()
    let shared: SharedNeighbours

    public init(shared: SharedNeighbours) { self.shared = shared }

    public mutating func lookup(_ address: IPAddress, now: MonotonicInstant) -> MACAddress? {
        if let mac = local.lookup(address, now: now) { return mac }
        guard let mac = shared.lookup(address, now: now) else { return nil }
        local.learn(address, mac: mac, now: now)
        return mac
    }

    public mutating func learn(_ address: IPAddress, mac: MACAddress, now: MonotonicInstant) {
        // Refresh the shared entry at most once a second per address (gleaning sees every frame).
        if let entry = local.entries[address], entry.mac == mac, now.nanoseconds &- entry.learned < 1_000_000_000 {
            return
        }
        local.learn(address, mac: mac, now: now)
        shared.learn(address, mac: mac, now: now)
    }

    public mutating func shouldSolicit(_ address: IPAddress, now: MonotonicInstant) -> Bool {
        shared.shouldSolicit(address, now: now)
    }
}
