/// Per-state timeouts of connection entries, seconds (reference §4.5). Only TCP ESTABLISHED,
/// TCP FIN_WAIT and UDP are settable (`--set`); they come from the director's `TimeoutSettings`,
/// read at every transition so a change applies to an entry at its next packet.
public struct ProtocolTimeouts: Sendable, Hashable {
    public var settings: TimeoutSettings

    public init(settings: TimeoutSettings = .kernelDefaults) {
        self.settings = settings
    }

    /// Seconds an entry in `state` lives after its last packet.
    public func tcp(_ state: TCPState) -> UInt32 {
        switch state {
        case .none: return 2
        case .established: return settings.tcpEstablished
        case .synSent: return 120
        case .synRecv: return 60
        case .finWait: return settings.tcpFinWait
        case .timeWait: return 120
        case .close: return 10
        case .closeWait: return 60
        case .lastAck: return 30
        case .listen: return 120
        case .synAck: return 120
        }
    }

    /// UDP has the single state "UDP".
    public var udp: UInt32 { settings.udp }

    public func sctp(_ state: SCTPState) -> UInt32 {
        switch state {
        case .none: return 2
        case .init1: return 4
        case .initState, .cookieSent, .cookieReplied, .cookieWait, .cookie, .cookieEchoed: return 61
        case .established: return 900
        case .shutdownSent, .shutdownReceived, .shutdownAckSent: return 61
        case .rejected: return 4
        case .closed: return 61
        }
    }

    /// A new entry's timeout before its first transition (reference §4.2).
    public static let initial: UInt32 = 3
    /// How long an expiring entry that still controls others is kept (reference §4.2).
    public static let controllingRearm: UInt32 = 60
}
