import LVSContentSwitch
import LVSCore
import LVSReactor

// TLS virtual services switched by their ClientHello (docs/design/0019): the first bytes are
// read and kept, the SNI name and ALPN list decided by the service's rules, and once a real
// server of the chosen group is connected the kept bytes go first and the connection becomes a
// plain tunnel. Nothing is decrypted or changed.
extension ProxyWorker {
    /// Reads the ClientHello gathered so far; true if anything changed.
    func processClientHello(_ client: UInt32, session: HTTPSession, reactor: Reactor<ProxyWorker>) -> Bool {
        guard !session.inbound.isEmpty else {
            if slots[client].readEOF && !session.closeAfterFlush {
                session.closeAfterFlush = true
                return true
            }
            return false
        }
        let parsed = session.inbound.withUnsafeBytes { buffer -> Result<TLSClientHello?, TLSClientHelloRefusal> in
            do throws(TLSClientHelloRefusal) {
                return .success(try TLSClientHelloParser().parse(buffer))
            } catch {
                return .failure(error)
            }
        }
        guard case .success(let result) = parsed else {
            counters.increment(.tlsRefused)
            finishHTTP(client, reset: .client, reactor: reactor)
            return true
        }
        guard let hello = result else {
            if slots[client].readEOF { finishHTTP(client, reset: .client, reactor: reactor) }
            return false
        }
        let content = session.content
        let peer = slots[client].client
        let decision = session.inbound.withUnsafeBytes {
            content.ruleSet.decide(ContentRequest(buffer: $0, head: nil, clientAddress: peer.ip, clientHello: hello))
        }
        content.recordHit(rule: decision.ruleIndex)
        guard let mark = content.ruleMarks[decision.ruleIndex ?? content.ruleSet.rules.count],
            case .connect(let ref, let target, let server, _) = chooseServer(
                client, session: session, mark: mark, cookieIdentifier: nil, keyHash: nil, now: reactor.now)
        else {
            // No TLS alert of ours: the client sees the connection closed.
            counters.increment(.httpNoServer)
            finishHTTP(client, reset: .server, reactor: reactor)
            return true
        }
        counters.increment(.tlsRouted)
        session.ref = ref
        session.server = server
        session.groupMark = mark
        session.attempts = 1
        session.tunnel = true
        session.response = .untilClose
        session.toServer.append(contentsOf: session.inbound)
        session.inbound.removeAll(keepingCapacity: true)
        connectHTTP(client, session: session, to: target, reactor: reactor)
        return true
    }
}
