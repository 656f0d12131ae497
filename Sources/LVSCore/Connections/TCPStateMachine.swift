/// The segment event the TCP state machine sees (reference §4.6.1), in table row order.
public enum TCPEvent: Int, Sendable, Hashable, CaseIterable {
    case syn = 0
    case fin = 1
    case ack = 2
    case rst = 3

    /// First match wins: RST, then SYN (SYN+ACK included), FIN, ACK. Nil for a segment with none
    /// of these flags, which moves the entry straight to CLOSE.
    public init?(flags: TCPSegmentFlags) {
        if flags.contains(.rst) {
            self = .rst
        } else if flags.contains(.syn) {
            self = .syn
        } else if flags.contains(.fin) {
            self = .fin
        } else if flags.contains(.ack) {
            self = .ack
        } else {
            return nil
        }
    }
}

/// Which way a packet travels, as the state machine distinguishes it (reference §4.6.1).
public enum PacketDirection: Int, Sendable, Hashable, CaseIterable {
    /// Client → director.
    case input = 0
    /// Real server → client, seen by the director (NAT).
    case output = 1
    /// Client → director on an entry that has not seen a reply yet (DR, tunnelling).
    case inputOnly = 2
}

/// The IPVS TCP transition tables, normal (reference §4.6.2) and secure (§4.6.3), kept as data:
/// one row per (direction, event), one column per current state.
public enum TCPStateMachine {
    /// The state after `event` travelling `direction` on an entry in `state`. A segment without
    /// SYN/FIN/ACK/RST (`event == nil`) gives CLOSE.
    public static func next(
        from state: TCPState, event: TCPEvent?, direction: PacketDirection, secure: Bool
    ) -> TCPState {
        guard let event else { return .close }
        let row = direction.rawValue &* 4 &+ event.rawValue
        let table = secure ? secureTable : normalTable
        return table[row &* columns &+ Int(state.rawValue)]
    }

    private static let columns = TCPState.allCases.count

    // Column order: NO ES SS SR FW TW CL CW LA LI SA. Rows: INPUT, OUTPUT, INPUT_ONLY × syn fin ack rst.
    private static let normalTable: ContiguousArray<TCPState> = [
        SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SR,  // INPUT syn
        CL, CW, SS, TW, TW, TW, CL, CW, LA, LI, TW,  // INPUT fin
        ES, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES,  // INPUT ack
        CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, SR,  // INPUT rst
        SS, ES, SS, SR, SS, SS, SS, SS, SS, LI, SR,  // OUTPUT syn
        TW, FW, SS, TW, FW, TW, CL, TW, LA, LI, TW,  // OUTPUT fin
        ES, ES, SS, ES, FW, TW, CL, CW, LA, ES, ES,  // OUTPUT ack
        CL, CL, SS, CL, CL, TW, CL, CL, CL, CL, CL,  // OUTPUT rst
        SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SR,  // INPUT_ONLY syn
        CL, FW, SS, TW, FW, TW, CL, CW, LA, LI, TW,  // INPUT_ONLY fin
        ES, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES,  // INPUT_ONLY ack
        CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, CL,  // INPUT_ONLY rst
    ]

    private static let secureTable: ContiguousArray<TCPState> = [
        SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SA,  // INPUT syn
        CL, CW, SS, TW, TW, TW, CL, CW, LA, LI, SA,  // INPUT fin
        ES, ES, SS, SR, FW, TW, CL, CW, CL, LI, SA,  // INPUT ack
        CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, CL,  // INPUT rst
        SS, ES, SS, SA, SS, SS, SS, SS, SS, LI, SA,  // OUTPUT syn
        TW, FW, SS, TW, FW, TW, CL, TW, LA, LI, TW,  // OUTPUT fin
        ES, ES, SS, ES, FW, TW, CL, CW, LA, ES, ES,  // OUTPUT ack
        CL, CL, SS, CL, CL, TW, CL, CL, CL, CL, CL,  // OUTPUT rst
        SA, ES, ES, SR, SA, SA, SA, SA, SA, SA, SA,  // INPUT_ONLY syn
        CL, FW, SS, TW, FW, TW, CL, CW, LA, LI, TW,  // INPUT_ONLY fin
        ES, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES,  // INPUT_ONLY ack
        CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, CL,  // INPUT_ONLY rst
    ]
}

// The reference's abbreviations, so the tables above read like §4.6.2/§4.6.3.
private let NO = TCPState.none
private let ES = TCPState.established
private let SS = TCPState.synSent
private let SR = TCPState.synRecv
private let FW = TCPState.finWait
private let TW = TCPState.timeWait
private let CL = TCPState.close
private let CW = TCPState.closeWait
private let LA = TCPState.lastAck
private let LI = TCPState.listen
private let SA = TCPState.synAck
