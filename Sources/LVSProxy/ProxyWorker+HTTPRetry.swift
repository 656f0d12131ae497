import LVSReactor

// A kept real-server connection can be closed by the real server (its keep-alive timeout) just
// as the next request is sent on it: the request then meets an EOF or a reset before any response
// byte. Such a request was not processed, so, when it carries no body and its method is
// idempotent, it is sent once more on a fresh connection scheduled in the same group, as HAProxy
// and nginx do (docs/design/0019-content-switching-engine.md "Retry").
extension ProxyWorker {
    /// Idempotent methods without a request body may be replayed (RFC 9110 §9.2.2).
    static func isReplayable(_ method: ArraySlice<UInt8>) -> Bool {
        replayableMethods.contains { $0.elementsEqual(method) }
    }

    private static let replayableMethods: [[UInt8]] = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"].map {
        Array($0.utf8)
    }

    /// The reused connection failed before any response byte: sends the kept head once on a new
    /// connection (or answers 503 when the group has no usable real server now). False when the
    /// request may not be replayed; the caller then answers 502 as before.
    func retryRequest(_ client: UInt32, session: HTTPSession, reactor: Reactor<ProxyWorker>) -> Bool {
        guard session.replayable, !session.tunnel, case .head = session.response,
            session.responseHead.isEmpty, !session.hasOutputToClient
        else { return false }
        session.replayable = false
        counters.increment(.httpRetries)
        closeHTTPServer(client, session: session, reset: nil, reactor: reactor)
        session.toServer.removeAll(keepingCapacity: true)
        session.toServer.append(contentsOf: session.replayHead)
        session.toServerOffset = 0
        let mark = session.groupMark
        let choice = chooseServer(
            client, session: session, mark: mark, cookieIdentifier: session.cookieIdentifier,
            keyHash: session.keyHash, now: reactor.now)
        guard case .connect = choice else {
            counters.increment(.httpNoServer)
            session.toServer.removeAll(keepingCapacity: true)
            answer(503, session: session)
            return true
        }
        connectChosen(client, session: session, choice, mark: mark, reactor: reactor)
        guard httpSessions[client] != nil else { return true }
        armHTTPTimer(client, session: session, reactor: reactor)
        return true
    }
}
