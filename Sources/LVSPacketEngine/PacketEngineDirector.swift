import LVSCore

/// The director as the packet engine reaches it: behind the daemon's lock, shared with the
/// control plane and the proxy engine (docs/design/0006-engines-and-the-director.md). The
/// daemon adapts its `SharedDirector` to this.
public protocol PacketEngineDirector: AnyObject, Sendable {
    /// Runs `body` with the director under the lock.
    func withDirectorLocked<T: Sendable>(_ body: (Director) -> T) -> T
}

/// A `ConnectionDecider` that takes the director's lock once per packet (measured and
/// documented in docs/design/0009-packet-engine.md; sharding is the plan when it shows).
struct LockedDecider: ConnectionDecider {
    let director: any PacketEngineDirector

    func inbound(_ p: InboundPacket, now: MonotonicInstant) -> InboundVerdict {
        director.withDirectorLocked { $0.inbound(p, now: now) }
    }

    func outbound(_ p: OutboundPacket, now: MonotonicInstant) -> OutboundVerdict {
        director.withDirectorLocked { $0.outbound(p, now: now) }
    }

    func relatedConnection(_ p: RelatedPacket, now: MonotonicInstant) -> RelatedVerdict? {
        director.withDirectorLocked { $0.relatedConnection(p, now: now) }
    }

    func exclusively<T: Sendable>(_ body: (Director) -> T) -> T {
        director.withDirectorLocked(body)
    }
}
