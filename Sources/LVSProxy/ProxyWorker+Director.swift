import LVSCore
import LVSReactor
import LVSSharedDirector

/// The scheduling decision for a new connection or session, taken under the director lock.
enum OpenDecision: Sendable {
    case forward(
        ConnectionRef, target: SocketAddress, server: RealServerKey, proxyProtocol: ProxyProtocolVersion,
        transparentSource: Bool, onePacket: Bool, ftpControl: Bool)
    case refused(ProxyCounter)
    /// A content-switched service: the real server is chosen per request (docs/design/0019).
    case content(ContentSwitchService)
}

// Everything the worker asks the director, each one short critical section
// (docs/design/0006-engines-and-the-director.md).
extension ProxyWorker {
    /// Limits, then scheduling (reference §4.4). A held connection counts against the limits
    /// until `release`; one-packet UDP datagrams hold nothing.
    func openConnection(
        _ service: VirtualServiceID, client: SocketAddress, datagramLength: UInt32?, now: MonotonicInstant
    ) -> OpenDecision {
        shared.withState { state in
            schedule(
                service, client: client, datagramLength: datagramLength, persistenceData: nil, state: &state, now: now)
        }
    }

    /// As `openConnection` for a UDP datagram (`payload`), with its persistence-engine data
    /// (reference §4.14). `persistenceData` was read before the lock for `believedEngine`, the
    /// engine the worker last learnt for the service; when the director now names another (the
    /// configuration changed), the payload is read again under the lock, once. Returns the
    /// engine the director names, for the worker to remember.
    func openConnection(
        _ service: VirtualServiceID, client: SocketAddress, datagram payload: UnsafeRawBufferPointer,
        believedEngine: PersistenceEngine?, persistenceData: [UInt8]?, now: MonotonicInstant
    ) -> (OpenDecision, engine: PersistenceEngine?) {
        shared.withState { state in
            let services = state.director.persistenceEngineServices
            let engine = services.isEmpty ? nil : services[service]
            var data = persistenceData
            if engine != believedEngine { data = engine.flatMap { Self.persistenceData(of: payload, for: $0) } }
            let decision = schedule(
                service, client: client, datagramLength: UInt32(clamping: payload.count), persistenceData: data,
                state: &state, now: now)
            return (decision, engine)
        }
    }

    /// The persistence data of a datagram for `engine`, read in place.
    static func persistenceData(of payload: UnsafeRawBufferPointer, for engine: PersistenceEngine) -> [UInt8]? {
        payload.withMemoryRebound(to: UInt8.self) { engine.persistenceData(from: $0) }
    }

    /// The limits, then the director's scheduling; runs under the lock.
    private func schedule(
        _ service: VirtualServiceID, client: SocketAddress, datagramLength: UInt32?, persistenceData: [UInt8]?,
        state: inout SharedDirector.State, now: MonotonicInstant
    ) -> OpenDecision {
        let limits = configuration
        if limits.maxConnections > 0 && state.liveConnections >= limits.maxConnections {
            return .refused(.droppedMaxConnections)
        }
        if limits.maxServiceConnections > 0 && state.liveByService[service, default: 0] >= limits.maxServiceConnections
        {
            return .refused(.droppedServiceMaxConnections)
        }
        if service.protocolNumber == .tcp, !state.contentServices.isEmpty,
            let content = state.contentServices[service]
        {
            // A content-switched client connection counts against both limits until it closes
            // (`releaseContentClient`); its group entries count as well (docs/design/0019).
            state.liveConnections += 1
            state.liveByService[service, default: 0] += 1
            return .content(content)
        }
        let verdict = state.director.openConnection(
            service.protocolNumber, client: client.ip, clientPort: client.port, virtual: service.address,
            virtualPort: service.port, datagramLength: datagramLength, persistenceData: persistenceData, now: now)
        let decision = Self.decision(verdict, service: service, director: state.director)
        if case .forward(_, _, _, _, _, let onePacket, _) = decision, !onePacket {
            state.liveConnections += 1
            state.liveByService[service, default: 0] += 1
        }
        return decision
    }

    /// The connect to the current real server failed: schedule again, skipping it.
    func redispatch(_ ref: ConnectionRef, service: VirtualServiceID, now: MonotonicInstant) -> OpenDecision {
        shared.withState { state in
            Self.decision(state.director.redispatch(ref, now: now), service: service, director: state.director)
        }
    }

    /// The engine lets go of a connection: its last traffic, then a reset or a normal close.
    func release(
        _ ref: ConnectionRef, service: VirtualServiceID, reset: ConnectionSide?, traffic: Traffic, now: MonotonicInstant
    ) {
        shared.withState { state in
            state.director.recordTraffic(
                ref, inPackets: traffic.inPackets, inBytes: traffic.inBytes, outPackets: traffic.outPackets,
                outBytes: traffic.outBytes, now: now)
            if let reset {
                state.director.connectionReset(ref, reset, now: now)
            } else {
                state.director.connectionClosed(ref, now: now)
            }
            state.liveConnections -= 1
            let remaining = state.liveByService[service, default: 1] - 1
            state.liveByService[service] = remaining > 0 ? remaining : nil
        }
    }

    /// A content-switched client connection ended: it no longer counts against the limits.
    func releaseContentClient(_ service: VirtualServiceID) {
        shared.withState { state in
            state.liveConnections -= 1
            let remaining = state.liveByService[service, default: 1] - 1
            state.liveByService[service] = remaining > 0 ? remaining : nil
        }
    }

    func established(_ ref: ConnectionRef, now: MonotonicInstant) -> EngineEntryStatus {
        shared.withDirector { $0.connectionEstablished(ref, now: now) }
    }

    func sideClosed(_ ref: ConnectionRef, _ side: ConnectionSide, now: MonotonicInstant) -> EngineEntryStatus {
        shared.withDirector { $0.sideClosed(ref, side, now: now) }
    }

    private static func decision(_ verdict: InboundVerdict, service: VirtualServiceID, director: Director)
        -> OpenDecision
    {
        switch verdict {
        case .forward(let ref, let key, let forwarding, let port):
            guard forwarding == .proxy, let state = director.services[service] else {
                return .refused(.droppedNoDestination)
            }
            let config = state.realServer(key)?.config
            return .forward(
                ref, target: SocketAddress(key.address, port: port), server: key,
                proxyProtocol: config?.proxyProtocol ?? .none, transparentSource: config?.transparentSource ?? false,
                onePacket: state.config.onePacketScheduling && service.protocolNumber == .udp,
                ftpControl: director.isFTPService(service))
        case .drop(.destinationUnavailable):
            return .refused(.droppedDestinationUnavailable)
        case .drop(.tableFull):
            return .refused(.droppedMaxConnections)
        case .drop(.dropPacketDefence):
            return .refused(.droppedDefence)
        case .drop(.rateLimited):
            return .refused(.droppedRateLimited)
        case .notOurs, .noDestination:
            return .refused(.droppedNoDestination)
        }
    }
}

/// Traffic of one connection not yet reported to the director.
struct Traffic: Sendable {
    var inPackets: UInt64 = 0
    var inBytes: UInt64 = 0
    var outPackets: UInt64 = 0
    var outBytes: UInt64 = 0
}
