import LVSCore

/// The director as the packet engine reaches it: behind the daemon's lock, shared with the
/// control plane and the proxy engine (docs/design/0006-engines-and-the-director.md). The
/// daemon's `SharedDirector` is one; tests may bring their own.
public protocol PacketEngineDirector: AnyObject, Sendable {
    /// Runs `body` with the director under the lock.
    func withDirectorLocked<T: Sendable>(_ body: (Director) -> T) -> T
}

/// A worker's `ConnectionDecider` (docs/design/0025-packet-engine-without-a-lock.md): packets of
/// the established flows in the worker's own `FlowTable` are decided there without a lock; every
/// other packet takes the director's lock once, and the answer may grant its flow to the table.
/// What the table counted reaches the director in one batch per `reportInterval` (`report`).
///
/// Contract: used by its worker's thread only (the forwarder calls it through a non-mutating
/// protocol, hence a class).
final class WorkerDecider: ConnectionDecider {
    /// How often counted traffic goes to the director: statistics, `-L -c` timers and the sync
    /// master's packet counts are this late at most.
    static let reportInterval: UInt64 = 10_000_000

    let director: any PacketEngineDirector
    // Only the worker's thread touches it (class for reference semantics, not for sharing).
    @exclusivity(unchecked) var flows: FlowTable
    private(set) var lastReport: UInt64 = 0
    /// False with a capacity of 0 (`--packet-locked`): no grant is even asked for.
    let granting: Bool

    init(director: any PacketEngineDirector, capacity: Int = 1 << 17) {
        self.director = director
        flows = FlowTable(capacity: capacity)
        granting = capacity > 0
    }

    func inbound(_ p: InboundPacket, now: MonotonicInstant) -> InboundVerdict {
        if let verdict = flows.inbound(p, now: now.nanoseconds) { return verdict }
        let key = FlowKey(
            p.protocolNumber, source: p.clientAddress, sourcePort: p.clientPort, destination: p.destinationAddress,
            destinationPort: p.destinationPort)
        return decideLocked(key) { director in
            let verdict = director.inbound(p, now: now)
            guard case .forward(let ref, _, _, _) = verdict else { return (verdict, nil) }
            return (verdict, ref)
        }
    }

    func outbound(_ p: OutboundPacket, now: MonotonicInstant) -> OutboundVerdict {
        if let verdict = flows.outbound(p, now: now.nanoseconds) { return verdict }
        let key = FlowKey(
            p.protocolNumber, source: p.sourceAddress, sourcePort: p.sourcePort, destination: p.destinationAddress,
            destinationPort: p.destinationPort)
        return decideLocked(key) { director in
            let verdict = director.outbound(p, now: now)
            guard case .reply(let ref, _, _, _) = verdict else { return (verdict, nil) }
            return (verdict, ref)
        }
    }

    /// One lock hold for a packet the table could not decide: the flow's counted traffic is
    /// reported first (the director sees the flow's packets in order), then `decide` runs the
    /// director (returning the verdict and the entry it names, if any), then the grant is asked
    /// for and installed, replaced or withdrawn in the table.
    private func decideLocked<Verdict: Sendable>(
        _ key: FlowKey, _ decide: (Director) -> (Verdict, ConnectionRef?)
    ) -> Verdict {
        let earlier = flows.takeTraffic(of: key)
        let known = flows.ref(of: key)
        let granting = granting
        let (verdict, ref, grant) = director.withDirectorLocked {
            director -> (Verdict, ConnectionRef?, FastPathGrant?) in
            if let earlier { Self.report(earlier, to: director) }
            let (verdict, ref) = decide(director)
            guard granting, let ref else { return (verdict, ref, nil) }
            return (verdict, ref, director.fastPathGrant(ref))
        }
        if let ref {
            if let known, known != ref { flows.remove(known) }
            flows.update(ref, grant: grant)
        } else if let known {
            flows.remove(known)
        }
        return verdict
    }

    func relatedConnection(_ p: RelatedPacket, now: MonotonicInstant) -> RelatedVerdict? {
        director.withDirectorLocked { $0.relatedConnection(p, now: now) }
    }

    func exclusively<T: Sendable>(_ body: (Director) -> T) -> T {
        director.withDirectorLocked(body)
    }

    /// Reports the counted traffic if `reportInterval` has passed since the last report (or
    /// `force`): one lock for every flow, and each flow's grant renewed or withdrawn.
    func report(now: MonotonicInstant, force: Bool = false) {
        guard flows.hasUnreportedTraffic, force || now.nanoseconds &- lastReport >= Self.reportInterval else {
            return
        }
        lastReport = now.nanoseconds
        // Bounded: every batch takes up to `reportBatch` of the flows with unreported traffic.
        for _ in 0...(flows.count / Self.reportBatch + 1) {
            let traffic = flows.takeTraffic(limit: Self.reportBatch)
            guard !traffic.isEmpty else { return }
            let grants = director.withDirectorLocked { director -> [FastPathGrant?] in
                traffic.map { Self.report($0, to: director) }
            }
            for (flow, grant) in zip(traffic, grants) { flows.update(flow.ref, grant: grant) }
        }
    }

    /// Flows reported per hold of the director's lock: other workers wait at most one batch, and
    /// the batch's buffers (traffic, renewed grants) stay a few tens of kilobytes.
    static let reportBatch = 256

    /// Reports everything and forgets every flow: after a configuration change the next packet
    /// of each flow asks the director again.
    func forgetFlows(now: MonotonicInstant) {
        report(now: now, force: true)
        flows.removeAll()
    }

    @discardableResult
    private static func report(_ traffic: FlowTraffic, to director: Director) -> FastPathGrant? {
        director.reportFastPathTraffic(
            traffic.ref, inPackets: traffic.inPackets, inBytes: traffic.inBytes, outPackets: traffic.outPackets,
            outBytes: traffic.outBytes, lastSeen: MonotonicInstant(nanoseconds: traffic.lastSeen))
    }
}
