/// Weighted rendezvous (highest-random-weight) hashing for hash persistence (KTCPVS `hhttp`,
/// HAProxy `balance uri/hdr`; docs/design/0018).
///
/// Every (key, real server) pair gets a pseudo-random score that depends only on the two; the key
/// goes to the highest score. Removing a real server therefore moves exactly the keys it held,
/// and adding one takes keys only for itself. Weights use the logarithmic method (Schindelhauer
/// and Schomaker, "Weighted distributed hash tables", 2005): score = -weight / ln(u), u uniform in
/// (0, 1), which gives each server a share proportional to its weight. Weight 0 takes no keys
/// (draining, ipvsadm(8) --weight).
public struct RendezvousHash: Sendable {
    /// A real server of the group: a stable identifier (from `stableIdentifier`) and its weight.
    public struct Member: Sendable, Hashable {
        public let identifier: UInt64
        public let weight: Int

        public init(identifier: UInt64, weight: Int) {
            self.identifier = identifier
            self.weight = weight
        }
    }

    public let members: [Member]

    public init(members: [Member]) {
        self.members = members
    }

    /// The index in `members` of the real server for `keyHash`, nil when every weight is 0.
    public func choose(keyHash: UInt64) -> Int? {
        var best: Int? = nil
        var bestScore = -Double.infinity
        for (index, member) in members.enumerated() where member.weight > 0 {
            let mixed = Self.mix(keyHash ^ Self.mix(member.identifier))
            // 53 random bits into (0, 1): never 0 or 1, so the logarithm is finite and negative.
            let unit = (Double(mixed >> 11) + 0.5) / 9_007_199_254_740_992.0
            let score = -Double(member.weight) / Self.naturalLog(unit)
            if score > bestScore || (score == bestScore && member.identifier < members[best ?? index].identifier) {
                best = index
                bestScore = score
            }
        }
        return best
    }

    /// A stable 64-bit identifier for a real server from any stable bytes naming it (its address
    /// and port as text, a configured id): the same input gives the same identifier on every director.
    public static func stableIdentifier<Bytes: Sequence>(_ bytes: Bytes) -> UInt64 where Bytes.Element == UInt8 {
        mix(fnv1a(bytes))
    }

    /// FNV-1a 64 over bytes: cheap, allocation-free, and stable across processes (unlike
    /// `Hasher`, which is seeded per process).
    public static func fnv1a<Bytes: Sequence>(_ bytes: Bytes) -> UInt64 where Bytes.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            hash ^= UInt64(b)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// The SplitMix64 finaliser: spreads every input bit over the output.
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// ln(x) for x in (0, 1] without Glibc: x = m·2^e with m in [1, 2), ln x = e·ln 2 + 2·atanh(t)
    /// with t = (m-1)/(m+1) ≤ 1/3, whose series converges to double precision in 20 terms.
    static func naturalLog(_ x: Double) -> Double {
        let exponent = Double(x.exponent)
        let m = x.significand
        let t = (m - 1) / (m + 1)
        let t2 = t * t
        var term = t
        var sum = 0.0
        var k = 1.0
        for _ in 0..<20 {
            sum += term / k
            term *= t2
            k += 2
        }
        return exponent * 0.693_147_180_559_945_3 + 2 * sum
    }
}
