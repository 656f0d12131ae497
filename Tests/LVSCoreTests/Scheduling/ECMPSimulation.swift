@testable import LVSCore

/// For N directors behind ECMP and M real servers, the share of flows that keep their real
/// server when a director or a real server leaves, computed with the real `mh` scheduler
/// (docs/scale-out.md; run `scripts/ecmp-simulation` for the full table).
///
/// Model: F flows (client address and port drawn from a seeded generator, so every run gives
/// the same figures). The router picks a director by hash-threshold ECMP (RFC 2992, what Linux
/// does for IPv4 multipath): the flow hash's position in [0, 2³²) split into N equal ranges.
/// Every director holds the same real-server list, so the same `mh` table.
struct ECMPSimulation {
    var directors: Int
    var realServers: Int
    var flows: Int

    /// What happened to the flows in one scenario.
    struct Outcome: CustomStringConvertible {
        /// Flows the router sent to another director.
        var movedDirector: Double
        /// Flows (among those whose real server is still there) that keep their real server.
        var keptRealServer: Double
        /// The least share a perfect consistent hash would keep (1 when nothing must move).
        var ideal: Double

        var description: String {
            "moved director \(Self.percent(movedDirector)), kept real server \(Self.percent(keptRealServer))"
                + " (ideal \(Self.percent(ideal)))"
        }

        static func percent(_ share: Double) -> String {
            let tenths = Int((share * 1000).rounded())
            return "\(tenths / 10).\(tenths % 10) %"
        }
    }

    private struct Flow {
        var client: UInt32
        var port: UInt16
        var hash: UInt32
    }

    private func makeFlows() -> [Flow] {
        var state: UInt64 = 0x5DEE_CE66_D1CE_4E5B
        func next() -> UInt64 {
            // splitmix64: a fixed, seeded sequence (no per-process randomness).
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return (0..<flows).map { _ in
            let r = next()
            return Flow(
                client: 0x6400_0000 | UInt32(truncatingIfNeeded: r >> 40) & 0x003F_FFFF,
                port: UInt16(truncatingIfNeeded: r >> 16) | 1024, hash: UInt32(truncatingIfNeeded: r))
        }
    }

    private func servers(_ numbers: [Int], weight: (Int) -> Int32 = { _ in 1 }) -> [RealServer] {
        numbers.map { n in
            RealServer(
                config: RealServerConfig(
                    address: IPAddress(ipv4: 0x0A00_0000 | UInt32(n)), port: 80, weight: weight(n)))
        }
    }

    private func scheduler(_ list: [RealServer]) -> MaglevHashingScheduler {
        let mh = MaglevHashingScheduler(flags: [.port, .fallback])
        mh.destinationsChanged(list)
        return mh
    }

    private func pick(_ mh: MaglevHashingScheduler, _ flow: Flow) -> RealServerKey? {
        mh.pick(
            SchedulingInput(
                clientAddress: IPAddress(ipv4: flow.client), clientPort: flow.port,
                destinationAddress: IPAddress(ipv4: 0xC000_020A), destinationPort: 80, protocolNumber: .tcp,
                now: .zero))?.key
    }

    /// Hash-threshold: the range of [0, 2³²) the hash falls in.
    private static func director(_ hash: UInt32, of count: Int) -> Int {
        Int((UInt64(hash) * UInt64(count)) >> 32)
    }

    /// One director of N leaves; the others keep the same table.
    func directorLeaves() -> Outcome {
        // Each director builds its own table from the same configuration.
        let tables = (0..<directors).map { _ in scheduler(servers(Array(1...realServers))) }
        var moved = 0
        var kept = 0
        for flow in makeFlows() {
            let before = Self.director(flow.hash, of: directors)
            // The last director leaves: the survivors' ranges widen (hash-threshold).
            let after = Self.director(flow.hash, of: directors - 1)
            if before != after { moved += 1 }
            if pick(tables[before], flow) == pick(tables[after], flow) { kept += 1 }
        }
        return Outcome(
            movedDirector: Double(moved) / Double(flows), keptRealServer: Double(kept) / Double(flows), ideal: 1)
    }

    /// One director of N leaves while the survivors schedule without a shared table (a
    /// scheduler with per-director state, as `wlc` or `rr` without sync): a moved flow keeps its
    /// real server only by chance, 1 in M.
    func directorLeavesWithoutConsistentHashing() -> Outcome {
        var moved = 0
        for flow in makeFlows()
        where Self.director(flow.hash, of: directors) != Self.director(flow.hash, of: directors - 1) {
            moved += 1
        }
        let movedShare = Double(moved) / Double(flows)
        return Outcome(
            movedDirector: movedShare, keptRealServer: 1 - movedShare * (1 - 1 / Double(realServers)), ideal: 1)
    }

    /// One real server of M fails. `inhibit`: weight 0 in place (`inhibit_on_failure`): the
    /// table stays and `mh-fallback` re-hashes the failed server's flows only. Otherwise it is
    /// removed from the list and the table is rebuilt (keepalived's default).
    func realServerLeaves(inhibit: Bool) -> Outcome {
        let all = servers(Array(1...realServers))
        let before = scheduler(all)
        let failed = all[realServers / 2].key
        let after: MaglevHashingScheduler
        if inhibit {
            let list = servers(Array(1...realServers))
            list[realServers / 2].config.weight = 0
            after = scheduler(list)
        } else {
            after = scheduler(servers(Array(1...realServers).filter { $0 != realServers / 2 + 1 }))
        }
        var survivors = 0
        var kept = 0
        for flow in makeFlows() {
            guard let old = pick(before, flow), old != failed else { continue }
            survivors += 1
            if pick(after, flow) == old { kept += 1 }
        }
        return Outcome(movedDirector: 0, keptRealServer: Double(kept) / Double(max(1, survivors)), ideal: 1)
    }

    /// Two directors whose lists hold the same real servers in a different order (one re-added
    /// a failed server at the end): the share of flows they send to the same real server.
    func directorsDisagreeOnOrder() -> Double {
        let numbers = Array(1...realServers)
        let a = scheduler(servers(numbers))
        let b = scheduler(servers(Array(numbers.dropFirst()) + [numbers[0]]))
        var same = 0
        let all = makeFlows()
        for flow in all where pick(a, flow) == pick(b, flow) { same += 1 }
        return Double(same) / Double(all.count)
    }

    /// Largest and smallest share of the table per real server, relative to the mean (the
    /// Maglev paper's balance measure, §5.3).
    func tableBalance() -> (max: Double, min: Double) {
        let mh = scheduler(servers(Array(1...realServers)))
        var counts = [Int](repeating: 0, count: realServers)
        for slot in mh.slots where slot >= 0 { counts[Int(slot)] += 1 }
        let mean = Double(MaglevHashingScheduler.tableSize) / Double(realServers)
        return (Double(counts.max() ?? 0) / mean, Double(counts.min() ?? 0) / mean)
    }
}
