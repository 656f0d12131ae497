import Glibc
import LVSContentSwitch
import LVSCore
import LVSReactor
import LVSSharedDirector

// Content-switched connections: connecting to the chosen real server, framing its responses
// (so the client connection can carry the next request), timers and the end of a connection
// (docs/design/0019-content-switching-engine.md).
extension ProxyWorker {
    func connectHTTP(_ client: UInt32, session: HTTPSession, to target: SocketAddress, reactor: Reactor<ProxyWorker>) {
        session.serverTarget = target
        let result: ConnectResult
        do {
            result = try Socket.connect(to: target, options: TCPConnectOptions())
        } catch {
            httpConnectFailed(client, timedOut: false, reactor: reactor)
            return
        }
        guard let token = try? reactor.register(result.fd, interest: .connection) else {
            _ = Glibc.close(result.fd)
            httpConnectFailed(client, timedOut: false, reactor: reactor)
            return
        }
        var server = ProxySlot()
        server.kind = .server
        server.token = token
        server.partner = client
        server.partnerToken = slots[client].token
        server.http = true
        guard slots.occupy(token.slot, with: server) != nil else {
            reactor.close(token)
            httpConnectFailed(client, timedOut: false, reactor: reactor)
            return
        }
        slots[client].partner = token.slot
        slots[client].partnerToken = token
        switch result {
        case .connected:
            httpServerConnected(client, session: session, reactor: reactor)
        case .inProgress:
            session.serverConnecting = true
            reactor.armTimer(slot: client, afterNanoseconds: configuration.connectTimeoutMilliseconds &* 1_000_000)
        }
    }

    func httpServerConnected(_ client: UInt32, session: HTTPSession, reactor: Reactor<ProxyWorker>) {
        session.serverConnecting = false
        if established(session.ref, now: reactor.now) == .gone {
            counters.increment(.expiredByDirector)
            finishHTTP(client, reset: nil, reactor: reactor)
            return
        }
        armHTTPTimer(client, session: session, reactor: reactor)
        driveHTTP(client, reactor: reactor)
    }

    /// The connect failed: another real server of the group while attempts remain, else 503.
    func httpConnectFailed(_ client: UInt32, timedOut: Bool, reactor: Reactor<ProxyWorker>) {
        guard let session = httpSessions[client] else { return }
        counters.increment(timedOut ? .connectTimeouts : .connectFailures)
        let server = slots[client].partner
        if server != .max, slots.isCurrent(slots[client].partnerToken), let released = slots.release(slot: server) {
            reactor.close(released.token)
        }
        slots[client].partner = .max
        session.serverConnecting = false
        let groupID = VirtualServiceID(firewallMark: session.groupMark, family: session.content.service.address.family)
        if session.attempts < configuration.connectAttempts,
            case .forward(let ref, let target, let key, _, _, _, _) = redispatch(
                session.ref, service: groupID, now: reactor.now)
        {
            counters.increment(.redispatches)
            session.attempts += 1
            session.ref = ref
            session.server = key
            connectHTTP(client, session: session, to: target, reactor: reactor)
            return
        }
        counters.increment(.redispatchesExhausted)
        release(session.ref, service: groupID, reset: .server, traffic: Traffic(), now: reactor.now)
        session.ref = ConnectionRef(index: -1, generation: 0)
        session.server = nil
        counters.increment(.httpNoServer)
        if session.content.mode == .tls {
            finishHTTP(client, reset: .server, reactor: reactor)
            return
        }
        session.toServer.removeAll(keepingCapacity: true)
        session.toServerOffset = 0
        answer(503, session: session)
        driveHTTP(client, reactor: reactor)
    }

    /// Writing to the real server failed.
    func httpServerFailed(_ client: UInt32, session: HTTPSession, reactor: Reactor<ProxyWorker>) {
        if retryRequest(client, session: session, reactor: reactor) { return }
        if case .head = session.response, session.responseHead.isEmpty, !session.hasOutputToClient {
            closeHTTPServer(client, session: session, reset: .server, reactor: reactor)
            counters.increment(.httpBadGateway)
            session.toServer.removeAll(keepingCapacity: true)
            session.toServerOffset = 0
            answer(502, session: session)
            return
        }
        finishHTTP(client, reset: .server, reactor: reactor)
    }

    /// Bytes from the real server: the response head is framed, the body counted through.
    func responseBytes(
        _ bytes: UnsafeRawBufferPointer, client: UInt32, session: HTTPSession, reactor: Reactor<ProxyWorker>
    ) {
        // A response began: the request is answered by this connection, never sent again.
        session.replayable = false
        if session.tunnel {
            session.toClient.append(contentsOf: bytes)
            return
        }
        var rest = bytes[...]
        // Bounded by the bytes: every pass consumes some or returns.
        while !rest.isEmpty {
            switch session.response {
            case .idle:
                // Bytes nobody asked for: the connection cannot be trusted for another request.
                session.serverKeepAlive = false
                return
            case .head:
                if session.responseHead.isEmpty {
                    // The common case: the whole head in this read, framed in place.
                    switch responseHead(in: UnsafeRawBufferPointer(rebasing: rest), client, session, reactor) {
                    case .parsed(let length): rest = rest.dropFirst(length)
                    case .incomplete:
                        session.responseHead.append(contentsOf: rest)
                        return
                    case .refused: return
                    }
                } else {
                    // A head split over reads: gathered, then framed; what follows it goes round again.
                    session.responseHead.append(contentsOf: rest)
                    let outcome = session.responseHead.withUnsafeBytes {
                        responseHead(in: $0, client, session, reactor)
                    }
                    guard case .parsed(let length) = outcome else { return }
                    let leftover = Array(session.responseHead[length...])
                    session.responseHead.removeAll(keepingCapacity: true)
                    leftover.withUnsafeBytes { responseBytes($0, client: client, session: session, reactor: reactor) }
                    return
                }
            case .body(let remaining):
                let count = Int(min(remaining, Int64(rest.count)))
                session.toClient.append(contentsOf: rest.prefix(count))
                rest = rest.dropFirst(count)
                if remaining == Int64(count) {
                    responseDone(client, session: session, reactor: reactor)
                } else {
                    session.response = .body(remaining - Int64(count))
                }
            case .chunked(var scanner):
                let result = scanner.scan(UnsafeRawBufferPointer(rebasing: rest))
                switch result {
                case .needMore(let consumed), .end(let consumed):
                    session.toClient.append(contentsOf: rest.prefix(consumed))
                    rest = rest.dropFirst(consumed)
                    if case .end = result {
                        responseDone(client, session: session, reactor: reactor)
                    } else {
                        session.response = .chunked(scanner)
                    }
                case .refused:
                    counters.increment(.httpBadGateway)
                    session.closeAfterFlush = true
                    return
                }
            case .untilClose:
                session.toClient.append(contentsOf: rest)
                return
            }
        }
    }

    /// Added to a response head when the client's hop closes after it (see `responseHead`).
    static let connectionCloseField: [UInt8] = Array("Connection: close\r\n".utf8)

    enum ResponseHeadOutcome {
        case parsed(Int)
        case incomplete
        case refused
    }

    /// Frames the response head at the start of `buffer`: queues it (with our `Set-Cookie`) and
    /// sets the response phase; `.parsed(length)` says how many bytes it took.
    private func responseHead(
        in buffer: UnsafeRawBufferPointer, _ client: UInt32, _ session: HTTPSession, _ reactor: Reactor<ProxyWorker>
    ) -> ResponseHeadOutcome {
        let parsed: HTTPResponseHead?
        do throws(HTTPResponseRefusal) {
            parsed = try HTTPResponseHead.parse(buffer, requestMethodIsHead: session.requestIsHead)
        } catch {
            counters.increment(.httpBadGateway)
            closeHTTPServer(client, session: session, reset: .server, reactor: reactor)
            answer(502, session: session)
            return .refused
        }
        guard let head = parsed else { return .incomplete }
        let interim = head.status >= 100 && head.status < 200 && head.status != 101
        // The client's `Connection: close` was kept off the real server's hop (the pool may keep
        // that connection), so the real server's head says keep-alive: the client is told here
        // that this hop closes after the response (RFC 9112 §9.6), or it would take our close
        // for a failure.
        let announceClose = !interim && head.status != 101 && !session.clientKeepAlive && head.keepAlive
        let cookie = interim ? nil : session.setCookie
        var prefixed: [UInt8]?
        if !interim, case .prefixCookie(let prefix) = session.content.persistence, let server = session.server {
            prefixed = prefix.prefixedResponseHead(
                UnsafeRawBufferPointer(rebasing: buffer[0..<head.length]),
                identifier: PersistenceCookie.cookieValue(forIdentifier: Self.identifier(of: server)))
        }
        if cookie == nil && !announceClose {
            if let prefixed {
                session.toClient.append(contentsOf: prefixed)
            } else {
                session.toClient.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<head.length]))
            }
        } else {
            // Fields of ours go just before the head's closing empty line.
            if let prefixed {
                session.toClient.append(contentsOf: prefixed.dropLast(2))
            } else {
                session.toClient.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<head.endOfFields]))
            }
            if let cookie {
                session.toClient.append(contentsOf: cookie)
                session.setCookie = nil
            }
            if announceClose { session.toClient.append(contentsOf: Self.connectionCloseField) }
            session.toClient.append(contentsOf: [0x0D, 0x0A])
        }
        if interim { return .parsed(head.length) }
        session.serverKeepAlive = head.keepAlive
        if head.status == 101 && session.upgradeRequested {
            counters.increment(.httpUpgrades)
            session.tunnel = true
            session.response = .untilClose
            return .parsed(head.length)
        }
        switch head.framing {
        case .none: responseDone(client, session: session, reactor: reactor)
        case .contentLength(let length): session.response = .body(length)
        case .chunked: session.response = .chunked(ChunkedBodyScanner())
        case .untilClose:
            session.response = .untilClose
            session.clientKeepAlive = false
        }
        return .parsed(head.length)
    }

    /// A response is complete: the next request may start (or the client is closed).
    private func responseDone(_ client: UInt32, session: HTTPSession, reactor: Reactor<ProxyWorker>) {
        session.response = .idle
        if case .waitingResponse = session.request, session.clientKeepAlive {
            session.request = .head
            session.parser.reset()
            session.headStarted = reactor.now.nanoseconds
        } else {
            session.closeAfterFlush = true
        }
        if !session.serverKeepAlive { closeHTTPServer(client, session: session, reset: nil, reactor: reactor) }
        armHTTPTimer(client, session: session, reactor: reactor)
    }

    /// The real server closed (or failed).
    func serverEndOfFile(_ client: UInt32, session: HTTPSession, reactor: Reactor<ProxyWorker>) {
        switch session.response {
        case .idle:
            // An idle kept connection closed by the real server: the next request connects anew.
            closeHTTPServer(client, session: session, reset: nil, reactor: reactor)
        case .untilClose:
            closeHTTPServer(client, session: session, reset: nil, reactor: reactor)
            session.response = .idle
            session.closeAfterFlush = true
        case .head where session.responseHead.isEmpty:
            if retryRequest(client, session: session, reactor: reactor) { return }
            counters.increment(.httpBadGateway)
            closeHTTPServer(client, session: session, reset: .server, reactor: reactor)
            answer(502, session: session)
        case .head, .body, .chunked:
            // Cut short: the client cannot be told cleanly.
            closeHTTPServer(client, session: session, reset: .server, reactor: reactor)
            session.closeAfterFlush = true
        }
    }

    /// Closes the current real-server connection and releases its director entry.
    func closeHTTPServer(_ client: UInt32, session: HTTPSession, reset: ConnectionSide?, reactor: Reactor<ProxyWorker>)
    {
        let server = slots[client].partner
        guard server != .max else { return }
        if slots.isCurrent(slots[client].partnerToken), let released = slots.release(slot: server) {
            reactor.close(released.token)
        }
        slots[client].partner = .max
        session.serverConnecting = false
        let groupID = VirtualServiceID(firewallMark: session.groupMark, family: session.content.service.address.family)
        let ref = session.ref
        let traffic = Traffic(inBytes: session.inBytes, outBytes: session.outBytes)
        let now = reactor.now
        // An entry already released under the lock by `chooseServer` (a switch) has no ref left.
        if ref.index >= 0 {
            shared.withState { state in
                Self.releaseLocked(&state, ref, service: groupID, reset: reset, traffic: traffic, now: now)
            }
        }
        session.ref = ConnectionRef(index: -1, generation: 0)
        session.server = nil
        session.inBytes = 0
        session.outBytes = 0
    }

    /// Ends a content-switched connection.
    func finishHTTP(_ client: UInt32, reset: ConnectionSide?, reactor: Reactor<ProxyWorker>) {
        guard slots.isOccupied(client), slots[client].kind == .client else { return }
        reactor.cancelTimer(slot: client)
        if let session = httpSessions.removeValue(forKey: client) {
            closeHTTPServer(client, session: session, reset: reset, reactor: reactor)
            // Kept for the next client connection (bounded; very large buffers are let go).
            if spareHTTPSessions.count < Self.spareSessionLimit, session.inbound.capacity <= 65_536,
                session.toClient.capacity <= 262_144, session.toServer.capacity <= 262_144
            {
                spareHTTPSessions.append(session)
            }
        }
        if reset == nil {
            // Unread request bytes would turn our close into a reset that can destroy the answer
            // before the client reads it: read what already arrived (bounded).
            for _ in 0..<16 {
                guard case .transferred = Socket.read(Int32(bitPattern: client), into: httpScratch) else { break }
            }
        }
        let service = slots[client].service
        if let released = slots.release(slot: client) { reactor.close(released.token) }
        releaseContentClient(service)
        if reset != nil { counters.increment(.resets) }
        counters.increment(.closedConnections)
    }

    /// The timer of the connection's current phase: connect, header, body or idle timeout.
    func armHTTPTimer(_ client: UInt32, session: HTTPSession, reactor: Reactor<ProxyWorker>) {
        reactor.armTimer(slot: client, at: MonotonicInstant(nanoseconds: httpDeadline(client, session: session)))
    }

    private func httpDeadline(_ client: UInt32, session: HTTPSession) -> UInt64 {
        let content = session.content
        if session.serverConnecting {
            return slots[client].lastActivity &+ 1_000_000 &* configuration.connectTimeoutMilliseconds
        }
        if session.tunnel { return slots[client].lastActivity &+ idleTimeoutNanoseconds(client) }
        switch session.request {
        case .head:
            return session.headStarted &+ content.headerTimeoutMilliseconds &* 1_000_000
        case .body, .chunked:
            return slots[client].lastActivity &+ content.bodyTimeoutMilliseconds &* 1_000_000
        case .waitingResponse:
            return slots[client].lastActivity &+ idleTimeoutNanoseconds(client)
        }
    }

    func httpTimer(_ client: UInt32, reactor: Reactor<ProxyWorker>) {
        guard let session = httpSessions[client] else { return }
        if session.serverConnecting {
            httpConnectFailed(client, timedOut: true, reactor: reactor)
            return
        }
        let deadline = httpDeadline(client, session: session)
        if deadline > reactor.now.nanoseconds {
            reactor.armTimer(slot: client, at: MonotonicInstant(nanoseconds: deadline))
            return
        }
        switch session.request {
        case .head where !session.inbound.isEmpty && !session.closeAfterFlush && session.content.mode == .http:
            counters.increment(.httpHeaderTimeouts)
            answer(408, session: session)
            driveHTTP(client, reactor: reactor)
        case .body, .chunked:
            counters.increment(.httpBodyTimeouts)
            finishHTTP(client, reset: .client, reactor: reactor)
        case .head, .waitingResponse:
            counters.increment(.idleTimeouts)
            finishHTTP(client, reset: nil, reactor: reactor)
        }
    }
}
