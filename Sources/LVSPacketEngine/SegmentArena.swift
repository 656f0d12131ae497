import LVSPacket

/// Frames the forwarder writes when it splits an aggregate in software (`Segmenter`): slots
/// with headroom for a tunnel and an Ethernet header, reused for every aggregate. The worker
/// sends a `.transmitSegments` batch before it forwards the next frame. One per forwarder.
public final class SegmentArena {
    /// Headroom in front of each slot's frame (an outer IPv6 header and Ethernet fit).
    public static let headroom = 128
    /// At most this many segments per aggregate (a 64 KiB aggregate at a 536-byte MSS is 123;
    /// BIG TCP's 512 KiB at 1448 is 363).
    public static let maximumSlots = 512
    /// At most this many bytes per segment frame (a 9000-byte MTU with headers fits).
    public static let maximumFrameLength = 9216 + 256

    public private(set) var slotSize: Int
    public private(set) var capacity: Int
    private var storage: UnsafeMutableRawBufferPointer
    private var frames: [PacketBuffer]

    public init(slots: Int = 64, frameLength: Int = 2048) {
        slotSize = Self.headroom + frameLength
        capacity = slots
        storage = .allocate(byteCount: slotSize * slots, alignment: 64)
        frames = []
        frames.reserveCapacity(Self.maximumSlots)
    }

    deinit { storage.deallocate() }

    /// Makes room for `count` frames of up to `frameLength` bytes (growing the storage when an
    /// aggregate needs more than any before it); false beyond the limits.
    func reserve(count: Int, frameLength: Int) -> Bool {
        guard count <= Self.maximumSlots, frameLength <= Self.maximumFrameLength else { return false }
        frames.removeAll(keepingCapacity: true)
        let needed = Self.headroom + frameLength
        if count > capacity || needed > slotSize {
            storage.deallocate()
            slotSize = max(slotSize, needed)
            capacity = max(capacity, count)
            storage = .allocate(byteCount: slotSize * capacity, alignment: 64)
        }
        return true
    }

    /// Slot `index` as an empty frame with the arena's headroom.
    func emptySlot(_ index: Int) -> PacketBuffer {
        let slot = UnsafeMutableRawBufferPointer(rebasing: storage[(index * slotSize)..<((index + 1) * slotSize)])
        return PacketBuffer(storage: slot, start: Self.headroom, count: 0)
    }

    /// Records the finished frame of the next slot.
    func append(_ frame: PacketBuffer) { frames.append(frame) }

    /// The frames of the last aggregate, in order.
    public var count: Int { frames.count }
    public func frame(_ index: Int) -> PacketBuffer { frames[index] }
}
