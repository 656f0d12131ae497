import Testing

@testable import LVSCore

/// Every cell of both transition tables, checked against the reference's tables (§4.6.2, §4.6.3)
/// kept here as their original text.
@Suite struct TCPStateMachineTests {
    static let normalText = """
        INPUT syn | SR | ES | ES | SR | SR | SR | SR | SR | SR | SR | SR
        INPUT fin | CL | CW | SS | TW | TW | TW | CL | CW | LA | LI | TW
        INPUT ack | ES | ES | SS | ES | FW | TW | CL | CW | CL | LI | ES
        INPUT rst | CL | CL | CL | SR | CL | CL | CL | CL | LA | LI | SR
        OUTPUT syn | SS | ES | SS | SR | SS | SS | SS | SS | SS | LI | SR
        OUTPUT fin | TW | FW | SS | TW | FW | TW | CL | TW | LA | LI | TW
        OUTPUT ack | ES | ES | SS | ES | FW | TW | CL | CW | LA | ES | ES
        OUTPUT rst | CL | CL | SS | CL | CL | TW | CL | CL | CL | CL | CL
        INPUT_ONLY syn | SR | ES | ES | SR | SR | SR | SR | SR | SR | SR | SR
        INPUT_ONLY fin | CL | FW | SS | TW | FW | TW | CL | CW | LA | LI | TW
        INPUT_ONLY ack | ES | ES | SS | ES | FW | TW | CL | CW | CL | LI | ES
        INPUT_ONLY rst | CL | CL | CL | SR | CL | CL | CL | CL | LA | LI | CL
        """

    static let secureText = """
        INPUT syn | SR | ES | ES | SR | SR | SR | SR | SR | SR | SR | SA
        INPUT fin | CL | CW | SS | TW | TW | TW | CL | CW | LA | LI | SA
        INPUT ack | ES | ES | SS | SR | FW | TW | CL | CW | CL | LI | SA
        INPUT rst | CL | CL | CL | SR | CL | CL | CL | CL | LA | LI | CL
        OUTPUT syn | SS | ES | SS | SA | SS | SS | SS | SS | SS | LI | SA
        OUTPUT fin | TW | FW | SS | TW | FW | TW | CL | TW | LA | LI | TW
        OUTPUT ack | ES | ES | SS | ES | FW | TW | CL | CW | LA | ES | ES
        OUTPUT rst | CL | CL | SS | CL | CL | TW | CL | CL | CL | CL | CL
        INPUT_ONLY syn | SA | ES | ES | SR | SA | SA | SA | SA | SA | SA | SA
        INPUT_ONLY fin | CL | FW | SS | TW | FW | TW | CL | CW | LA | LI | TW
        INPUT_ONLY ack | ES | ES | SS | ES | FW | TW | CL | CW | CL | LI | ES
        INPUT_ONLY rst | CL | CL | CL | SR | CL | CL | CL | CL | LA | LI | CL
        """

    static let abbreviations: [String: TCPState] = [
        "NO": .none, "ES": .established, "SS": .synSent, "SR": .synRecv, "FW": .finWait, "TW": .timeWait,
        "CL": .close, "CW": .closeWait, "LA": .lastAck, "LI": .listen, "SA": .synAck,
    ]
    static let directions: [String: PacketDirection] = ["INPUT": .input, "OUTPUT": .output, "INPUT_ONLY": .inputOnly]
    static let events: [String: TCPEvent] = ["syn": .syn, "fin": .fin, "ack": .ack, "rst": .rst]

    /// Checks all 132 cells of one table; returns how many were checked.
    func checkEveryCell(_ text: String, secure: Bool) throws -> Int {
        var checked = 0
        for line in text.split(separator: "\n") {
            let cells = line.split(separator: "|").map { $0.trimmingCharactersSpaces() }
            let head = cells[0].split(separator: " ")
            let direction = try #require(Self.directions[String(head[0])])
            let event = try #require(Self.events[String(head[1])])
            #expect(cells.count == 12)
            for (column, state) in TCPState.allCases.enumerated() {
                let expected = try #require(Self.abbreviations[cells[column + 1]])
                let got = TCPStateMachine.next(from: state, event: event, direction: direction, secure: secure)
                #expect(got == expected, "\(line): \(state.name) → \(got.name), expected \(expected.name)")
                checked += 1
            }
        }
        return checked
    }

    @Test func normalTableEveryCell() throws {
        #expect(try checkEveryCell(Self.normalText, secure: false) == 132)
    }

    @Test func secureTableEveryCell() throws {
        #expect(try checkEveryCell(Self.secureText, secure: true) == 132)
    }

    @Test func eventPriorityIsRstSynFinAck() {
        #expect(TCPEvent(flags: [.rst, .syn, .fin, .ack]) == .rst)
        #expect(TCPEvent(flags: [.syn, .ack]) == .syn)
        #expect(TCPEvent(flags: [.fin, .ack]) == .fin)
        #expect(TCPEvent(flags: [.ack]) == .ack)
        #expect(TCPEvent(flags: []) == nil)
        // A segment with none of the flags closes the entry from any state.
        for state in TCPState.allCases {
            #expect(TCPStateMachine.next(from: state, event: nil, direction: .input, secure: false) == .close)
        }
    }

    @Test func stateNamesAsListed() {
        #expect(
            TCPState.allCases.map(\.name) == [
                "NONE", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT", "TIME_WAIT", "CLOSE", "CLOSE_WAIT",
                "LAST_ACK", "LISTEN", "SYNACK",
            ])
        #expect(TCPState.allCases.filter(\.isActive) == [.established, .synSent, .synRecv, .synAck])
        #expect(
            SCTPState.allCases.map(\.name) == [
                "NONE", "INIT1", "INIT", "C-SENT", "C-REPLIED", "C-WAIT", "COOKIE", "C-ECHOED", "ESTABLISHED",
                "S-SENT", "S-RECEIVED", "S-ACK-SENT", "REJECTED", "CLOSED",
            ])
    }

    @Test func defaultTimeoutsOfEveryState() {
        let t = ProtocolTimeouts()
        #expect(TCPState.allCases.map { t.tcp($0) } == [2, 900, 120, 60, 120, 120, 10, 60, 30, 120, 120])
        #expect(t.udp == 300)
        #expect(SCTPState.allCases.map { t.sctp($0) } == [2, 4, 61, 61, 61, 61, 61, 61, 900, 61, 61, 61, 4, 61])
        let set = ProtocolTimeouts(settings: TimeoutSettings(tcpEstablished: 3600, tcpFinWait: 30, udp: 45))
        #expect(set.tcp(.established) == 3600)
        #expect(set.tcp(.finWait) == 30)
        #expect(set.udp == 45)
        #expect(set.tcp(.timeWait) == 120)
    }
}

extension Substring {
    fileprivate func trimmingCharactersSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
