import CLinuxNet
import Glibc

/// One of an AF_XDP socket's four single-producer/single-consumer rings, mapped from the kernel
/// (Documentation/networking/af_xdp.rst): a producer and a consumer index (free-running u32,
/// masked by `size - 1`), a flags word (XDP_RING_NEED_WAKEUP) and the descriptors — UMEM
/// addresses (u64) in the fill and completion rings, `xdp_desc` in the RX and TX rings.
///
/// Invariant for `@unchecked Sendable`: a ring is used by the one worker that owns its socket;
/// the indices shared with the kernel are read with acquire and written with release ordering.
struct XDPRing: @unchecked Sendable {
    let mapping: UnsafeMutableRawPointer
    let length: Int
    let producer: UnsafeMutablePointer<UInt32>
    let consumer: UnsafeMutablePointer<UInt32>
    let flags: UnsafeMutablePointer<UInt32>
    let descriptors: UnsafeMutableRawPointer
    let size: UInt32

    /// Maps the ring at `pageOffset` with `offsets` (from XDP_MMAP_OFFSETS) and `entrySize`
    /// bytes per descriptor.
    init(
        fd: Int32, pageOffset: UInt64, offsets: xdp_ring_offset, size: UInt32, entrySize: Int
    ) throws(PacketEngineError) {
        let length = Int(offsets.desc) + Int(size) * entrySize
        guard let mapping = clinuxxdp_mmap_ring(fd, length, pageOffset) else {
            throw .fromErrno("mmap AF_XDP ring", errno)
        }
        self.mapping = mapping
        self.length = length
        producer = (mapping + Int(offsets.producer)).assumingMemoryBound(to: UInt32.self)
        consumer = (mapping + Int(offsets.consumer)).assumingMemoryBound(to: UInt32.self)
        flags = (mapping + Int(offsets.flags)).assumingMemoryBound(to: UInt32.self)
        descriptors = mapping + Int(offsets.desc)
        self.size = size
    }

    func unmap() { munmap(mapping, length) }

    var mask: UInt32 { size - 1 }

    /// Entries the consumer side (this process) may read now.
    func available() -> UInt32 { clinuxxdp_load_acquire(producer) &- consumer.pointee }

    /// Free slots the producer side (this process) may fill now.
    func free() -> UInt32 { size &- (producer.pointee &- clinuxxdp_load_acquire(consumer)) }

    /// Whether the kernel asks to be woken (need-wakeup mode).
    var needsWakeup: Bool { clinuxxdp_load_acquire(flags) & CLINUXXDP_RING_NEED_WAKEUP != 0 }

    // Fill / completion rings: UMEM addresses.
    func address(at index: UInt32) -> UInt64 {
        descriptors.load(fromByteOffset: Int(index & mask) * 8, as: UInt64.self)
    }

    func setAddress(_ address: UInt64, at index: UInt32) {
        descriptors.storeBytes(of: address, toByteOffset: Int(index & mask) * 8, as: UInt64.self)
    }

    // RX / TX rings: `struct xdp_desc` (addr u64, len u32, options u32).
    func descriptor(at index: UInt32) -> (address: UInt64, length: UInt32) {
        let offset = Int(index & mask) * 16
        return (
            descriptors.load(fromByteOffset: offset, as: UInt64.self),
            descriptors.load(fromByteOffset: offset + 8, as: UInt32.self)
        )
    }

    func setDescriptor(address: UInt64, length: UInt32, at index: UInt32) {
        let offset = Int(index & mask) * 16
        descriptors.storeBytes(of: address, toByteOffset: offset, as: UInt64.self)
        descriptors.storeBytes(of: length, toByteOffset: offset + 8, as: UInt32.self)
        descriptors.storeBytes(of: UInt32(0), toByteOffset: offset + 12, as: UInt32.self)
    }

    /// Publishes `count` produced entries.
    func produce(_ count: UInt32) { clinuxxdp_store_release(producer, producer.pointee &+ count) }

    /// Releases `count` consumed entries.
    func consume(_ count: UInt32) { clinuxxdp_store_release(consumer, consumer.pointee &+ count) }
}
