import Glibc
import LVSContentSwitch
import LVSCore
import LVSReactor
import LVSSharedDirector

// Content-switched HTTP connections (docs/design/0019-content-switching-engine.md): each request
// head is parsed, decided by the service's rules, sent to a real server of the chosen group
// (reusing the connection of the previous request when it may), and its response framed so the
// client connection can carry the next request. Bytes are copied through the session's queues,
// never spliced; after a 101 the connection is a plain tunnel.
extension ProxyWorker {
    /// A client of a content-switched service: no real server yet, the head comes first.
    func acceptedHTTP(_ fd: Int32, peer: SocketAddress, content: ContentSwitchService, reactor: Reactor<ProxyWorker>) {
        counters.increment(.acceptedConnections)
        guard let token = try? reactor.register(fd, interest: .connection) else {
            _ = Glibc.close(fd)
            releaseContentClient(content.service)
            counters.increment(.resets)
            return
        }
        var slot = ProxySlot()
        slot.kind = .client
        slot.token = token
        slot.service = content.service
        slot.client = peer
        slot.http = true
        slot.lastActivity = reactor.now.nanoseconds
        guard slots.occupy(token.slot, with: slot) != nil else {
            reactor.close(token)
            releaseContentClient(content.service)
            counters.increment(.resets)
            return
        }
        if let spare = spareHTTPSessions.popLast() {
            spare.recycle(content: content, now: reactor.now.nanoseconds)
            httpSessions[token.slot] = spare
        } else {
            httpSessions[token.slot] = HTTPSession(content: content, now: reactor.now.nanoseconds)
        }
        reactor.armTimer(slot: token.slot, afterNanoseconds: content.headerTimeoutMilliseconds &* 1_000_000)
        driveHTTP(token.slot, reactor: reactor)
    }

    /// An edge on either socket of a content-switched connection.
    func httpEvent(_ slot: UInt32, readiness: Readiness, reactor: Reactor<ProxyWorker>) {
        let entry = slots[slot]
        if entry.pooled {
            pooledServerEvent(slot, readiness: readiness, reactor: reactor)
            return
        }
        let client = entry.kind == .client ? slot : entry.partner
        guard entry.kind == .client || slots.isCurrent(entry.partnerToken), let session = httpSessions[client] else {
            return
        }
        if readiness.contains(.readable) || readiness.contains(.readHangup) || readiness.contains(.hangup)
            || readiness.contains(.error)
        {
            slots[slot].mayRead = true
        }
        if readiness.contains(.readHangup) || readiness.contains(.hangup) || readiness.contains(.error) {
            slots[slot].peerClosed = true
        }
        if entry.kind == .server && session.serverConnecting {
            guard readiness.contains(.writable) || readiness.contains(.error) || readiness.contains(.hangup) else {
                return
            }
            let suspect = readiness.contains(.error) || readiness.contains(.hangup)
            if !suspect || (Socket.pendingError(Int32(bitPattern: slot)) == 0 && !readiness.contains(.error)) {
                httpServerConnected(client, session: session, reactor: reactor)
            } else {
                httpConnectFailed(client, timedOut: false, reactor: reactor)
            }
            return
        }
        driveHTTP(client, reactor: reactor)
    }

    /// Moves everything that can move now: queued output, client bytes into requests, real-server
    /// bytes into responses. Returns when no step makes progress (every socket would block).
    func driveHTTP(_ client: UInt32, reactor: Reactor<ProxyWorker>) {
        guard let session = httpSessions[client] else { return }
        let clientToken = slots[client].token
        // Bounded: every round either moves bytes or ends the loop; 10,000 rounds of 16 KiB is
        // far more than any socket buffer holds.
        for _ in 0..<10_000 {
            guard slots.isCurrent(clientToken) else { return }
            var progress = false
            if session.hasOutputToClient {
                switch writeQueue(&session.toClient, &session.toClientOffset, to: client) {
                case .transferred: progress = true
                case .wouldBlock: break
                case .endOfFile, .failed:
                    finishHTTP(client, reset: .client, reactor: reactor)
                    return
                }
            }
            if !session.hasOutputToClient && session.closeAfterFlush {
                finishHTTP(client, reset: nil, reactor: reactor)
                return
            }
            let server = slots[client].partner
            let serverUp = server != .max && !session.serverConnecting
            if serverUp && session.hasOutputToServer {
                switch writeQueue(&session.toServer, &session.toServerOffset, to: server) {
                case .transferred: progress = true
                case .wouldBlock: break
                case .endOfFile, .failed:
                    httpServerFailed(client, session: session, reactor: reactor)
                    progress = true
                }
            }
            guard slots.isCurrent(clientToken) else { return }
            if wantsClientBytes(session), slots[client].mayRead, !slots[client].readEOF {
                switch Socket.read(Int32(bitPattern: client), into: httpScratch) {
                case .transferred(let count):
                    progress = true
                    session.inbound.append(contentsOf: UnsafeRawBufferPointer(rebasing: httpScratch[0..<count]))
                    session.inBytes &+= UInt64(count)
                    slots[client].lastActivity = reactor.now.nanoseconds
                    if count < httpScratch.count && !slots[client].peerClosed { slots[client].mayRead = false }
                case .wouldBlock:
                    slots[client].mayRead = false
                case .endOfFile:
                    slots[client].readEOF = true
                    progress = true
                case .failed:
                    finishHTTP(client, reset: .client, reactor: reactor)
                    return
                }
            }
            if processRequest(client, session: session, reactor: reactor) { progress = true }
            guard slots.isCurrent(clientToken) else { return }
            let current = slots[client].partner
            if current != .max, !session.serverConnecting, !session.hasOutputToClient, slots[current].mayRead,
                !slots[current].readEOF
            {
                switch Socket.read(Int32(bitPattern: current), into: httpScratch) {
                case .transferred(let count):
                    progress = true
                    session.outBytes &+= UInt64(count)
                    slots[client].lastActivity = reactor.now.nanoseconds
                    if count < httpScratch.count && !slots[current].peerClosed { slots[current].mayRead = false }
                    responseBytes(
                        UnsafeRawBufferPointer(rebasing: httpScratch[0..<count]), client: client, session: session,
                        reactor: reactor)
                    // A complete response on a kept connection: it goes idle into the pool.
                    if case .idle = session.response, slots.isCurrent(clientToken) {
                        parkHTTPServer(client, session: session, reactor: reactor)
                    }
                case .wouldBlock:
                    slots[current].mayRead = false
                case .endOfFile, .failed:
                    progress = true
                    serverEndOfFile(client, session: session, reactor: reactor)
                }
            }
            if !progress { return }
        }
    }

    /// Whether the client's socket should be read now: a head is awaited (up to the head
    /// limit, so an endless head is refused, not buffered), or body bytes can be queued.
    private func wantsClientBytes(_ session: HTTPSession) -> Bool {
        if session.closeAfterFlush { return false }
        if session.tunnel { return !session.hasOutputToServer }
        switch session.request {
        case .head: return session.inbound.count <= session.content.limits.maximumHeadLength
        case .body, .chunked: return session.inbound.isEmpty && !session.hasOutputToServer
        case .waitingResponse: return false
        }
    }

    /// Writes from `offset`; the queue is emptied once everything went out.
    private func writeQueue(_ queue: inout [UInt8], _ offset: inout Int, to slot: UInt32) -> IOResult {
        let start = offset
        let result = queue.withUnsafeBytes { bytes in
            Socket.write(Int32(bitPattern: slot), from: UnsafeRawBufferPointer(rebasing: bytes[start...]))
        }
        if case .transferred(let count) = result {
            offset += count
            HTTPSession.compact(&queue, &offset)
        }
        return result
    }

    /// Advances the request side over the bytes read so far. True if anything moved.
    private func processRequest(_ client: UInt32, session: HTTPSession, reactor: Reactor<ProxyWorker>) -> Bool {
        if session.content.mode == .tls && !session.tunnel {
            return processClientHello(client, session: session, reactor: reactor)
        }
        if session.tunnel {
            guard !session.inbound.isEmpty else {
                if slots[client].readEOF { session.closeAfterFlush = true }
                return false
            }
            session.toServer.append(contentsOf: session.inbound)
            session.inbound.removeAll(keepingCapacity: true)
            return true
        }
        switch session.request {
        case .head:
            // A client that closed between requests (or mid-head) is closed once our output is written.
            let closing = slots[client].readEOF && !session.closeAfterFlush
            guard !session.inbound.isEmpty else {
                if closing { session.closeAfterFlush = true }
                return closing
            }
            switch session.inbound.withUnsafeBytes({ session.parser.parse($0) }) {
            case .needMore:
                if closing { session.closeAfterFlush = true }
                return closing
            case .refused(let refusal):
                counters.increment(refusal)
                answer(refusal.statusCode, session: session)
                return true
            case .complete(let headLength):
                startRequest(client, session: session, headLength: headLength, reactor: reactor)
                return true
            }
        case .body(let remaining):
            guard !session.inbound.isEmpty else {
                if slots[client].readEOF { finishHTTP(client, reset: .client, reactor: reactor) }
                return false
            }
            let count = Int(min(remaining, Int64(session.inbound.count)))
            session.toServer.append(contentsOf: session.inbound[0..<count])
            session.inbound.removeFirst(count)
            session.request = remaining == Int64(count) ? .waitingResponse : .body(remaining - Int64(count))
            return true
        case .chunked(var scanner):
            guard !session.inbound.isEmpty else {
                if slots[client].readEOF { finishHTTP(client, reset: .client, reactor: reactor) }
                return false
            }
            let result = session.inbound.withUnsafeBytes { scanner.scan($0) }
            switch result {
            case .needMore(let consumed), .end(let consumed):
                session.toServer.append(contentsOf: session.inbound[0..<consumed])
                session.inbound.removeFirst(consumed)
                if case .end = result {
                    session.request = .waitingResponse
                } else {
                    session.request = .chunked(scanner)
                }
            case .refused(let refusal):
                counters.increment(refusal)
                // The head already went to the real server: it cannot be answered cleanly.
                finishHTTP(client, reset: .client, reactor: reactor)
            }
            return true
        case .waitingResponse:
            return false
        }
    }

    /// Queues an error answer of ours; the connection closes once it is written.
    func answer(_ status: Int, session: HTTPSession) {
        session.toClient.append(contentsOf: HTTPSession.answer(status: status, reason: HTTPSession.reason(status)))
        session.closeAfterFlush = true
        session.request = .waitingResponse
    }
}
