import Glibc
import Synchronization

/// An eBPF map as the engine uses it: fixed-size byte keys and values. The kernel's maps
/// (`KernelBPFMap`) and an in-memory stand-in (`InMemoryBPFMap`, for tests of the map protocol
/// without privileges) implement it (docs/design/0026-af-xdp.md).
public protocol BPFMap: Sendable {
    var keySize: Int { get }
    var valueSize: Int { get }
    /// Inserts or replaces `key`'s value.
    func update(key: [UInt8], value: [UInt8]) throws(PacketEngineError)
    /// Removes `key` (no error when it is absent).
    func delete(key: [UInt8]) throws(PacketEngineError)
    /// `key`'s value, nil when absent.
    func lookup(key: [UInt8]) throws(PacketEngineError) -> [UInt8]?
    /// Every key, in the map's own order.
    func keys() throws(PacketEngineError) -> [[UInt8]]
}

extension BPFMap {
    /// Makes the map hold exactly `wanted` (each with `value`): stale keys are deleted first,
    /// then missing ones inserted, so a key kept across plans is never absent in between.
    /// Returns the number of keys (deleted, inserted).
    @discardableResult
    public func replaceKeys(with wanted: Set<[UInt8]>, value: [UInt8]) throws(PacketEngineError) -> (Int, Int) {
        let present = Set(try keys())
        let stale = present.subtracting(wanted)
        let missing = wanted.subtracting(present)
        for key in stale { try delete(key: key) }
        for key in missing { try update(key: key, value: value) }
        return (stale.count, missing.count)
    }
}

/// A hash map in memory with the kernel map's size checks.
public final class InMemoryBPFMap: BPFMap {
    public let keySize: Int
    public let valueSize: Int
    public let maxEntries: Int
    private let entries = Mutex<[[UInt8]: [UInt8]]>([:])

    public init(keySize: Int, valueSize: Int, maxEntries: Int) {
        self.keySize = keySize
        self.valueSize = valueSize
        self.maxEntries = maxEntries
    }

    public func update(key: [UInt8], value: [UInt8]) throws(PacketEngineError) {
        guard key.count == keySize, value.count == valueSize else { throw .fromErrno("BPF_MAP_UPDATE_ELEM", EINVAL) }
        let full = entries.withLock { entries in
            guard entries[key] != nil || entries.count < maxEntries else { return true }
            entries[key] = value
            return false
        }
        if full { throw .fromErrno("BPF_MAP_UPDATE_ELEM", E2BIG) }
    }

    public func delete(key: [UInt8]) throws(PacketEngineError) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }

    public func lookup(key: [UInt8]) throws(PacketEngineError) -> [UInt8]? { entries.withLock { $0[key] } }

    public func keys() throws(PacketEngineError) -> [[UInt8]] { entries.withLock { Array($0.keys) } }
}
