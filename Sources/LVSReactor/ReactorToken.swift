/// Identifies one registration (or one slot-table occupancy): a 32-bit slot index and the
/// slot's 32-bit generation, packed into the 64-bit `epoll_event.data`.
///
/// Layout: bits 0–31 slot (the fd, for fd-indexed tables), bits 32–63 generation. The
/// generation changes whenever the slot is freed or reused, so an event or timer that still
/// carries an old token after `close` + fd reuse is recognised and ignored instead of being
/// delivered to the new connection (docs/design/0005-reactor.md, "Tokens").
public struct ReactorToken: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64

    @inlinable
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    @inlinable
    public init(slot: UInt32, generation: UInt32) {
        self.rawValue = UInt64(generation) << 32 | UInt64(slot)
    }

    /// The slot index (the file descriptor for fd-indexed tables).
    @inlinable
    public var slot: UInt32 { UInt32(truncatingIfNeeded: rawValue) }

    @inlinable
    public var generation: UInt32 { UInt32(truncatingIfNeeded: rawValue >> 32) }

    /// The file descriptor of a reactor registration (its slot).
    @inlinable
    public var fd: Int32 { Int32(bitPattern: slot) }

    public var description: String { "slot \(slot) gen \(generation)" }
}
