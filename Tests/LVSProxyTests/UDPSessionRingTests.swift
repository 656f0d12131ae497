import LVSReactor
import Testing

@testable import LVSProxy

/// The second-chance eviction ring of UDP sessions (docs/design/0007-proxy-engine.md, "UDP").
@Suite("Proxy engine: UDP session ring")
struct UDPSessionRingTests {
    static func token(_ slot: UInt32, generation: UInt32 = 1) -> ReactorToken {
        ReactorToken(slot: slot, generation: generation)
    }

    @Test("an empty ring pops nothing")
    func empty() {
        var ring = UDPSessionRing()
        #expect(ring.count == 0)
        #expect(ring.popOldest() == nil)
    }

    @Test("tokens come out oldest first, and count follows appends and pops")
    func order() {
        var ring = UDPSessionRing()
        for slot in UInt32(0)..<5 { ring.append(Self.token(slot)) }
        #expect(ring.count == 5)
        #expect(ring.popOldest() == Self.token(0))
        #expect(ring.popOldest() == Self.token(1))
        #expect(ring.count == 3)
        // A second chance: the caller puts a recently used session at the back.
        ring.append(Self.token(1))
        #expect((0..<4).compactMap { _ in ring.popOldest() } == [2, 3, 4, 1].map { Self.token($0) })
        #expect(ring.popOldest() == nil)
        #expect(ring.count == 0)
    }

    @Test("the consumed prefix is reclaimed without losing or reordering tokens")
    func reclaim() {
        var ring = UDPSessionRing()
        for slot in UInt32(0)..<200 { ring.append(Self.token(slot)) }
        var popped: [ReactorToken] = []
        // Past 64 pops with the prefix over half the array, the ring compacts itself.
        for _ in 0..<150 { if let token = ring.popOldest() { popped.append(token) } }
        #expect(popped == (UInt32(0)..<150).map { Self.token($0) })
        #expect(ring.count == 50)
        for slot in UInt32(200)..<210 { ring.append(Self.token(slot)) }
        var rest: [ReactorToken] = []
        while let token = ring.popOldest() { rest.append(token) }
        #expect(rest == (UInt32(150)..<210).map { Self.token($0) })
    }

    @Test("a sweep leaves a ring alone while stale tokens do not dominate")
    func sweepNotSparse() {
        var ring = UDPSessionRing()
        // 64 tokens for a floor of max(live, 32) = 32: 64 is not more than twice that.
        for slot in UInt32(0)..<64 { ring.append(Self.token(slot)) }
        var asked = 0
        ring.sweepIfSparse(liveSessions: 1) { _ in
            asked += 1
            return false
        }
        #expect(asked == 0)
        #expect(ring.count == 64)
    }

    @Test("a sweep of a sparse ring keeps exactly the live tokens, in order")
    func sweepSparse() {
        var ring = UDPSessionRing()
        for slot in UInt32(0)..<100 { ring.append(Self.token(slot)) }
        _ = ring.popOldest()
        // Slots divisible by 10 are live; one reopened with a new generation is stale.
        ring.append(Self.token(10, generation: 2))
        let live: Set<ReactorToken> = Set((1..<10).map { Self.token(UInt32($0 * 10)) })
        ring.sweepIfSparse(liveSessions: live.count) { live.contains($0) }
        #expect(ring.count == 9)
        var rest: [ReactorToken] = []
        while let token = ring.popOldest() { rest.append(token) }
        #expect(rest == (1..<10).map { Self.token(UInt32($0 * 10)) })
    }
}
