import CLinuxNet
import Glibc
import LVSCore
import LVSReactor

// UDP: datagrams from one client address form a session (a connection entry with the UDP
// timeout) with its own connected socket towards the real server; replies go back from the
// VIP:port listener. One-packet scheduling (`-o`) schedules every datagram (reference §4.9).
extension ProxyWorker {
    func receiveDatagrams(listener: UInt32, reactor: Reactor<ProxyWorker>) {
        let fd = Int32(bitPattern: listener)
        var storage = sockaddr_storage()
        for _ in 0..<Self.datagramBudget {
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(fd, datagram.baseAddress, datagram.count, CLINUXNET_MSG_DONTWAIT, $0, &length)
                }
            }
            if count < 0 {
                let error = errno
                if error == EINTR { continue }
                if error != EAGAIN && error != EWOULDBLOCK { counters.increment(.udpDroppedDatagrams) }
                return
            }
            guard let peer = withUnsafeBytes(of: &storage, { SocketAddress($0.baseAddress!, length: length) }) else {
                continue
            }
            deliver(count, from: peer, listener: listener, reactor: reactor)
        }
        // Budget spent with datagrams perhaps still queued: no new edge will come for them.
        pendingListeners.append(listener)
    }

    private func deliver(_ count: Int, from peer: SocketAddress, listener: UInt32, reactor: Reactor<ProxyWorker>) {
        var key = UDPSessionKey(listener: listener, client: peer, server: nil)
        if let upstream = udpSessions[key] {
            slots[upstream].unreportedInPackets &+= 1
            slots[upstream].unreportedBytes &+= UInt64(count)
            slots[upstream].recentlyUsed = true
            send(count, to: upstream, reactor: reactor)
            return
        }
        let service = slots[listener].service
        // Reference §4.14: the Call-ID keys the template when this datagram is scheduled (with
        // `-o`, every datagram is, so each call of one client address:port is placed on its own).
        let payload = UnsafeRawBufferPointer(rebasing: datagram[0..<count])
        let believed = slots[listener].persistenceEngine
        let (decision, engine) = openConnection(
            service, client: peer, datagram: payload, believedEngine: believed,
            persistenceData: believed.flatMap { Self.persistenceData(of: payload, for: $0) }, now: reactor.now)
        if engine != believed { slots[listener].persistenceEngine = engine }
        guard case .forward(let ref, let target, let server, _, let transparentSource, let onePacket, _) = decision
        else {
            if case .refused(let why) = decision { counters.increment(why) }
            counters.increment(.udpDroppedDatagrams)
            return
        }
        if onePacket {
            key.server = server
            if let upstream = udpSessions[key] {
                send(count, to: upstream, reactor: reactor)
                return
            }
        }
        guard
            let upstream = openSession(
                key, ref: onePacket ? nil : ref, service: service, target: target, transparentSource: transparentSource,
                reactor: reactor)
        else {
            counters.increment(.udpDroppedDatagrams)
            if !onePacket { release(ref, service: service, reset: nil, traffic: Traffic(), now: reactor.now) }
            return
        }
        send(count, to: upstream, reactor: reactor)
    }

    private func openSession(
        _ key: UDPSessionKey, ref: ConnectionRef?, service: VirtualServiceID, target: SocketAddress,
        transparentSource: Bool, reactor: Reactor<ProxyWorker>
    ) -> UInt32? {
        if udpSessions.count >= udpSessionLimit { evictOneSession(reactor: reactor) }
        let source =
            transparentSource
            ? SocketAddress(key.client.ip, port: 0)
            : SocketAddress(target.family == .inet ? .ipv4Any : .ipv6Any, port: 0)
        guard
            let fd = try? Socket.makeUDPSocket(
                UDPSocketOptions(address: source, reusePort: false, transparent: transparentSource))
        else { return nil }
        let connected = target.withSockAddr { Glibc.connect(fd, $0, $1) }
        guard connected == 0, let token = try? reactor.register(fd, interest: .input) else {
            _ = Glibc.close(fd)
            return nil
        }
        var slot = ProxySlot()
        slot.kind = .udpUpstream
        slot.token = token
        slot.ref = ref ?? ConnectionRef(index: -1, generation: 0)
        slot.service = service
        slot.client = key.client
        slot.listener = key.listener
        slot.onePacketServer = ref == nil ? key.server : nil
        slot.lastActivity = reactor.now.nanoseconds
        guard slots.occupy(token.slot, with: slot) != nil else {
            reactor.close(token)
            return nil
        }
        udpSessions[key] = token.slot
        udpSessionRing.append(token)
        udpSessionRing.sweepIfSparse(liveSessions: udpSessions.count) { live in
            slots.isCurrent(live) && slots[live.slot].kind == .udpUpstream
        }
        counters.increment(.udpSessions)
        reactor.armTimer(slot: token.slot, afterNanoseconds: UInt64(timeouts.udp) &* 1_000_000_000)
        return token.slot
    }

    private func send(_ count: Int, to upstream: UInt32, reactor: Reactor<ProxyWorker>) {
        slots[upstream].lastActivity = reactor.now.nanoseconds
        let sent = Glibc.send(
            Int32(bitPattern: upstream), datagram.baseAddress, count, CLINUXNET_MSG_DONTWAIT | CLINUXNET_MSG_NOSIGNAL)
        if sent < 0 { counters.increment(.udpDroppedDatagrams) }
    }

    /// Replies from the real server, sent to the client from the VIP:port listener.
    func receiveReplies(upstream: UInt32, reactor: Reactor<ProxyWorker>) {
        let fd = Int32(bitPattern: upstream)
        let listener = slots[upstream].listener
        guard slots.isOccupied(listener) else { return }
        let client = slots[upstream].client
        for _ in 0..<Self.datagramBudget {
            let count = recv(fd, datagram.baseAddress, datagram.count, CLINUXNET_MSG_DONTWAIT)
            if count < 0 {
                let error = errno
                if error == EINTR || error == ECONNREFUSED { continue }
                return
            }
            slots[upstream].lastActivity = reactor.now.nanoseconds
            slots[upstream].unreportedOutPackets &+= 1
            slots[upstream].unreportedOutBytes &+= UInt64(count)
            let sent = client.withSockAddr {
                sendto(
                    Int32(bitPattern: listener), datagram.baseAddress, count,
                    CLINUXNET_MSG_DONTWAIT | CLINUXNET_MSG_NOSIGNAL, $0, $1)
            }
            if sent < 0 { counters.increment(.udpDroppedDatagrams) }
        }
    }

    func sessionTimer(_ upstream: UInt32, reactor: Reactor<ProxyWorker>) {
        let deadline = slots[upstream].lastActivity &+ UInt64(timeouts.udp) &* 1_000_000_000
        if deadline > reactor.now.nanoseconds {
            reactor.armTimer(slot: upstream, at: MonotonicInstant(nanoseconds: deadline))
            return
        }
        counters.increment(.idleTimeouts)
        closeSession(upstream, reactor: reactor)
    }

    /// Makes room for one session at the limit: the oldest session that moved no datagram since
    /// the ring last looked at it is closed (its director entry keeps its UDP timeout, as IPVS's
    /// would; replies for it are no longer relayed). Bounded: each live session is passed over at
    /// most once, so a second pass always finds one.
    private func evictOneSession(reactor: Reactor<ProxyWorker>) {
        var passes = 2 * udpSessionRing.count + 1
        while passes > 0, let token = udpSessionRing.popOldest() {
            passes -= 1
            guard slots.isCurrent(token), slots[token.slot].kind == .udpUpstream else { continue }
            if slots[token.slot].recentlyUsed {
                slots[token.slot].recentlyUsed = false
                udpSessionRing.append(token)
                continue
            }
            counters.increment(.udpEvictedSessions)
            closeSession(token.slot, reactor: reactor)
            return
        }
    }

    func closeSession(_ upstream: UInt32, reactor: Reactor<ProxyWorker>) {
        guard slots.isOccupied(upstream), slots[upstream].kind == .udpUpstream else { return }
        reactor.cancelTimer(slot: upstream)
        let entry = slots[upstream]
        udpSessions[UDPSessionKey(listener: entry.listener, client: entry.client, server: entry.onePacketServer)] = nil
        if let released = slots.release(slot: upstream) { reactor.close(released.token) }
        if entry.onePacketServer == nil {
            release(
                entry.ref, service: entry.service, reset: nil,
                traffic: Traffic(
                    inPackets: entry.unreportedInPackets, inBytes: entry.unreportedBytes,
                    outPackets: entry.unreportedOutPackets, outBytes: entry.unreportedOutBytes),
                now: reactor.now)
        }
    }
}
