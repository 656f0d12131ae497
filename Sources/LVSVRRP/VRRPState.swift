import LVSCore

/// The state of one VRRP instance (RFC 5798 §6.4 plus keepalived's FAULT and STOP).
///
/// `description` is the word keepalived passes to notify scripts and prints in logs.
public enum VRRPState: Sendable, Hashable, CustomStringConvertible {
    /// Not started yet, or waiting for a weight-0 tracked script's first result (keepalived INIT).
    case initialize
    /// RFC 5798 §6.4.2: listening for the master, Master_Down_Timer running.
    case backup
    /// RFC 5798 §6.4.3: holding the virtual addresses and advertising.
    case master
    /// keepalived FAULT: a tracked object is down; no adverts, no addresses.
    case fault
    /// After a clean stop (keepalived STOP).
    case stopped

    public var description: String {
        switch self {
        case .initialize: return "INIT"
        case .backup: return "BACKUP"
        case .master: return "MASTER"
        case .fault: return "FAULT"
        case .stopped: return "STOP"
        }
    }
}

/// One change of state with its cause and time: what the driver logs and `lvsadm` shows.
public struct VRRPTransition: Sendable, Hashable, CustomStringConvertible {
    public var from: VRRPState
    public var to: VRRPState
    /// Why, e.g. `master down timer expired` or `higher priority 150 advert from 10.0.0.2`.
    public var reason: String
    public var at: MonotonicInstant

    public init(from: VRRPState, to: VRRPState, reason: String, at: MonotonicInstant) {
        self.from = from
        self.to = to
        self.reason = reason
        self.at = at
    }

    public var description: String { "\(from) -> \(to) (\(reason))" }
}
