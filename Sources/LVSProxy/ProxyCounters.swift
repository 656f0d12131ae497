import Synchronization

/// Counts kept by one reactor's worker: every drop and every unusual event, so that nothing the
/// engine refuses goes unseen (`lvsadm --engine-stats`). Relaxed atomics, written only by the
/// worker's thread and only at connection events, read by the control plane.
///
/// `@unchecked Sendable` invariant: the storage is only ever accessed through the atomics.
final class ProxyCounters: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<Atomic<UInt64>>

    init() {
        storage = .allocate(capacity: ProxyCounter.allCases.count)
        for index in 0..<ProxyCounter.allCases.count { (storage + index).initialize(to: Atomic<UInt64>(0)) }
    }

    deinit {
        storage.deinitialize(count: ProxyCounter.allCases.count)
        storage.deallocate()
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

    /// The name shown by `lvsadm --engine-stats` and in the control protocol.
    public var name: String {
        switch self {
        case .acceptedConnections: return "accepted_connections"
        case .closedConnections: return "closed_connections"
        case .droppedMaxConnections: return "dropped_max_connections"
        case .droppedServiceMaxConnections: return "dropped_max_service_connections"
        case .droppedNoDestination: return "dropped_no_destination"
        case .droppedDestinationUnavailable: return "dropped_destination_unavailable"
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
        }
    }
}
