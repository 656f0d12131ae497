import LVSCore
import LVSReactor
import LVSSharedDirector

// The once-a-second report of every connection's traffic to the director, which also tells the
// engine which connections the director expired or whose real server was deleted
// (docs/design/0006-engines-and-the-director.md).
extension ProxyWorker {
    func flush(reactor: Reactor<ProxyWorker>) {
        // TCP_INFO reads happen before the lock is taken.
        for slot in 0..<UInt32(slots.capacity) where slots.isOccupied(slot) {
            if slots[slot].kind == .client && !slots[slot].connecting && !slots[slot].http && slots[slot].dirty {
                collectTraffic(slot)
            }
        }
        flushResults.removeAll(keepingCapacity: true)
        let now = reactor.now
        var expiredIdle: [HTTPServerPool.Idle] = []
        shared.withState { state in
            if !httpPool.isEmpty { expiredIdle = maintainPool(&state, now: now) }
            for slot in 0..<UInt32(slots.capacity) where slots.isOccupied(slot) {
                let entry = slots[slot]
                switch entry.kind {
                case .client where !entry.connecting && !entry.http:
                    // A content-switched connection reports at the end of each real-server
                    // connection (`releaseHTTPServer`).
                    break
                case .udpUpstream where entry.onePacketServer == nil:
                    break
                case .client, .udpUpstream, .tcpListener, .udpListener, .server, .tick, .ftpDataListener, .vacant:
                    continue
                }
                let status = state.director.recordTraffic(
                    entry.ref, inPackets: entry.unreportedInPackets, inBytes: entry.unreportedBytes,
                    outPackets: entry.unreportedOutPackets, outBytes: entry.unreportedOutBytes, now: now)
                slots[slot].unreportedInPackets = 0
                slots[slot].unreportedBytes = 0
                slots[slot].unreportedOutPackets = 0
                slots[slot].unreportedOutBytes = 0
                if status != .live || entry.stalled {
                    flushResults.append((slot, entry.token, status))
                }
            }
        }
        for idle in expiredIdle { closePooledSocket(idle, reactor: reactor) }
        for result in flushResults where slots.isCurrent(result.token) {
            let slot = result.slot
            let isClient = slots[slot].kind == .client
            switch result.status {
            case .gone:
                counters.increment(.expiredByDirector)
                if isClient { finish(slot, reset: nil, reactor: reactor) } else { closeSession(slot, reactor: reactor) }
            case .destinationUnavailable:
                // IPVS drops this connection's packets (reference §4.11): its bytes wait.
                slots[slot].stalled = true
            case .live:
                let wasStalled = slots[slot].stalled
                slots[slot].stalled = false
                if isClient && wasStalled {
                    // Edges that came while stalled were ignored: move whatever is ready now.
                    let partner = slots[slot].partner
                    slots[slot].transfer.resume()
                    slots[partner].transfer.resume()
                    if pump(from: slot, to: partner, reactor: reactor), slots.isCurrent(result.token) {
                        pump(from: partner, to: slot, reactor: reactor)
                    }
                }
            }
        }
    }
}
