/// The comparison at the heart of wlc, sed and nq (reference §3.4–§3.6): among real servers that
/// can take a new connection, the one with the smallest load / weight, compared by
/// cross-multiplication in 64 bits (`load(C) × weight(D) > load(D) × weight(C)` replaces C by D),
/// so ties go to the earlier real server in list order.
enum WeightedMinimum {
    /// - Parameters:
    ///   - load: the scheduler's load measure (overhead for wlc, active + 1 for sed and nq).
    ///   - idleWinsAtOnce: nq's rule: the first candidate with no active connection is returned.
    /// Allocates nothing: `load` is a non-escaping closure the optimiser inlines.
    @inline(__always)
    static func choose<Servers: Sequence<RealServer>>(
        _ servers: Servers, idleWinsAtOnce: Bool = false, load: (RealServer) -> Int64
    ) -> RealServer? {
        var least: RealServer?
        var leastLoad: Int64 = 0
        var leastWeight: Int64 = 0
        for candidate in servers where candidate.canTakeNewConnection {
            if idleWinsAtOnce && candidate.activeConnections == 0 { return candidate }
            let candidateLoad = load(candidate)
            let weight = Int64(candidate.weight)
            if least == nil || leastLoad &* weight > candidateLoad &* leastWeight {
                least = candidate
                leastLoad = candidateLoad
                leastWeight = weight
            }
        }
        return least
    }

    /// sed's and nq's load: active connections + 1 (inactive ones are ignored).
    @inline(__always)
    static func expectedDelay(_ server: RealServer) -> Int64 { Int64(server.activeConnections) &+ 1 }
}
