/// A view over a frame held in caller-owned memory, with bounds-checked big-endian access.
///
/// The frame occupies `storage[start ..< start + count]`; bytes before it are headroom (where
/// encapsulation writes an outer header without moving the payload, reference §5.3) and bytes
/// after it are tailroom. Every offset given to an accessor is relative to `start`. Reads
/// return nil and writes throw `PacketError.outOfBounds` instead of trapping, so a hostile
/// length field can never make the engine read or write outside the frame (katran: "bounds
/// checked before every packet read"). The view never allocates and never owns its memory:
/// the caller (an AF_PACKET ring slot, a pool buffer, a test array) keeps it alive.
public struct PacketBuffer {
    /// The whole memory region, headroom and tailroom included.
    public let storage: UnsafeMutableRawBufferPointer
    /// Offset of the frame's first byte inside `storage`.
    public private(set) var start: Int
    /// Number of bytes in the frame.
    public private(set) var count: Int

    /// A view of `count` bytes at `start` inside `storage`; out-of-range values are clamped so
    /// the view always lies inside the region.
    public init(storage: UnsafeMutableRawBufferPointer, start: Int = 0, count: Int) {
        let capacity = storage.count
        let clampedStart = min(max(start, 0), capacity)
        self.storage = storage
        self.start = clampedStart
        self.count = min(max(count, 0), capacity - clampedStart)
    }

    /// Bytes available in front of the frame.
    public var headroom: Int { start }
    /// Bytes available after the frame.
    public var tailroom: Int { storage.count - start - count }

    /// True when `length` bytes at `offset` lie inside the frame. Written so that no operand can
    /// overflow whatever the (external) values are.
    @inlinable
    public func contains(offset: Int, length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= count - length
    }

    // MARK: Reads (nil when out of bounds)

    @inlinable
    public func u8(at offset: Int) -> UInt8? {
        guard contains(offset: offset, length: 1) else { return nil }
        return storage.load(fromByteOffset: start &+ offset, as: UInt8.self)
    }

    @inlinable
    public func u16(at offset: Int) -> UInt16? {
        guard contains(offset: offset, length: 2) else { return nil }
        return UInt16(bigEndian: storage.loadUnaligned(fromByteOffset: start &+ offset, as: UInt16.self))
    }

    @inlinable
    public func u32(at offset: Int) -> UInt32? {
        guard contains(offset: offset, length: 4) else { return nil }
        return UInt32(bigEndian: storage.loadUnaligned(fromByteOffset: start &+ offset, as: UInt32.self))
    }

    @inlinable
    public func u64(at offset: Int) -> UInt64? {
        guard contains(offset: offset, length: 8) else { return nil }
        return UInt64(bigEndian: storage.loadUnaligned(fromByteOffset: start &+ offset, as: UInt64.self))
    }

    /// Runs `body` over the `length` bytes at `offset` without copying them, or returns nil when
    /// they do not all lie inside the frame (a payload a parser reads in place). The view is
    /// valid only inside `body`.
    @inlinable
    public func withBytes<Result>(
        at offset: Int, length: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result
    ) rethrows -> Result? {
        guard contains(offset: offset, length: length) else { return nil }
        let region = UnsafeRawBufferPointer(rebasing: storage[(start &+ offset)..<(start &+ offset &+ length)])
        return try region.withMemoryRebound(to: UInt8.self) { try body($0) }
    }

    // MARK: Writes (throw when out of bounds)

    @inlinable
    public func setU8(_ value: UInt8, at offset: Int) throws(PacketError) {
        guard contains(offset: offset, length: 1) else { throw .outOfBounds }
        storage.storeBytes(of: value, toByteOffset: start &+ offset, as: UInt8.self)
    }

    @inlinable
    public func setU16(_ value: UInt16, at offset: Int) throws(PacketError) {
        guard contains(offset: offset, length: 2) else { throw .outOfBounds }
        storage.storeBytes(of: value.bigEndian, toByteOffset: start &+ offset, as: UInt16.self)
    }

    @inlinable
    public func setU32(_ value: UInt32, at offset: Int) throws(PacketError) {
        guard contains(offset: offset, length: 4) else { throw .outOfBounds }
        storage.storeBytes(of: value.bigEndian, toByteOffset: start &+ offset, as: UInt32.self)
    }

    @inlinable
    public func setU64(_ value: UInt64, at offset: Int) throws(PacketError) {
        guard contains(offset: offset, length: 8) else { throw .outOfBounds }
        storage.storeBytes(of: value.bigEndian, toByteOffset: start &+ offset, as: UInt64.self)
    }

    /// Copies `length` bytes inside the frame from `source` to `destination` (regions may overlap).
    public func moveBytes(from source: Int, to destination: Int, length: Int) throws(PacketError) {
        guard contains(offset: source, length: length), contains(offset: destination, length: length) else {
            throw .outOfBounds
        }
        guard length > 0, let base = storage.baseAddress else { return }
        (base + start + destination).copyMemory(from: base + start + source, byteCount: length)
    }

    /// Copies `length` bytes from another buffer's frame into this frame.
    public func copyBytes(
        from other: PacketBuffer, at sourceOffset: Int, to destination: Int, length: Int
    ) throws(PacketError) {
        guard other.contains(offset: sourceOffset, length: length), contains(offset: destination, length: length)
        else { throw .outOfBounds }
        guard length > 0, let base = storage.baseAddress, let otherBase = other.storage.baseAddress else { return }
        (base + start + destination).copyMemory(from: otherBase + other.start + sourceOffset, byteCount: length)
    }

    /// Writes `bytes` at `offset` inside the frame.
    public func write(_ bytes: some Collection<UInt8>, at offset: Int) throws(PacketError) {
        guard contains(offset: offset, length: bytes.count) else { throw .outOfBounds }
        var index = start &+ offset
        for byte in bytes {
            storage[index] = byte
            index &+= 1
        }
    }

    // MARK: Moving the frame's edges

    /// Grows the frame at the front by `length` bytes taken from the headroom (the new bytes are
    /// whatever the headroom held: the caller writes a header there).
    public mutating func prepend(_ length: Int) throws(PacketError) {
        guard length >= 0, length <= start else { throw .noHeadroom }
        start -= length
        count += length
    }

    /// Shrinks the frame at the front by `length` bytes (they become headroom).
    public mutating func removeFront(_ length: Int) throws(PacketError) {
        guard length >= 0, length <= count else { throw .outOfBounds }
        start += length
        count -= length
    }

    /// Sets the frame length, trimming (e.g. Ethernet padding) or growing into the tailroom.
    public mutating func setCount(_ newCount: Int) throws(PacketError) {
        guard newCount >= 0, newCount <= storage.count - start else { throw .outOfBounds }
        count = newCount
    }

    /// A copy of the frame's bytes (allocates: for tests, logging and slow paths).
    public var bytes: [UInt8] {
        guard count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(rebasing: storage[start..<(start + count)]))
    }

    /// Runs `body` over a freshly allocated copy of `bytes` with the given headroom and tailroom,
    /// for tests and slow paths. The buffer is only valid inside `body`.
    public static func withCopy<Result, Failure: Error>(
        of bytes: [UInt8], headroom: Int = 0, tailroom: Int = 0,
        _ body: (inout PacketBuffer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let head = max(headroom, 0)
        let capacity = head + bytes.count + max(tailroom, 0)
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: max(capacity, 1), alignment: 16)
        defer { memory.deallocate() }
        memory.initializeMemory(as: UInt8.self, repeating: 0)
        for (index, byte) in bytes.enumerated() { memory[head + index] = byte }
        var buffer = PacketBuffer(storage: memory, start: head, count: bytes.count)
        return try body(&buffer)
    }
}
