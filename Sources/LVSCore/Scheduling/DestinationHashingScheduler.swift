/// `dh`: a static 256-bucket table keyed by the packet's destination address; bucket i holds
/// the (i mod n)-th real server in list order, weights ignored. An ineligible bucket owner
/// fails the pick: there is no fallback (reference §3.12).
public final class DestinationHashingScheduler: StatelessScheduler {
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

    /// The real server owning a bucket; nil for an empty one.
    func owner(ofBucket bucket: Int) -> RealServer? {
        let index = Int(buckets[bucket])
        guard index >= 0 && index < destinations.count else { return nil }
        return destinations[index]
    }

    public func pick(_ input: SchedulingInput) -> RealServer? {
        guard let owner = owner(ofBucket: Self.bucket(for: input.destinationAddress)) else { return nil }
        return owner.canTakeNewConnection ? owner : nil
    }
}
