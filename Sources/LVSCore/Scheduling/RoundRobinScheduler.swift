/// `rr`: hands new connections to the eligible real servers in turn, ignoring weights other
/// than 0 (reference §3.1).
///
/// The cursor is the real server picked last (`nil` = the list head, "before the first"). It is
/// kept as an object, not an index, so that adding real servers (inserted at the head) does not
/// move it; when the real server under the cursor is deleted the cursor moves to its nearest
/// surviving predecessor in the old list order, or to the head, which is where the kernel's
/// `del_dest` hook leaves it. `cursorIndex` caches the cursor's position for `pick`.
public final class RoundRobinScheduler: Scheduler {
    public var name: String { "rr" }

    private var destinations: [RealServer] = []
    /// The real server picked last, or nil for the list head.
    private var cursor: RealServer?
    /// Position of `cursor` in `destinations`, −1 for the head.
    private var cursorIndex = -1

    public init() {}

    public func destinationsChanged(_ destinations: [RealServer]) {
        let old = self.destinations
        self.destinations = destinations
        guard let current = cursor else {
            cursorIndex = -1
            return
        }
        if let index = destinations.firstIndex(where: { $0 === current }) {
            cursorIndex = index
            return
        }
        // The cursor's real server was deleted: walk back through the old order to the first
        // predecessor still present (reference §3.1).
        cursor = nil
        cursorIndex = -1
        guard let oldIndex = old.firstIndex(where: { $0 === current }) else { return }
        var candidate = oldIndex - 1
        while candidate >= 0 {
            let predecessor = old[candidate]
            if let index = destinations.firstIndex(where: { $0 === predecessor }) {
                cursor = predecessor
                cursorIndex = index
                return
            }
            candidate -= 1
        }
    }

    public func pick(_ input: SchedulingInput) -> RealServer? {
        guard let (index, candidate) = next() else { return nil }
        cursor = candidate
        cursorIndex = index
        return candidate
    }

    public func preview(_ input: SchedulingInput) -> RealServer? { next()?.server }

    /// The real server after the cursor that can take a connection, and its position; the
    /// cursor is left where it is.
    private func next() -> (index: Int, server: RealServer)? {
        let count = destinations.count
        guard count > 0 else { return nil }
        // Walk circularly from the element after the cursor; the cursor's own real server is
        // tried last, so a one-element list keeps returning it.
        var index = cursorIndex
        for _ in 0..<count {
            index += 1
            if index >= count { index = 0 }
            let candidate = destinations[index]
            if candidate.canTakeNewConnection { return (index, candidate) }
        }
        return nil
    }
}
