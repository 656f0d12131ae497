/// `dh`: a static 256-bucket table keyed by the packet's destination address; bucket i holds
/// the (i mod n)-th real server in list order, weights ignored. An ineligible bucket owner
/// fails the pick: there is no fallback (reference §3.12).
public final class DestinationHashingScheduler: Scheduler {
    public var name: String { "dh" }

    /// CONFIG_IP_VS_DH_TAB_BITS (reference §3.15).
    public static let tableBits = 8
    public static let tableSize = 1 << tableBits

    private var destinations: [RealServer] = []
    /// Index into `destinations` per bucket, −1 for an empty bucket.
    private(set) var buckets = [Int32](repeating: -1, count: DestinationHashingScheduler.tableSize)

    public init() {}

    public func destinationsChanged(_ destinations: [RealServer]) {
        self.destinations = destinations
        let count = destinations.count
        for bucket in 0..<Self.tableSize {
            buckets[bucket] = count == 0 ? -1 : Int32(bucket % count)
        }
    }

    /// The bucket a destination address hashes to.
    static func bucket(for address: IPAddress) -> Int {
        Int(IPVSHash.hash32(address.folded, bits: tableBits))
    }

    public func pick(_ input: SchedulingInput) -> RealServer? {
        let index = Int(buckets[Self.bucket(for: input.destinationAddress)])
        guard index >= 0 && index < destinations.count else { return nil }
        let owner = destinations[index]
        return owner.canTakeNewConnection ? owner : nil
    }
}
