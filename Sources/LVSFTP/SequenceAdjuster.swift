import LVSCore

/// The TCP sequence adjustment of one direction of a masqueraded connection whose payload a
/// helper resized (reference §6 "Payload length changes", §7.3 SEQ_DATA): the kernel's
/// `struct ip_vs_seq` plus the direction's flag (`IP_VS_CONN_F_OUT_SEQ` for server → client,
/// `IP_VS_CONN_F_IN_SEQ` for client → server).
///
/// Sequence numbers given to `payloadResized` and `adjustedSequence` are the sender's original
/// ones (before any adjustment); acknowledgement numbers given to `adjustedAcknowledgement` are
/// the receiver's, in the adjusted space it sees. All arithmetic wraps modulo 2^32 and "after" is
/// the 32-bit serial-number comparison (RFC 1982, the kernel's `after()`).
///
/// A resize is recorded only if it is the first in this direction or its segment lies after the
/// last recorded one; a retransmission of an already-resized segment (same or earlier sequence
/// number) records nothing, so rewriting it again keeps the state. A second resize at a later S
/// moves the old `delta` to `previousDelta` and adds `d` to `delta`: segments up to that S (the
/// resized one included) are shifted by the old total, later ones by the new total. Only one
/// step of history is kept — a retransmission from before the *first* resize after two resizes
/// is shifted by the first resize's delta, exactly as the kernel does.
public struct SequenceAdjuster: Sendable, Hashable {
    /// The `{init_seq, delta, previous_delta}` record as synchronised (reference §7.3).
    public var adjustment: SequenceAdjustment
    /// The direction's `*_SEQ` flag: set by the first resize, carried in sync messages.
    public var isActive: Bool

    public init(adjustment: SequenceAdjustment = SequenceAdjustment(), isActive: Bool = false) {
        self.adjustment = adjustment
        self.isActive = isActive
    }

    /// Records that the segment with original sequence number `sequence` was resized by
    /// `lengthChange` bytes (the kernel's `vs_seq_update`). Returns whether the record changed.
    @discardableResult
    public mutating func payloadResized(atSequence sequence: UInt32, by lengthChange: Int32) -> Bool {
        guard !isActive || Self.isAfter(sequence, adjustment.initialSequence) else { return false }
        adjustment.previousDelta = adjustment.delta
        adjustment.delta &+= UInt32(bitPattern: lengthChange)
        adjustment.initialSequence = sequence
        isActive = true
        return true
    }

    /// The sequence number to put on a segment of this direction whose original sequence number
    /// is `sequence` (the kernel's `vs_fix_seq`): shifted by `delta` after the last resized
    /// segment, by `previousDelta` for it and anything before it.
    public func adjustedSequence(_ sequence: UInt32) -> UInt32 {
        guard isActive, adjustment.delta != 0 || adjustment.previousDelta != 0 else { return sequence }
        if Self.isAfter(sequence, adjustment.initialSequence) {
            return sequence &+ adjustment.delta
        }
        return sequence &+ adjustment.previousDelta
    }

    /// The acknowledgement number to put on a segment of the *opposite* direction (the kernel's
    /// `vs_fix_ack_seq`): the receiver acknowledged adjusted bytes, the sender expects original
    /// ones. An acknowledgement after `init_seq + delta` is reduced by `delta`, any other by
    /// `previousDelta`.
    ///
    /// Kept exactly as the kernel compares (so both directors of a synchronised pair agree): for
    /// a shrinking resize an acknowledgement of exactly the bytes before the resized segment also
    /// lies after `init_seq + delta` and is reduced by `delta`, not `previousDelta`.
    public func adjustedAcknowledgement(_ acknowledgement: UInt32) -> UInt32 {
        guard isActive, adjustment.delta != 0 || adjustment.previousDelta != 0 else { return acknowledgement }
        if Self.isAfter(acknowledgement, adjustment.initialSequence &+ adjustment.delta) {
            return acknowledgement &- adjustment.delta
        }
        return acknowledgement &- adjustment.previousDelta
    }

    /// `a` after `b` in 32-bit serial-number arithmetic (the kernel's `after(a, b)`).
    public static func isAfter(_ a: UInt32, _ b: UInt32) -> Bool {
        Int32(bitPattern: b &- a) < 0
    }
}
