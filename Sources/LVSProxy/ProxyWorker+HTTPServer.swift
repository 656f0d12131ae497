import Glibc
import LVSContentSwitch
import LVSCore
import LVSReactor
import LVSSharedDirector

/// What the director said about a request's real server (docs/design/0019).
enum GroupChoice {
    /// Keep the current real-server connection.
    case reuse
    case connect(ConnectionRef, target: SocketAddress, server: RealServerKey, proxyProtocol: ProxyProtocolVersion)
    /// The group has no usable real server (or is not configured): 503.
    case unavailable
}

// The real-server side of content-switched connections: choosing the group's real server under
// the director lock (with cookie or hash persistence), connecting, and the connection's end.
extension ProxyWorker {
    /// A complete request head at the start of `inbound`: decide, choose, queue, connect.
    func startRequest(_ client: UInt32, session: HTTPSession, headLength: Int, reactor: Reactor<ProxyWorker>) {
        counters.increment(.httpRequests)
        let content = session.content
        let head = session.parser.head
        let peer = slots[client].client
        var ruleIndex: Int? = nil
        var cookieIdentifier: UInt64? = nil
        var keyHash: UInt64? = nil
        session.inbound.withUnsafeBytes { buffer in
            let request = ContentRequest(buffer: buffer, head: head, clientAddress: peer.ip)
            ruleIndex = content.ruleSet.decide(request).ruleIndex
            switch content.persistence {
            case .none: break
            case .insertCookie(let cookie):
                if let range = cookie.serverIdentifier(in: request) { cookieIdentifier = Self.hexValue(buffer[range]) }
            case .hash(let source): keyHash = source.keyHash(request)
            }
        }
        content.recordHit(rule: ruleIndex)
        session.cookieIdentifier = cookieIdentifier
        session.keyHash = keyHash
        session.requestIsHead = head.method.count == 4 && session.inbound[head.method].elementsEqual(Self.headMethod)
        session.clientKeepAlive = head.keepAlive
        session.upgradeRequested = head.upgrade != nil
        guard let mark = content.ruleMarks[ruleIndex ?? content.ruleSet.rules.count] else {
            counters.increment(.httpNoServer)
            answer(503, session: session)
            return
        }
        let choice = chooseServer(
            client, session: session, mark: mark, cookieIdentifier: cookieIdentifier, keyHash: keyHash,
            now: reactor.now)
        if case .unavailable = choice {
            counters.increment(.httpNoServer)
            answer(503, session: session)
            return
        }
        if case .connect = choice {
            closeHTTPServer(client, session: session, reset: nil, reactor: reactor)
            session.toServer.removeAll(keepingCapacity: true)
            session.toServerOffset = 0
        } else {
            counters.increment(.httpServerReuses)
        }
        // The head as received, plus the client's address (docs/design/0019 "Forwarding").
        let headStart = session.toServer.count
        session.toServer.append(contentsOf: session.inbound[head.start..<(headLength - 2)])
        if session.forwardedField.isEmpty {
            switch content.forwardedHeader {
            case .none: break
            case .xForwardedFor: session.forwardedField = Array("X-Forwarded-For: \(peer.ip)\r\n".utf8)
            case .forwarded:
                let node = peer.ip.family == .inet ? "\(peer.ip)" : "\"[\(peer.ip)]\""
                session.forwardedField = Array("Forwarded: for=\(node)\r\n".utf8)
            }
        }
        session.toServer.append(contentsOf: session.forwardedField)
        session.toServer.append(contentsOf: [0x0D, 0x0A])
        session.replayHead = nil
        if case .reuse = choice, case .none = head.framing, Self.isReplayable(session.inbound[head.method]) {
            session.replayHead = Array(session.toServer[headStart...])
        }
        session.inbound.removeFirst(headLength)
        switch head.framing {
        case .none: session.request = .waitingResponse
        case .contentLength(let length): session.request = .body(length)
        case .chunked: session.request = .chunked(ChunkedBodyScanner(limits: content.limits))
        }
        session.response = .head
        session.responseHead.removeAll(keepingCapacity: true)
        if case .connect = choice { connectChosen(client, session: session, choice, mark: mark, reactor: reactor) }
        armHTTPTimer(client, session: session, reactor: reactor)
    }

    /// Connects to a newly chosen real server; `toServer` holds the request, the PROXY header
    /// (when the real server wants one) goes in front of it.
    func connectChosen(
        _ client: UInt32, session: HTTPSession, _ choice: GroupChoice, mark: UInt32, reactor: Reactor<ProxyWorker>
    ) {
        guard case .connect(let ref, let target, let server, let proxyProtocol) = choice else { return }
        let content = session.content
        let peer = slots[client].client
        session.ref = ref
        session.server = server
        session.groupMark = mark
        session.serverKeepAlive = true
        session.attempts = 1
        if proxyProtocol != .none {
            let length = ProxyProtocolHeader.write(
                proxyProtocol, source: peer.ip, sourcePort: peer.port, destination: content.service.address,
                destinationPort: content.service.port, into: httpScratch)
            session.toServer.insert(contentsOf: UnsafeRawBufferPointer(rebasing: httpScratch[0..<length]), at: 0)
        }
        connectHTTP(client, session: session, to: target, reactor: reactor)
    }

    /// Under the director lock: keep the current connection if it is to the group's chosen real
    /// server and that server is still eligible, else release its entry and schedule anew.
    func chooseServer(
        _ client: UInt32, session: HTTPSession, mark: UInt32, cookieIdentifier: UInt64?, keyHash: UInt64?,
        now: MonotonicInstant
    ) -> GroupChoice {
        let content = session.content
        let groupID = VirtualServiceID(firewallMark: mark, family: content.service.address.family)
        let peer = slots[client].client
        let connected = slots[client].partner != .max ? session.server : nil
        let previousRef = session.ref
        let previousGroup = VirtualServiceID(firewallMark: session.groupMark, family: content.service.address.family)
        let traffic = Traffic(inBytes: session.inBytes, outBytes: session.outBytes)
        let choice = shared.withState { state -> (GroupChoice, [UInt8]?) in
            guard let group = state.director.services[groupID] else { return (.unavailable, nil) }
            var preferred: RealServerKey? = nil
            if let cookieIdentifier {
                preferred = group.realServers.first { Self.identifier(of: $0.key) == cookieIdentifier }?.key
            } else if let keyHash {
                let members = group.realServers.filter { $0.isEligible }
                let hash = RendezvousHash(
                    members: members.map { .init(identifier: Self.identifier(of: $0.key), weight: Int($0.weight)) })
                preferred = hash.choose(keyHash: keyHash).map { members[$0].key }
            }
            if let connected, session.groupMark == mark, session.serverKeepAlive,
                group.realServer(connected)?.isEligible == true, preferred == nil || preferred == connected
            {
                return (.reuse, Self.cookieToSet(content, connected, cookieIdentifier))
            }
            if connected != nil {
                Self.releaseLocked(&state, previousRef, service: previousGroup, traffic: traffic, now: now)
            }
            let verdict = state.director.openConnection(
                .tcp, client: peer.ip, clientPort: peer.port, virtual: content.service.address,
                virtualPort: content.service.port, firewallMark: mark, preferredServer: preferred, now: now)
            guard case .forward(let ref, let key, .proxy, let port) = verdict else { return (.unavailable, nil) }
            state.liveConnections += 1
            state.liveByService[groupID, default: 0] += 1
            let proxyProtocol = group.realServer(key)?.config.proxyProtocol ?? .none
            return (
                .connect(
                    ref, target: SocketAddress(key.address, port: port), server: key, proxyProtocol: proxyProtocol),
                Self.cookieToSet(content, key, cookieIdentifier)
            )
        }
        if connected != nil, case .connect = choice.0 {
            // The entry was released under the lock: only the socket remains to close.
            session.ref = ConnectionRef(index: -1, generation: 0)
            session.inBytes = 0
            session.outBytes = 0
        }
        session.setCookie = choice.1
        return choice.0
    }

    /// The `Set-Cookie` field to add when the request's cookie does not already name `server`.
    private static func cookieToSet(_ content: ContentSwitchService, _ server: RealServerKey, _ sent: UInt64?)
        -> [UInt8]?
    {
        guard case .insertCookie(let cookie) = content.persistence else { return nil }
        let identifier = identifier(of: server)
        guard sent != identifier else { return nil }
        return cookie.setCookieField(serverIdentifier: PersistenceCookie.cookieValue(forIdentifier: identifier))
    }

    /// A real server's stable identifier (cookie value, hash member): its address and port,
    /// so it survives reloads and is the same on every director.
    static func identifier(of key: RealServerKey) -> UInt64 {
        var bytes = [UInt8](repeating: 0, count: 18)
        withUnsafeBytes(of: key.address.high.bigEndian) { for i in 0..<8 { bytes[i] = $0[i] } }
        withUnsafeBytes(of: key.address.low.bigEndian) { for i in 0..<8 { bytes[8 + i] = $0[i] } }
        bytes[16] = UInt8(key.port >> 8)
        bytes[17] = UInt8(key.port & 0xFF)
        return RendezvousHash.stableIdentifier(bytes)
    }

    static let headMethod: [UInt8] = Array("HEAD".utf8)

    /// 16 hex digits (our cookie's value) as a number; nil for anything else.
    static func hexValue(_ bytes: UnsafeRawBufferPointer.SubSequence) -> UInt64? {
        guard bytes.count == 16 else { return nil }
        var value: UInt64 = 0
        for b in bytes {
            let digit: UInt8
            switch b {
            case 0x30...0x39: digit = b - 0x30
            case 0x61...0x66: digit = b - 0x61 + 10
            case 0x41...0x46: digit = b - 0x41 + 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }

    /// Ends a group entry under the lock: its traffic, then both FINs (the entry lingers in
    /// TIME_WAIT as an inactive connection, as a proxied pair's does) or the reset.
    static func releaseLocked(
        _ state: inout SharedDirector.State, _ ref: ConnectionRef, service: VirtualServiceID,
        reset: ConnectionSide? = nil, traffic: Traffic, now: MonotonicInstant
    ) {
        state.director.recordTraffic(
            ref, inPackets: 0, inBytes: traffic.inBytes, outPackets: 0, outBytes: traffic.outBytes, now: now)
        if let reset {
            state.director.connectionReset(ref, reset, now: now)
        } else {
            state.director.sideClosed(ref, .client, now: now)
            state.director.sideClosed(ref, .server, now: now)
            state.director.connectionClosed(ref, now: now)
        }
        state.liveConnections -= 1
        let remaining = state.liveByService[service, default: 1] - 1
        state.liveByService[service] = remaining > 0 ? remaining : nil
    }
}
