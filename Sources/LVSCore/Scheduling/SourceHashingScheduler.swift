/// `sh`: a static 256-bucket table keyed by the client's source address (and port with
/// `sh-port`), each real server owning max(weight, 1) consecutive buckets per turn; with
/// `sh-fallback` an unavailable owner is replaced by probing further buckets (reference §3.13).
public final class SourceHashingScheduler: StatelessScheduler {
    public var name: String { "sh" }

    /// CONFIG_IP_VS_SH_TAB_BITS (reference §3.15).
    public static let tableBits = 8
    public static let tableSize = 1 << tableBits

    /// `sh-fallback` (SCHED1).
    public let fallback: Bool
    /// `sh-port` (SCHED2): hash the client's source port too (TCP, UDP, SCTP only).
    public let hashesPort: Bool

    private var destinations: [RealServer] = []
    /// Index into `destinations` per bucket, −1 for an empty bucket.
    private(set) var buckets = [Int32](repeating: -1, count: SourceHashingScheduler.tableSize)

    public init(flags: SchedulerFlags = []) {
        self.fallback = flags.contains(.fallback)
        self.hashesPort = flags.contains(.port)
    }

    /// Rebuilds the table: walk the list cyclically, the current real server filling
    /// max(weight, 1) consecutive buckets before the next takes over (reference §3.13).
    public func destinationsChanged(_ destinations: [RealServer]) {
        self.destinations = destinations
        let count = destinations.count
        var owner = 0
        var filled: Int32 = 0
        for bucket in 0..<Self.tableSize {
            if count == 0 {
                buckets[bucket] = -1
                continue
            }
            buckets[bucket] = Int32(owner)
            filled += 1
            if filled >= destinations[owner].weight {
                owner = owner + 1 == count ? 0 : owner + 1
                filled = 0
            }
        }
    }

    /// `hash_32(port + fold(addr), 8) + offset`, masked to the table (the kernel's hashkey).
    static func bucket(address: IPAddress, port: UInt16, offset: Int) -> Int {
        let hash = Int(IPVSHash.hash32(UInt32(port) &+ address.folded, bits: tableBits))
        return (offset &+ hash) & (tableSize - 1)
    }

    /// The port the key uses: the client port with `sh-port` for TCP/UDP/SCTP, else 0.
    static func keyPort(_ input: SchedulingInput, hashesPort: Bool) -> UInt16 {
        guard hashesPort else { return 0 }
        switch input.protocolNumber {
        case .tcp, .udp, .sctp: return input.clientPort
        case .ip: return 0
        }
    }

    func owner(ofBucket bucket: Int) -> RealServer? {
        let index = Int(buckets[bucket])
        guard index >= 0 && index < destinations.count else { return nil }
        return destinations[index]
    }

    public func pick(_ input: SchedulingInput) -> RealServer? {
        let port = Self.keyPort(input, hashesPort: hashesPort)
        let home = Self.bucket(address: input.clientAddress, port: port, offset: 0)
        guard let first = owner(ofBucket: home) else { return nil }
        if first.canTakeNewConnection { return first }
        guard fallback else { return nil }
        // Probe k = 0..255 at bucket (home + k) + hash, i.e. (2·home + k) mod 256; an empty
        // bucket ends the search.
        for k in 0..<Self.tableSize {
            let probe = Self.bucket(address: input.clientAddress, port: port, offset: (k + home) % Self.tableSize)
            guard let candidate = owner(ofBucket: probe) else { return nil }
            if candidate.canTakeNewConnection { return candidate }
        }
        return nil
    }
}
