import CLinuxNet
import Glibc

/// A map in the kernel, reached through bpf(2); closes its fd when released (the kernel frees
/// the map once no program or fd holds it).
public final class KernelBPFMap: BPFMap {
    public let fd: Int32
    public let keySize: Int
    public let valueSize: Int
    public let maxEntries: Int

    /// BPF_MAP_CREATE of a map of `type` (a `CLINUXXDP_MAP_*` constant).
    public init(
        type: UInt32, name: String, keySize: Int, valueSize: Int, maxEntries: Int
    ) throws(PacketEngineError) {
        let fd = clinuxxdp_map_create(type, UInt32(keySize), UInt32(valueSize), UInt32(maxEntries), name)
        guard fd >= 0 else { throw .fromErrno("BPF_MAP_CREATE \(name)", errno) }
        self.fd = fd
        self.keySize = keySize
        self.valueSize = valueSize
        self.maxEntries = maxEntries
    }

    deinit { close(fd) }

    public func update(key: [UInt8], value: [UInt8]) throws(PacketEngineError) {
        guard key.count == keySize, value.count == valueSize else {
            throw .system("BPF_MAP_UPDATE_ELEM", errno: EINVAL)
        }
        guard clinuxxdp_map_update(fd, key, value, CLINUXXDP_UPDATE_ANY) == 0 else {
            throw .fromErrno("BPF_MAP_UPDATE_ELEM", errno)
        }
    }

    public func delete(key: [UInt8]) throws(PacketEngineError) {
        guard key.count == keySize else { throw .system("BPF_MAP_DELETE_ELEM", errno: EINVAL) }
        guard clinuxxdp_map_delete(fd, key) == 0 || errno == ENOENT else {
            throw .fromErrno("BPF_MAP_DELETE_ELEM", errno)
        }
    }

    public func lookup(key: [UInt8]) throws(PacketEngineError) -> [UInt8]? {
        guard key.count == keySize else { throw .system("BPF_MAP_LOOKUP_ELEM", errno: EINVAL) }
        var value = [UInt8](repeating: 0, count: valueSize)
        guard clinuxxdp_map_lookup(fd, key, &value) == 0 else {
            if errno == ENOENT { return nil }
            throw .fromErrno("BPF_MAP_LOOKUP_ELEM", errno)
        }
        return value
    }

    /// The per-CPU values of `key` in a per-CPU map (one `valueSize` slot per possible CPU,
    /// each rounded up to 8 bytes by the kernel).
    public func lookupPerCPU(key: [UInt8]) throws(PacketEngineError) -> [[UInt8]] {
        let cpus = Int(clinuxxdp_possible_cpus())
        guard cpus > 0 else { throw .fromErrno("/sys/devices/system/cpu/possible", errno) }
        let stride = (valueSize + 7) & ~7
        var values = [UInt8](repeating: 0, count: stride * cpus)
        guard clinuxxdp_map_lookup(fd, key, &values) == 0 else { throw .fromErrno("BPF_MAP_LOOKUP_ELEM", errno) }
        return (0..<cpus).map { Array(values[$0 * stride..<$0 * stride + valueSize]) }
    }

    public func keys() throws(PacketEngineError) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var next = [UInt8](repeating: 0, count: keySize)
        guard clinuxxdp_map_next_key(fd, nil, &next) == 0 else {
            if errno == ENOENT { return [] }
            throw .fromErrno("BPF_MAP_GET_NEXT_KEY", errno)
        }
        // Bounded by the map's size (the engine is the only writer while it walks).
        for _ in 0...maxEntries {
            result.append(next)
            let current = next
            guard clinuxxdp_map_next_key(fd, current, &next) == 0 else {
                if errno == ENOENT { return result }
                throw .fromErrno("BPF_MAP_GET_NEXT_KEY", errno)
            }
        }
        return result
    }
}
