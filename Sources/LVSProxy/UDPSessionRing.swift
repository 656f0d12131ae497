import LVSReactor

/// The order UDP sessions opened in, for second-chance eviction (an O(1) approximation of least
/// recently used): the oldest session is evicted unless a datagram moved since the ring last
/// looked at it, in which case it goes to the back. Sessions closed by their idle timer leave
/// stale tokens behind; they are skipped when met and swept when the ring grows past twice the
/// live sessions. A struct of two arrays: nothing allocated per session once warmed up.
struct UDPSessionRing {
    private var tokens: [ReactorToken] = []
    private var head = 0

    var count: Int { tokens.count - head }

    mutating func append(_ token: ReactorToken) {
        tokens.append(token)
    }

    /// The oldest token, removed; nil when empty.
    mutating func popOldest() -> ReactorToken? {
        guard head < tokens.count else { return nil }
        let token = tokens[head]
        head += 1
        // Reclaim the consumed prefix once it dominates, keeping pops O(1) amortised.
        if head > 64 && head * 2 > tokens.count {
            tokens.removeFirst(head)
            head = 0
        }
        return token
    }

    /// Drops tokens that no longer name a live session, when stale ones outnumber live ones.
    mutating func sweepIfSparse(liveSessions: Int, isLive: (ReactorToken) -> Bool) {
        guard count > 2 * max(liveSessions, 32) else { return }
        tokens = tokens[head...].filter(isLive)
        head = 0
    }
}
