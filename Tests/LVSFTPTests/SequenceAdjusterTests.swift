import LVSCore
import Testing

@testable import LVSFTP

/// One direction of a TCP byte stream cut into segments, as the sender numbers them.
private struct Segment {
    var sequence: UInt32
    var length: UInt32
    /// Bytes added (+) or removed (−) when the director rewrote this segment.
    var change: Int32 = 0
    var newLength: UInt32 { UInt32(Int64(length) + Int64(change)) }
}

/// Consecutive segments starting at `initial`, with `changes` applied at the given indices.
private func stream(initial: UInt32, lengths: [UInt32], changes: [Int: Int32]) -> [Segment] {
    var sequence = initial
    return lengths.enumerated().map { index, length in
        defer { sequence &+= length }
        return Segment(sequence: sequence, length: length, change: changes[index] ?? 0)
    }
}

@Suite("TCP sequence adjustment after payload rewrites (reference §6, §7.3)")
struct SequenceAdjusterTests {
    @Test("serial-number comparison wraps at 2^32")
    func after() {
        #expect(SequenceAdjuster.isAfter(1, 0))
        #expect(!SequenceAdjuster.isAfter(0, 0))
        #expect(SequenceAdjuster.isAfter(5, UInt32.max - 5))
        #expect(!SequenceAdjuster.isAfter(UInt32.max - 5, 5))
    }

    @Test("an idle adjuster changes nothing")
    func idle() {
        let adjuster = SequenceAdjuster()
        #expect(adjuster.adjustedSequence(123) == 123)
        #expect(adjuster.adjustedAcknowledgement(456) == 456)
    }

    /// Sends `segments` through `adjusters` (server → client when `fromServer`), with the
    /// receiver acknowledging each segment's end right after it, and checks that the receiver
    /// sees one contiguous stream and the sender gets back acknowledgements of its own numbers.
    private func run(
        _ segments: [Segment], fromServer: Bool, adjusters: inout ConnectionSequenceAdjusters,
        retransmitEvery: Int = 0
    ) {
        var expectedNext = segments.first.map { $0.sequence } ?? 0
        for (index, segment) in segments.enumerated() {
            let sent =
                fromServer
                ? adjusters.serverSegment(sequence: segment.sequence, acknowledgement: 1, lengthChange: segment.change)
                : adjusters.clientSegment(sequence: segment.sequence, acknowledgement: 1, lengthChange: segment.change)
            #expect(sent.sequence == expectedNext, "segment \(index): contiguous at the receiver")
            expectedNext = sent.sequence &+ segment.newLength
            // The receiver acknowledges everything so far; the sender must see its own numbering.
            let ack =
                fromServer
                ? adjusters.clientSegment(sequence: 1, acknowledgement: expectedNext)
                : adjusters.serverSegment(sequence: 1, acknowledgement: expectedNext)
            #expect(ack.acknowledgement == segment.sequence &+ segment.length, "segment \(index): acknowledgement")
            // A retransmission of an earlier segment (two back, so at most one rewrite lies after
            // it: the kernel keeps one step of history) lands where that segment landed before.
            if retransmitEvery > 0 && index % retransmitEvery == retransmitEvery - 1 && index >= 2 {
                let old = segments[index - 2]
                let again =
                    fromServer
                    ? adjusters.serverSegment(sequence: old.sequence, acknowledgement: 1, lengthChange: old.change)
                    : adjusters.clientSegment(sequence: old.sequence, acknowledgement: 1, lengthChange: old.change)
                var position = segments[0].sequence
                for earlier in segments[..<(index - 2)] { position &+= earlier.newLength }
                #expect(again.sequence == position, "retransmission of segment \(index - 2)")
            }
        }
    }

    @Test(
        "growing rewrites, server → client, many segments across 2^32, with retransmissions",
        arguments: [UInt32(1000), UInt32.max - 300, UInt32.max - 5000])
    func growingServerToClient(initial: UInt32) {
        let lengths = (0..<60).map { UInt32(20 + ($0 * 37) % 90) }
        let segments = stream(initial: initial, lengths: lengths, changes: [3: 4, 20: 7, 41: 1])
        var adjusters = ConnectionSequenceAdjusters()
        run(segments, fromServer: true, adjusters: &adjusters, retransmitEvery: 5)
        #expect(adjusters.flags == [.outSequence])
        #expect(adjusters.serverToClient.adjustment.delta == 12)
        #expect(adjusters.serverToClient.adjustment.previousDelta == 11)
        #expect(adjusters.serverToClient.adjustment.initialSequence == segments[41].sequence)
    }

    @Test("shrinking and growing rewrites, client → server, across 2^32", arguments: [UInt32.max - 100, 77])
    func mixedClientToServer(initial: UInt32) {
        let lengths = (0..<50).map { UInt32(30 + ($0 * 13) % 40) }
        let segments = stream(initial: initial, lengths: lengths, changes: [2: -6, 9: 10, 30: -3])
        var adjusters = ConnectionSequenceAdjusters()
        run(segments, fromServer: false, adjusters: &adjusters, retransmitEvery: 4)
        #expect(adjusters.flags == [.inSequence])
        #expect(Int32(bitPattern: adjusters.clientToServer.adjustment.delta) == 1)
    }

    @Test("both directions at once keep their own records")
    func bothDirections() {
        var adjusters = ConnectionSequenceAdjusters()
        let fromServer = adjusters.serverSegment(sequence: 5000, acknowledgement: 100, lengthChange: -3)
        #expect(fromServer == .init(sequence: 5000, acknowledgement: 100))
        let fromClient = adjusters.clientSegment(sequence: 100, acknowledgement: 5047, lengthChange: 2)
        // 5047 acknowledges a 50-byte rewritten segment shrunk to 47: the server sees 5050.
        #expect(fromClient == .init(sequence: 100, acknowledgement: 5050))
        let next = adjusters.serverSegment(sequence: 5050, acknowledgement: 130)
        #expect(next == .init(sequence: 5047, acknowledgement: 128))
        #expect(adjusters.flags == [.inSequence, .outSequence])
    }

    @Test("a retransmitted rewritten segment is rewritten again but recorded once")
    func retransmittedRewrite() {
        var adjuster = SequenceAdjuster()
        let first = adjuster.payloadResized(atSequence: 1000, by: 5)
        let again = adjuster.payloadResized(atSequence: 1000, by: 5)
        let earlier = adjuster.payloadResized(atSequence: 900, by: 5)
        #expect(first && !again && !earlier)
        #expect(adjuster.adjustment == SequenceAdjustment(initialSequence: 1000, delta: 5, previousDelta: 0))
        #expect(adjuster.adjustedSequence(1000) == 1000)
        #expect(adjuster.adjustedSequence(1001) == 1006)
        #expect(adjuster.adjustedSequence(999) == 999)
    }

    @Test("a second rewrite: previous_delta takes the old delta; one step of history only")
    func secondRewrite() {
        var adjuster = SequenceAdjuster()
        adjuster.payloadResized(atSequence: 1000, by: 5)
        adjuster.payloadResized(atSequence: 2000, by: -2)
        #expect(adjuster.adjustment == SequenceAdjustment(initialSequence: 2000, delta: 3, previousDelta: 5))
        #expect(adjuster.adjustedSequence(2500) == 2503)
        #expect(adjuster.adjustedSequence(2000) == 2005)
        #expect(adjuster.adjustedSequence(1500) == 1505)
        // Before the first rewrite the kernel also adds previous_delta (it keeps no older history).
        #expect(adjuster.adjustedSequence(500) == 505)
        // Acknowledgements: after init_seq + delta (2003) subtract delta, else previous_delta.
        #expect(adjuster.adjustedAcknowledgement(2600) == 2597)
        #expect(adjuster.adjustedAcknowledgement(1505) == 1500)
    }

    @Test("the kernel's comparison for acknowledgements of a shrunk segment's start, kept for parity")
    func shrinkQuirk() {
        var adjuster = SequenceAdjuster()
        adjuster.payloadResized(atSequence: 1000, by: -6)
        // 1000 acknowledges the bytes before the rewritten segment; it lies after 1000 − 6, so the
        // kernel subtracts delta (−6) although previous_delta (0) would be exact.
        #expect(adjuster.adjustedAcknowledgement(1000) == 1006)
        #expect(adjuster.adjustedAcknowledgement(994) == 994)
    }

    @Test("state survives a sync round trip (flags + SEQ_DATA)")
    func syncRoundTrip() {
        var adjusters = ConnectionSequenceAdjusters()
        _ = adjusters.serverSegment(sequence: UInt32.max - 2, acknowledgement: 0, lengthChange: -4)
        let record = SyncedConnection(
            protocolNumber: .tcp, flags: adjusters.flags, state: 1, clientAddress: Topology.client, clientPort: 4000,
            virtualAddress: Topology.vip, virtualPort: 21, destinationAddress: Topology.realServer,
            destinationPort: 21, inSequence: adjusters.clientToServer.adjustment,
            outSequence: adjusters.serverToClient.adjustment)
        let restored = ConnectionSequenceAdjusters(synced: record)
        #expect(restored == adjusters)
        #expect(restored.serverToClient.adjustedSequence(10) == 6)
    }
}
