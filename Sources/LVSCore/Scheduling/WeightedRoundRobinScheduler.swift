/// `wrr`: round robin in rounds of decreasing current weight `cw`; a round selects, in list
/// order, every real server whose weight is at least `cw` (reference §3.2). Selection follows
/// the reference's pseudo code step for step, including its overload stop rules.
public final class WeightedRoundRobinScheduler: Scheduler {
    public var name: String { "wrr" }

    private var destinations: [RealServer] = []
    /// `cl`: position of the last selected real server, −1 for the list head.
    private var cursorIndex = -1
    /// `cw`: the current weight level.
    private var currentWeight: Int64 = 0
    /// `di`: gcd of all positive weights (1 if none).
    private var divisor: Int64 = 1
    /// `mw`: max weight − (di − 1), 0 if all weights are 0.
    private var maximumWeight: Int64 = 0

    public init() {}

    /// Recomputes `di` and `mw` and adjusts `cw` as reference §3.2 prescribes for any real
    /// server add, delete or edit; the cursor returns to the head.
    public func destinationsChanged(_ destinations: [RealServer]) {
        self.destinations = destinations
        cursorIndex = -1
        var g: Int64 = 0
        var maxWeight: Int64 = 0
        for destination in destinations {
            let weight = Int64(destination.weight)
            if weight > 0 { g = IPVSHash.gcd(weight, g) }
            if weight > maxWeight { maxWeight = weight }
        }
        divisor = g > 0 ? g : 1
        maximumWeight = maxWeight > 0 ? maxWeight - (divisor - 1) : 0
        if currentWeight > maximumWeight || currentWeight == 0 {
            currentWeight = maximumWeight
        } else if divisor > 1 {
            currentWeight = (currentWeight / divisor) * divisor + 1
        }
    }

    public func pick(_ input: SchedulingInput) -> RealServer? {
        select(cursorIndex: &cursorIndex, currentWeight: &currentWeight)
    }

    /// The same selection on copies of the cursor and the weight level.
    public func preview(_ input: SchedulingInput) -> RealServer? {
        var cursor = cursorIndex
        var weight = currentWeight
        return select(cursorIndex: &cursor, currentWeight: &weight)
    }

    private func select(cursorIndex: inout Int, currentWeight: inout Int64) -> RealServer? {
        if maximumWeight == 0 { return nil }
        let count = destinations.count
        var position = cursorIndex
        let last = cursorIndex
        var stop = Int.min  // "none"
        var lastPass = false
        var restarted = false
        while true {
            var index = position + 1
            while index < count {
                let candidate = destinations[index]
                // Weight ≥ cw ≥ 1 excludes weight 0; deleted servers are not in the list.
                if !candidate.isOverloaded && Int64(candidate.weight) >= currentWeight {
                    cursorIndex = index
                    return candidate
                }
                if index == stop {
                    // All destinations are overloaded.
                    cursorIndex = index
                    return nil
                }
                index += 1
            }
            currentWeight -= divisor
            if currentWeight <= 0 {
                currentWeight = maximumWeight
                if lastPass || last == -1 { return nil }
                restarted = true
            }
            lastPass = currentWeight <= divisor
            if lastPass && restarted && last != -1 { stop = last }
            position = -1
        }
    }
}
