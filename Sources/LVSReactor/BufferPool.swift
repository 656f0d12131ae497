/// A per-thread pool of fixed-size byte buffers carved from one allocation.
///
/// One reactor thread owns a pool; it is not thread-safe and needs no lock. `take()` and
/// `giveBack(_:)` pop and push an index on a preallocated stack: no allocation, no ARC. The
/// backing memory is one `allocate` of `bufferSize × capacity` bytes, which the C library
/// serves with mmap, so pages are only committed as buffers are first written.
///
/// When the pool is empty `take()` returns nil and counts an exhaustion; the engine then stops
/// reading that connection (its kernel socket buffer holds the data) until a buffer returns.
public final class BufferPool {
    /// A buffer on loan: an index into the pool, two words, nothing to release but itself.
    public struct Buffer: Hashable, Sendable {
        public let index: UInt32
        @inlinable init(index: UInt32) { self.index = index }
    }

    /// Bytes per buffer.
    public let bufferSize: Int
    /// Buffers in the pool.
    public let capacity: Int
    @usableFromInline let base: UnsafeMutableRawPointer
    @usableFromInline let freeStack: UnsafeMutablePointer<UInt32>
    @usableFromInline let onLoan: UnsafeMutablePointer<Bool>
    @usableFromInline var freeCount: Int
    @usableFromInline var exhaustions: Int = 0

    /// - Parameters:
    ///   - bufferSize: bytes per buffer (16 KiB matches a TLS record and two typical MSS bursts).
    ///   - capacity: buffers in the pool; memory reserved is `bufferSize × capacity`.
    public init(bufferSize: Int = 16 * 1024, capacity: Int) {
        precondition(bufferSize > 0 && capacity > 0 && capacity < Int(UInt32.max), "BufferPool: bad size")
        self.bufferSize = bufferSize
        self.capacity = capacity
        self.base = UnsafeMutableRawPointer.allocate(byteCount: bufferSize * capacity, alignment: 64)
        self.freeStack = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
        self.onLoan = UnsafeMutablePointer<Bool>.allocate(capacity: capacity)
        self.onLoan.initialize(repeating: false, count: capacity)
        // Lowest index on top, so a lightly loaded pool keeps reusing the same warm pages.
        for position in 0..<capacity { (freeStack + position).initialize(to: UInt32(capacity - 1 - position)) }
        self.freeCount = capacity
    }

    deinit {
        base.deallocate()
        freeStack.deallocate()
        onLoan.deallocate()
    }

    /// Buffers available now.
    public var available: Int { freeCount }
    /// Buffers on loan now.
    public var inUse: Int { capacity - freeCount }
    /// Times `take()` found the pool empty.
    public var exhaustionCount: Int { exhaustions }

    /// Lends a buffer, or nil (counted) if all are on loan.
    @inlinable
    public func take() -> Buffer? {
        guard freeCount > 0 else {
            exhaustions &+= 1
            return nil
        }
        freeCount &-= 1
        let index = freeStack[freeCount]
        onLoan[Int(index)] = true
        return Buffer(index: index)
    }

    /// Returns a buffer. Returning one twice, or one from another pool, is a programming error
    /// and traps rather than corrupting the free list.
    @inlinable
    public func giveBack(_ buffer: Buffer) {
        let index = Int(buffer.index)
        precondition(index < capacity && onLoan[index], "BufferPool: buffer not on loan")
        onLoan[index] = false
        freeStack[freeCount] = buffer.index
        freeCount &+= 1
    }

    /// The bytes of a buffer on loan. Valid until it is given back.
    @inlinable
    public func bytes(of buffer: Buffer) -> UnsafeMutableRawBufferPointer {
        let index = Int(buffer.index)
        precondition(index < capacity, "BufferPool: foreign buffer")
        return UnsafeMutableRawBufferPointer(start: base + index &* bufferSize, count: bufferSize)
    }
}
