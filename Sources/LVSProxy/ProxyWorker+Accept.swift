import Glibc
import LVSCore
import LVSReactor

// Accepting clients and connecting to real servers, with redispatch
// (docs/design/0007-proxy-engine.md, "Connecting and redispatch").
extension ProxyWorker {
    /// Hands accepted sockets to the worker with its reactor: a struct on the stack, no closure.
    struct Acceptor: AcceptSink {
        let worker: ProxyWorker
        let reactor: Reactor<ProxyWorker>
        let service: VirtualServiceID

        mutating func accepted(fd: Int32, peer: SocketAddress) {
            worker.accepted(fd, peer: peer, service: service, reactor: reactor)
        }
    }

    func acceptConnections(listener: UInt32, reactor: Reactor<ProxyWorker>) {
        var acceptor = Acceptor(worker: self, reactor: reactor, service: slots[listener].service)
        switch Socket.acceptAll(Int32(bitPattern: listener), budget: Self.acceptBudget, into: &acceptor) {
        case .drained:
            break
        case .budgetExhausted:
            pendingListeners.append(listener)
        case .descriptorLimit:
            // Queued connections get no new edge: retry from a timer once descriptors free up.
            counters.increment(.acceptBackoffs)
            reactor.armTimer(slot: listener, afterNanoseconds: configuration.acceptBackoffMilliseconds &* 1_000_000)
        case .failed:
            counters.increment(.acceptErrors)
        }
    }

    func accepted(_ fd: Int32, peer: SocketAddress, service: VirtualServiceID, reactor: Reactor<ProxyWorker>) {
        let decision = openConnection(service, client: peer, datagramLength: nil, now: reactor.now)
        if case .content(let content) = decision {
            acceptedHTTP(fd, peer: peer, content: content, reactor: reactor)
            return
        }
        guard case .forward(let ref, let target, _, let proxyProtocol, let transparentSource, _, let ftp) = decision
        else {
            if case .refused(let why) = decision { counters.increment(why) }
            _ = Glibc.close(fd)
            return
        }
        counters.increment(.acceptedConnections)
        guard let token = try? reactor.register(fd, interest: .connection) else {
            _ = Glibc.close(fd)
            release(ref, service: service, reset: .client, traffic: Traffic(), now: reactor.now)
            counters.increment(.resets)
            return
        }
        var slot = ProxySlot()
        slot.kind = .client
        slot.token = token
        slot.ref = ref
        slot.service = service
        slot.client = peer
        slot.connecting = true
        slot.attempts = 1
        slot.proxyProtocol = proxyProtocol
        slot.transparentSource = transparentSource
        slot.lastActivity = reactor.now.nanoseconds
        slot.transfer.splicing = configuration.splice == .always && !ftp
        if ftp {
            // The one FTP check of an accepted connection (docs/design/0007-proxy-engine.md "FTP").
            slot.ftpControl = true
            let local = (try? Socket.localAddress(fd))?.ip ?? service.address
            ftpControls[token.slot] = FTPControlState(clientAddress: peer.ip, virtualAddress: local)
        }
        guard slots.occupy(token.slot, with: slot) != nil else {
            ftpControls[token.slot] = nil
            reactor.close(token)
            release(ref, service: service, reset: .client, traffic: Traffic(), now: reactor.now)
            counters.increment(.resets)
            return
        }
        connect(token.slot, to: target, reactor: reactor)
    }

    /// Starts the connect of the client in `client` to `target`; a failure goes to redispatch.
    func connect(_ client: UInt32, to target: SocketAddress, reactor: Reactor<ProxyWorker>) {
        var options = TCPConnectOptions()
        if slots[client].transparentSource {
            options.source = SocketAddress(slots[client].client.ip, port: 0)
            options.transparent = true
        } else if slots[client].control != .max, let state = ftpControls[slots[client].control] {
            // FTP data from the address the control connection uses on that side: the VIP towards
            // the client (active), our real-server-side address towards the real server (passive;
            // servers check the data peer is the control peer, e.g. vsftpd's pasv_promiscuous).
            let source = slots[client].swapped ? state.virtualAddress : state.serverSideAddress
            if let source { options.source = SocketAddress(source, port: 0) }
        }
        let result: ConnectResult
        do {
            result = try Socket.connect(to: target, options: options)
        } catch {
            connectFailed(client, timedOut: false, reactor: reactor)
            return
        }
        guard let token = try? reactor.register(result.fd, interest: .connection) else {
            _ = Glibc.close(result.fd)
            connectFailed(client, timedOut: false, reactor: reactor)
            return
        }
        var server = ProxySlot()
        server.kind = .server
        server.token = token
        server.partner = client
        server.partnerToken = slots[client].token
        server.transfer.splicing = slots[client].transfer.splicing
        server.ftpControl = slots[client].ftpControl
        guard slots.occupy(token.slot, with: server) != nil else {
            reactor.close(token)
            connectFailed(client, timedOut: false, reactor: reactor)
            return
        }
        slots[client].partner = token.slot
        slots[client].partnerToken = token
        switch result {
        case .connected:
            connectSucceeded(client, reactor: reactor)
        case .inProgress:
            reactor.armTimer(slot: client, afterNanoseconds: configuration.connectTimeoutMilliseconds &* 1_000_000)
        }
    }

    /// The real server accepted: ESTABLISHED, PROXY header queued, bytes start to flow.
    func connectSucceeded(_ client: UInt32, reactor: Reactor<ProxyWorker>) {
        slots[client].connecting = false
        slots[client].lastActivity = reactor.now.nanoseconds
        // An FTP data connection without an entry of its own leaves the control entry's state.
        let status =
            slots[client].control == .max || slots[client].ownsRelatedEntry
            ? established(slots[client].ref, now: reactor.now) : .live
        if status == .gone {
            counters.increment(.expiredByDirector)
            finish(client, reset: nil, reactor: reactor)
            return
        }
        slots[client].stalled = status == .destinationUnavailable
        if slots[client].proxyProtocol != .none && !queueProxyHeader(client) {
            counters.increment(.droppedOutOfBuffers)
            finish(client, reset: .client, reactor: reactor)
            return
        }
        reactor.armTimer(slot: client, afterNanoseconds: idleTimeoutNanoseconds(client))
        let clientToken = slots[client].token
        let server = slots[client].partner
        guard pump(from: client, to: server, reactor: reactor), slots.isCurrent(clientToken) else { return }
        _ = pump(from: server, to: client, reactor: reactor)
    }

    /// Connecting failed (refused, unreachable, timed out): redispatch to another real server
    /// while attempts remain, else give up on the client (both counted).
    func connectFailed(_ client: UInt32, timedOut: Bool, reactor: Reactor<ProxyWorker>) {
        counters.increment(timedOut ? .connectTimeouts : .connectFailures)
        closeServerSocket(of: client, reactor: reactor)
        let entry = slots[client]
        if entry.control != .max {
            // FTP data: the advertised port is the only target.
            finish(client, reset: .server, reactor: reactor)
            return
        }
        guard Int(entry.attempts) < configuration.connectAttempts else {
            counters.increment(.redispatchesExhausted)
            finish(client, reset: .server, reactor: reactor)
            return
        }
        let decision = redispatch(entry.ref, service: entry.service, now: reactor.now)
        guard case .forward(let ref, let target, _, let proxyProtocol, let transparentSource, _, _) = decision else {
            counters.increment(.redispatchesExhausted)
            // The entry is gone with the failed server; only the engine's hold remains to drop.
            finish(client, reset: .server, reactor: reactor)
            return
        }
        counters.increment(.redispatches)
        slots[client].ref = ref
        slots[client].attempts &+= 1
        slots[client].proxyProtocol = proxyProtocol
        slots[client].transparentSource = transparentSource
        connect(client, to: target, reactor: reactor)
    }

    /// Closes the real-server socket of a connection that has not carried bytes yet.
    func closeServerSocket(of client: UInt32, reactor: Reactor<ProxyWorker>) {
        let server = slots[client].partner
        guard server != .max, slots.isCurrent(slots[client].partnerToken) else { return }
        if let released = slots.release(slot: server) {
            returnPools(released)
            reactor.close(released.token)
        }
        slots[client].partner = .max
    }

    /// Writes the PROXY protocol header into the client → server direction's buffer, ahead of
    /// any client byte (nothing has been read from the client before the connect completed).
    private func queueProxyHeader(_ client: UInt32) -> Bool {
        guard slots[client].buffer == nil || slots[client].transfer.end == slots[client].transfer.start,
            let buffer = slots[client].buffer ?? buffers.take()
        else { return false }
        let entry = slots[client]
        let service = entry.service
        let length = ProxyProtocolHeader.write(
            entry.proxyProtocol, source: entry.client.ip, sourcePort: entry.client.port,
            destination: service.address, destinationPort: service.port, into: buffers.bytes(of: buffer))
        slots[client].buffer = buffer
        slots[client].transfer.start = 0
        slots[client].transfer.end = Int32(length)
        return length > 0
    }
}
