import LVSContentSwitch
import Synchronization

/// Counts kept by one reactor's worker: every drop and every unusual event, so that nothing the
/// engine refuses goes unseen (`lvsadm --engine-stats`). Relaxed atomics, written only by the
/// worker's thread and only at connection events, read by the control plane.
///
/// `@unchecked Sendable` invariant: the storage is only ever accessed through the atomics.
final class ProxyCounters: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<Atomic<UInt64>>
    /// The named counters, then one per `HTTPRequestRefusal` (docs/design/0019).
    private static let capacity = ProxyCounter.allCases.count + HTTPRequestRefusal.allCases.count

    init() {
        storage = .allocate(capacity: Self.capacity)
        for index in 0..<Self.capacity { (storage + index).initialize(to: Atomic<UInt64>(0)) }
    }

    deinit {
        storage.deinitialize(count: Self.capacity)
        storage.deallocate()
    }

    func increment(_ refusal: HTTPRequestRefusal) {
        guard let index = HTTPRequestRefusal.allCases.firstIndex(of: refusal) else { return }
        _ = storage[ProxyCounter.allCases.count + index].add(1, ordering: .relaxed)
    }

    func value(_ refusal: HTTPRequestRefusal) -> UInt64 {
        guard let index = HTTPRequestRefusal.allCases.firstIndex(of: refusal) else { return 0 }
        return storage[ProxyCounter.allCases.count + index].load(ordering: .relaxed)
    }

    @inline(__always)
    func increment(_ counter: ProxyCounter, by amount: UInt64 = 1) {
        _ = storage[counter.rawValue].add(amount, ordering: .relaxed)
    }

    func value(_ counter: ProxyCounter) -> UInt64 { storage[counter.rawValue].load(ordering: .relaxed) }
}

/// The engine's counters, by name (docs/design/0007-proxy-engine.md, "Counters").
public enum ProxyCounter: Int, Sendable, CaseIterable {
    case acceptedConnections
    case closedConnections
    case droppedMaxConnections
    case droppedServiceMaxConnections
    case droppedNoDestination
    case droppedDestinationUnavailable
    /// Connections the drop_packet defence took (reference §4.12).
    case droppedDefence
    /// Connections over their service's or their source's rate limit (docs/design/0030).
    case droppedRateLimited
    case droppedOutOfBuffers
    case acceptBackoffs
    case acceptErrors
    case connectFailures
    case connectTimeouts
    case redispatches
    case redispatchesExhausted
    case idleTimeouts
    case resets
    case expiredByDirector
    case splicedDirections
    case pipeExhaustions
    case udpSessions
    case udpDroppedDatagrams
    /// UDP sessions closed to make room when a worker reached its session limit.
    case udpEvictedSessions
    case listenerErrors
    /// FTP data connections the proxy spliced (passive and active, docs/design/0007-proxy-engine.md "FTP").
    case ftpDataConnections
    /// FTP control lines that looked like PORT/EPRT/227/229 but were refused by the parser (or a
    /// data listener could not be opened): forwarded untouched.
    case ftpRefusedLines
    /// FTP data listeners closed unused (accept timeout or a wrong peer only).
    case ftpDataAcceptTimeouts
    /// Connections to an FTP data listener from another address than expected, closed.
    case ftpDataWrongPeer
    /// Requests read on content-switched services (docs/design/0019).
    case httpRequests
    /// Requests sent on a real-server connection kept from the previous request.
    case httpServerReuses
    /// Requests sent again on a fresh connection because the reused one was found closed
    /// before any response byte (docs/design/0019 "Retry").
    case httpRetries
    /// 503 answers: the chosen group had no usable real server.
    case httpNoServer
    /// 502 answers: the real server's response could not be framed, or it closed early.
    case httpBadGateway
    /// Clients closed for not completing a request head within the header timeout (408).
    case httpHeaderTimeouts
    /// Clients closed for stalling a request body longer than the body timeout.
    case httpBodyTimeouts
    /// Connections that became tunnels after a 101 (WebSocket).
    case httpUpgrades
    /// TLS services: connections routed by their ClientHello.
    case tlsRouted
    /// TLS services: ClientHellos refused (not TLS, malformed, too long).
    case tlsRefused
    /// A request took an idle real-server connection from the worker's pool (docs/design/0019 "Pool").
    case httpPoolHits
    /// A request found no usable idle connection and connected anew.
    case httpPoolMisses
    /// A real-server connection went idle into the pool.
    case httpPoolParked
    /// An idle pooled connection was closed: the real server closed it (or sent unasked bytes),
    /// its idle timeout passed, or its real server was drained or removed.
    case httpPoolClosures

    /// The name shown by `lvsadm --engine-stats` and in the control protocol.
    public var name: String {
        switch self {
        case .acceptedConnections: return "accepted_connections"
        case .closedConnections: return "closed_connections"
        case .droppedMaxConnections: return "dropped_max_connections"
        case .droppedServiceMaxConnections: return "dropped_max_service_connections"
        case .droppedNoDestination: return "dropped_no_destination"
        case .droppedDestinationUnavailable: return "dropped_destination_unavailable"
        case .droppedDefence: return "dropped_defence"
        case .droppedRateLimited: return "dropped_rate_limited"
        case .droppedOutOfBuffers: return "dropped_out_of_buffers"
        case .acceptBackoffs: return "accept_backoffs"
        case .acceptErrors: return "accept_errors"
        case .connectFailures: return "connect_failures"
        case .connectTimeouts: return "connect_timeouts"
        case .redispatches: return "redispatches"
        case .redispatchesExhausted: return "redispatches_exhausted"
        case .idleTimeouts: return "idle_timeouts"
        case .resets: return "resets"
        case .expiredByDirector: return "expired_by_director"
        case .splicedDirections: return "spliced_directions"
        case .pipeExhaustions: return "pipe_exhaustions"
        case .udpSessions: return "udp_sessions"
        case .udpDroppedDatagrams: return "udp_dropped_datagrams"
        case .udpEvictedSessions: return "udp_evicted_sessions"
        case .listenerErrors: return "listener_errors"
        case .ftpDataConnections: return "ftp_data_connections"
        case .ftpRefusedLines: return "ftp_refused_lines"
        case .ftpDataAcceptTimeouts: return "ftp_data_accept_timeouts"
        case .ftpDataWrongPeer: return "ftp_data_wrong_peer"
        case .httpRequests: return "http_requests"
        case .httpServerReuses: return "http_server_reuses"
        case .httpRetries: return "http_retries"
        case .httpNoServer: return "http_no_server"
        case .httpBadGateway: return "http_bad_gateway"
        case .httpHeaderTimeouts: return "http_header_timeouts"
        case .httpBodyTimeouts: return "http_body_timeouts"
        case .httpUpgrades: return "http_upgrades"
        case .tlsRouted: return "tls_routed"
        case .tlsRefused: return "tls_refused"
        case .httpPoolHits: return "http_pool_hits"
        case .httpPoolMisses: return "http_pool_misses"
        case .httpPoolParked: return "http_pool_parked"
        case .httpPoolClosures: return "http_pool_closures"
        }
    }
}
