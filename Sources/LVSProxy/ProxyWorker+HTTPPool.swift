import LVSCore
import LVSReactor
import LVSSharedDirector

// The worker's pool of idle real-server connections of content-switched services, shared
// between its client connections (docs/design/0019-content-switching-engine.md "Pool"). A
// connection is parked when its response is complete and the real server keeps it alive; a
// later request for the same group (from any client of this worker) takes it when its real
// server is still eligible. An idle connection that becomes readable (end of file, reset or
// bytes nobody asked for), stays idle too long, or whose real server is drained or removed is
// closed and its director entry released.
extension ProxyWorker {
    /// Idle connections kept per real server of a group.
    static let poolPerServerLimit = 64
    /// How long a connection stays idle in the pool: below common real-server keep-alive
    /// timeouts (Apache's 5 s), so the real server seldom closes it first.
    static let poolIdleTimeoutNanoseconds: UInt64 = 3_000_000_000

    /// Moves the client's real-server connection into the pool when its response is complete
    /// and it may carry another client's request. True when parked.
    @discardableResult
    func parkHTTPServer(_ client: UInt32, session: HTTPSession, reactor: Reactor<ProxyWorker>) -> Bool {
        let server = slots[client].partner
        guard server != .max, slots.isCurrent(slots[client].partnerToken), !session.serverConnecting,
            session.serverKeepAlive, !session.tunnel, !session.proxyProtocolSent, !session.hasOutputToServer,
            case .idle = session.response, let key = session.server, session.ref.index >= 0,
            !slots[server].readEOF, !slots[server].peerClosed
        else { return false }
        switch session.request {
        case .head, .waitingResponse: break
        case .body, .chunked: return false  // the real server answered before the body ended
        }
        let poolKey = HTTPServerPool.Key(mark: session.groupMark, server: key)
        guard httpPool.hasRoom(for: poolKey) else { return false }
        if slots[server].mayRead {
            // An end of file or stray bytes may wait with no edge to come: look once.
            guard case .wouldBlock = Socket.read(Int32(bitPattern: server), into: httpScratch) else {
                session.serverKeepAlive = false
                closeHTTPServer(client, session: session, reset: nil, reactor: reactor)
                return false
            }
            slots[server].mayRead = false
        }
        let idle = HTTPServerPool.Idle(
            slot: server, token: slots[client].partnerToken, key: poolKey,
            group: VirtualServiceID(firewallMark: session.groupMark, family: session.content.service.address.family),
            ref: session.ref, target: session.serverTarget,
            traffic: Traffic(inBytes: session.inBytes, outBytes: session.outBytes), since: reactor.now.nanoseconds)
        guard httpPool.park(idle) else { return false }
        counters.increment(.httpPoolParked)
        slots[server].pooled = true
        slots[server].partner = .max
        slots[client].partner = .max
        session.ref = ConnectionRef(index: -1, generation: 0)
        session.server = nil
        session.inBytes = 0
        session.outBytes = 0
        return true
    }

    /// Gives the client an idle connection taken from the pool (under the director lock, by
    /// `chooseServer`): the session continues that connection's entry and its unreported traffic.
    func attachPooled(_ client: UInt32, session: HTTPSession, _ idle: HTTPServerPool.Idle, mark: UInt32) {
        slots[idle.slot].pooled = false
        slots[idle.slot].partner = client
        slots[idle.slot].partnerToken = slots[client].token
        slots[client].partner = idle.slot
        slots[client].partnerToken = idle.token
        session.ref = idle.ref
        session.server = idle.key.server
        session.groupMark = mark
        session.serverTarget = idle.target
        session.serverKeepAlive = true
        session.serverConnecting = false
        session.proxyProtocolSent = false
        session.attempts = 1
        session.inBytes = idle.traffic.inBytes
        session.outBytes = idle.traffic.outBytes
    }

    /// An edge on an idle pooled connection: the real server closed it, reset it or sent bytes
    /// nobody asked for. It is closed and its entry released. A writable edge alone (an ACK
    /// freeing send buffer), or a readable one with nothing to read, says nothing about it.
    func pooledServerEvent(_ slot: UInt32, readiness: Readiness, reactor: Reactor<ProxyWorker>) {
        let closed = readiness.contains(.readHangup) || readiness.contains(.hangup) || readiness.contains(.error)
        if !closed {
            guard readiness.contains(.readable) else { return }
            // The edge may be stale: the response that raised it was read before parking. Only
            // bytes or an end of file now condemn the connection.
            if case .wouldBlock = Socket.read(Int32(bitPattern: slot), into: httpScratch) { return }
        }
        guard let idle = httpPool.remove(slot: slot, token: slots[slot].token) else { return }
        let now = reactor.now
        shared.withState { state in
            Self.releaseLocked(&state, idle.ref, service: idle.group, traffic: idle.traffic, now: now)
        }
        closePooledSocket(idle, reactor: reactor)
    }

    /// Under the flush's director lock: reports the traffic of idle connections, and takes out
    /// those idle too long or whose real server was drained (weight 0) or removed, releasing
    /// their entries. Their sockets are closed by `closePooledSockets` once the lock is released.
    func maintainPool(_ state: inout SharedDirector.State, now: MonotonicInstant) -> [HTTPServerPool.Idle] {
        let timeout = httpPool.idleTimeoutNanoseconds
        let expired = httpPool.removeAll { idle in
            if now.nanoseconds &- idle.since >= timeout { return true }
            guard let server = state.director.services[idle.group]?.realServer(idle.key.server),
                server.config.weight > 0
            else { return true }
            // Kept: its traffic is reported now; an entry the director expired closes it.
            let status = state.director.recordTraffic(
                idle.ref, inPackets: 0, inBytes: idle.traffic.inBytes, outPackets: 0, outBytes: idle.traffic.outBytes,
                now: now)
            return status == .gone
        }
        httpPool.clearTraffic()
        for idle in expired {
            Self.releaseLocked(&state, idle.ref, service: idle.group, traffic: idle.traffic, now: now)
        }
        return expired
    }

    /// Closes the sockets of connections taken out of the pool.
    func closePooledSocket(_ idle: HTTPServerPool.Idle, reactor: Reactor<ProxyWorker>) {
        counters.increment(.httpPoolClosures)
        guard slots.isCurrent(idle.token), let released = slots.release(slot: idle.slot) else { return }
        reactor.close(released.token)
    }
}
