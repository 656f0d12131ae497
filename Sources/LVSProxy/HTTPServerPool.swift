import LVSCore
import LVSReactor

/// A worker's idle real-server connections of content-switched services, shared between its
/// client connections (HAProxy's `http-reuse safe`; docs/design/0019 "Pool"). A value: the
/// worker owns the sockets and the director entries, this only remembers which are idle, by
/// group and real server, and in which order they went idle.
struct HTTPServerPool {
    /// An idle connection's identity: its group (firewall mark) and real server.
    struct Key: Hashable {
        var mark: UInt32
        var server: RealServerKey
    }

    /// One idle connection: its socket's slot, its director entry and the traffic not yet
    /// reported on that entry.
    struct Idle {
        var slot: UInt32
        var token: ReactorToken
        var key: Key
        /// The group's virtual service (the entry's service).
        var group: VirtualServiceID
        var ref: ConnectionRef
        var target: SocketAddress
        var traffic: Traffic
        /// When it went idle (monotonic nanoseconds).
        var since: UInt64
    }

    /// The most idle connections kept per real server of a group; more are closed.
    let perServerLimit: Int
    /// How long a connection may stay idle (shorter than common real-server keep-alive
    /// timeouts, so the real server rarely closes it first).
    let idleTimeoutNanoseconds: UInt64
    /// Idle connections by group, oldest first. A group's array stays when it empties, so
    /// parking and taking on a busy group reuse its storage instead of allocating.
    private var byGroup: [UInt32: [Idle]] = [:]
    private var perServer: [Key: Int] = [:]
    private(set) var count = 0

    init(perServerLimit: Int, idleTimeoutNanoseconds: UInt64) {
        self.perServerLimit = perServerLimit
        self.idleTimeoutNanoseconds = idleTimeoutNanoseconds
    }

    var isEmpty: Bool { count == 0 }

    /// Whether group `mark` has an idle connection.
    func hasIdle(mark: UInt32) -> Bool { byGroup[mark]?.isEmpty == false }

    /// Whether one more idle connection to `key` may be kept.
    func hasRoom(for key: Key) -> Bool { perServer[key, default: 0] < perServerLimit }

    /// Keeps `idle`; false (nothing kept) when its real server already has `perServerLimit`.
    mutating func park(_ idle: Idle) -> Bool {
        guard hasRoom(for: idle.key) else { return false }
        byGroup[idle.key.mark, default: []].append(idle)
        perServer[idle.key, default: 0] += 1
        count += 1
        return true
    }

    /// The most recently parked connection of group `mark` whose real server `usable` accepts
    /// (most recent first: the likeliest to be still open at the real server), removed.
    mutating func take(mark: UInt32, where usable: (RealServerKey) -> Bool) -> Idle? {
        guard let list = byGroup[mark], let index = list.lastIndex(where: { usable($0.key.server) }) else {
            return nil
        }
        return remove(mark: mark, at: index)
    }

    /// Removes the idle connection on `slot`, if it is one.
    mutating func remove(slot: UInt32, token: ReactorToken) -> Idle? {
        for (mark, list) in byGroup {
            if let index = list.firstIndex(where: { $0.slot == slot && $0.token == token }) {
                return remove(mark: mark, at: index)
            }
        }
        return nil
    }

    /// Removes and returns the idle connections `expired` selects (idle too long, real server
    /// drained or gone), in one pass.
    mutating func removeAll(where expired: (Idle) -> Bool) -> [Idle] {
        var removed: [Idle] = []
        for (mark, list) in byGroup {
            guard !list.isEmpty else {
                // Emptied some time ago: a group that went away does not keep its storage.
                byGroup[mark] = nil
                continue
            }
            var kept: [Idle] = []
            for idle in list {
                if expired(idle) {
                    removed.append(idle)
                    drop(idle.key)
                } else {
                    kept.append(idle)
                }
            }
            if kept.count != list.count { byGroup[mark] = kept }
        }
        return removed
    }

    /// Sets the unreported traffic of every idle connection to zero (it was just reported).
    mutating func clearTraffic() {
        for mark in byGroup.keys {
            guard var list = byGroup[mark] else { continue }
            for index in list.indices { list[index].traffic = Traffic() }
            byGroup[mark] = list
        }
    }

    private mutating func remove(mark: UInt32, at index: Int) -> Idle {
        let idle = byGroup[mark, default: []].remove(at: index)
        drop(idle.key)
        return idle
    }

    private mutating func drop(_ key: Key) {
        let remaining = perServer[key, default: 1] - 1
        perServer[key] = remaining > 0 ? remaining : nil
        count -= 1
    }
}
