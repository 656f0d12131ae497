/// TCP connection-entry states, in the kernel's order (reference §4.6.2 columns), with the names
/// `ipvsadm -L -c` prints (reference §2.4).
public enum TCPState: UInt8, Sendable, Hashable, CaseIterable {
    case none = 0
    case established = 1
    case synSent = 2
    case synRecv = 3
    case finWait = 4
    case timeWait = 5
    case close = 6
    case closeWait = 7
    case lastAck = 8
    case listen = 9
    case synAck = 10

    /// The listing name (`ESTABLISHED`, `SYN_RECV`, …).
    public var name: String {
        switch self {
        case .none: return "NONE"
        case .established: return "ESTABLISHED"
        case .synSent: return "SYN_SENT"
        case .synRecv: return "SYN_RECV"
        case .finWait: return "FIN_WAIT"
        case .timeWait: return "TIME_WAIT"
        case .close: return "CLOSE"
        case .closeWait: return "CLOSE_WAIT"
        case .lastAck: return "LAST_ACK"
        case .listen: return "LISTEN"
        case .synAck: return "SYNACK"
        }
    }

    /// Counted in a real server's ActiveConn (reference §4.6.4).
    public var isActive: Bool {
        switch self {
        case .established, .synSent, .synRecv, .synAck: return true
        case .none, .finWait, .timeWait, .close, .closeWait, .lastAck, .listen: return false
        }
    }
}

/// SCTP connection-entry states with their listing names (reference §2.4, §4.5).
public enum SCTPState: UInt8, Sendable, Hashable, CaseIterable {
    case none = 0
    case init1 = 1
    case initState = 2
    case cookieSent = 3
    case cookieReplied = 4
    case cookieWait = 5
    case cookie = 6
    case cookieEchoed = 7
    case established = 8
    case shutdownSent = 9
    case shutdownReceived = 10
    case shutdownAckSent = 11
    case rejected = 12
    case closed = 13

    public var name: String {
        switch self {
        case .none: return "NONE"
        case .init1: return "INIT1"
        case .initState: return "INIT"
        case .cookieSent: return "C-SENT"
        case .cookieReplied: return "C-REPLIED"
        case .cookieWait: return "C-WAIT"
        case .cookie: return "COOKIE"
        case .cookieEchoed: return "C-ECHOED"
        case .established: return "ESTABLISHED"
        case .shutdownSent: return "S-SENT"
        case .shutdownReceived: return "S-RECEIVED"
        case .shutdownAckSent: return "S-ACK-SENT"
        case .rejected: return "REJECTED"
        case .closed: return "CLOSED"
        }
    }

    /// Only ESTABLISHED counts as active for SCTP (reference §4.6.4).
    public var isActive: Bool { self == .established }
}
