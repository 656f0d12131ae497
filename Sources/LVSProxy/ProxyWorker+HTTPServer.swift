import Glibc
import LVSContentSwitch
import LVSCore
import LVSReactor
import LVSSharedDirector

/// What the director said about a request's real server (docs/design/0019).
enum GroupChoice {
    /// Keep the current real-server connection.
    case reuse
    /// Take this idle connection from the worker's pool (docs/design/0019 "Pool").
    case pooled(HTTPServerPool.Idle)
    case connect(ConnectionRef, target: SocketAddress, server: RealServerKey, proxyProtocol: ProxyProtocolVersion)
    /// The group has no usable real server (or is not configured): 503.
    case unavailable
}

extension GroupChoice {
    /// The request goes on a connection that already carried one (it may have been closed by
    /// the real server meanwhile: docs/design/0019 "Retry").
    var isReused: Bool {
        switch self {
        case .reuse, .pooled: true
        case .connect, .unavailable: false
        }
    }
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
        // The prefixed application cookie, as the real server should see it (docs/design/0019).
        var cookieEdit: (range: Range<Int>, value: [UInt8])? = nil
        session.inbound.withUnsafeBytes { buffer in
            let request = ContentRequest(buffer: buffer, head: head, clientAddress: peer.ip)
            ruleIndex = content.ruleSet.decide(request).ruleIndex
            switch content.persistence {
            case .none: break
            case .insertCookie(let cookie):
                if let range = cookie.serverIdentifier(in: request) { cookieIdentifier = Self.hexValue(buffer[range]) }
            case .prefixCookie(let prefix):
                if let split = prefix.split(in: request) { cookieIdentifier = Self.hexValue(buffer[split.identifier]) }
                head.forEachValue(named: HTTPFieldName.cookie, in: buffer) { range in
                    if cookieEdit == nil, let stripped = prefix.strippedCookieValue(buffer, range) {
                        cookieEdit = (range, stripped)
                    }
                }
            case .hash(let source): keyHash = source.keyHash(request)
            }
        }
        content.recordHit(rule: ruleIndex)
        session.requests += 1
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
        // The first request of a client connection takes an idle pooled connection only when it
        // could be sent again should that connection turn out closed (docs/design/0019 "Pool").
        let replayable = head.framing == .none && Self.isReplayable(session.inbound[head.method])
        let choice = chooseServer(
            client, session: session, mark: mark, cookieIdentifier: cookieIdentifier, keyHash: keyHash,
            mayTakeIdle: session.requests > 1 || replayable, now: reactor.now)
        switch choice {
        case .unavailable:
            counters.increment(.httpNoServer)
            answer(503, session: session)
            return
        case .connect:
            counters.increment(.httpPoolMisses)
            closeHTTPServer(client, session: session, reset: nil, reactor: reactor)
            session.toServer.removeAll(keepingCapacity: true)
            session.toServerOffset = 0
        case .pooled(let idle):
            counters.increment(.httpServerReuses)
            counters.increment(.httpPoolHits)
            closeHTTPServer(client, session: session, reset: nil, reactor: reactor)
            session.toServer.removeAll(keepingCapacity: true)
            session.toServerOffset = 0
            attachPooled(client, session: session, idle, mark: mark)
        case .reuse:
            counters.increment(.httpServerReuses)
        }
        // The head as received, plus the client's address (docs/design/0019 "Forwarding").
        let headStart = session.toServer.count
        // A client's `Connection: close` is its own hop's: left out, the real-server connection
        // stays open for the pool (docs/design/0019 "Pool").
        let fieldsEnd = headLength - 2
        let closeLine = session.inbound.withUnsafeBytes { head.closeOnlyConnectionLine(in: $0) }
        if closeLine == nil && cookieEdit == nil {
            session.toServer.append(contentsOf: session.inbound[head.start..<fieldsEnd])
        } else {
            appendEdited(
                session, from: head.start, to: fieldsEnd, cut: closeLine, replace: cookieEdit?.range,
                with: cookieEdit?.value ?? [])
        }
        if session.forwardedField.isEmpty { Self.buildForwardedField(&session.forwardedField, content, peer.ip) }
        session.toServer.append(contentsOf: session.forwardedField)
        session.toServer.append(contentsOf: [0x0D, 0x0A])
        session.replayable = false
        if choice.isReused, replayable {
            session.replayHead.removeAll(keepingCapacity: true)
            session.replayHead.append(contentsOf: session.toServer[headStart...])
            session.replayable = true
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

    /// Appends `inbound[start..<end]` to `toServer` without the bytes of `cut` and with
    /// `replace`'s bytes swapped for `replacement` (the two ranges do not overlap: one is the
    /// `Connection` line, the other inside the `Cookie` line).
    private func appendEdited(
        _ session: HTTPSession, from start: Int, to end: Int, cut: Range<Int>?, replace: Range<Int>?,
        with replacement: [UInt8]
    ) {
        var position = start
        let edits = [cut.map { ($0, [UInt8]()) }, replace.map { ($0, replacement) }].compactMap { $0 }
            .sorted { $0.0.lowerBound < $1.0.lowerBound }
        for (range, bytes) in edits where range.lowerBound >= position && range.upperBound <= end {
            session.toServer.append(contentsOf: session.inbound[position..<range.lowerBound])
            session.toServer.append(contentsOf: bytes)
            position = range.upperBound
        }
        session.toServer.append(contentsOf: session.inbound[position..<end])
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
        session.proxyProtocolSent = proxyProtocol != .none
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
        mayTakeIdle: Bool = false, now: MonotonicInstant
    ) -> GroupChoice {
        let content = session.content
        let groupID = VirtualServiceID(firewallMark: mark, family: content.service.address.family)
        let peer = slots[client].client
        let connected = slots[client].partner != .max ? session.server : nil
        let previousRef = session.ref
        let previousGroup = VirtualServiceID(firewallMark: session.groupMark, family: content.service.address.family)
        let traffic = Traffic(inBytes: session.inBytes, outBytes: session.outBytes)
        var released = false
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
                released = true
            }
            // The group's scheduler picks the real server once; an idle pooled connection to it
            // is taken, else the pick is passed on so the new entry goes to it.
            if mayTakeIdle, httpPool.hasIdle(mark: mark) {
                preferred = state.director.pickRealServer(
                    client: peer.ip, clientPort: peer.port, virtual: content.service.address,
                    virtualPort: content.service.port, firewallMark: mark, preferredServer: preferred, now: now)
                if let picked = preferred, let idle = httpPool.take(mark: mark, where: { $0 == picked }) {
                    return (.pooled(idle), Self.cookieToSet(content, picked, cookieIdentifier))
                }
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
        if released {
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
    private static let xForwardedFor: [UInt8] = Array("X-Forwarded-For: ".utf8)
    private static let forwardedFor: [UInt8] = Array("Forwarded: for=".utf8)

    /// `X-Forwarded-For: …\r\n` or `Forwarded: for=…\r\n` (RFC 7239 §4, IPv6 quoted and
    /// bracketed, §6) for a client, once per client connection; an IPv4 address is written digit
    /// by digit into the session's buffer (no string).
    static func buildForwardedField(_ field: inout [UInt8], _ content: ContentSwitchService, _ address: IPAddress) {
        let name: [UInt8]
        switch content.forwardedHeader {
        case .none: return
        case .xForwardedFor: name = xForwardedFor
        case .forwarded: name = forwardedFor
        }
        field.append(contentsOf: name)
        if address.family == .inet {
            let value = address.ipv4Value
            for shift in stride(from: 24, through: 0, by: -8) {
                let octet = UInt8(truncatingIfNeeded: value >> UInt32(shift))
                if octet >= 100 { field.append(0x30 + octet / 100) }
                if octet >= 10 { field.append(0x30 + octet / 10 % 10) }
                field.append(0x30 + octet % 10)
                if shift > 0 { field.append(0x2E) }
            }
        } else if content.forwardedHeader == .forwarded {
            field.append(contentsOf: Array("\"[\(address)]\"".utf8))
        } else {
            field.append(contentsOf: Array("\(address)".utf8))
        }
        field.append(contentsOf: [0x0D, 0x0A])
    }

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
