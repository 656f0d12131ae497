import LVSCore
import Testing

@testable import LVSFTP

@Suite("FTP control parser: hostile and split lines are refused with a reason")
struct FTPHostileLineTests {
    static let clientCases: [(line: String, reason: FTPParseRefusal)] = [
        ("PORT 198,51,100,2,999,15\r\n", .numberOutOfRange),
        ("PORT 198,51,100,2,1000,15\r\n", .numberOutOfRange),
        ("PORT 198,51,100,2,99999999999999999999999,15\r\n", .numberOutOfRange),
        ("PORT 198,51,100,2,-1,15\r\n", .malformedNumber),
        ("PORT -198,51,100,2,200,15\r\n", .malformedNumber),
        ("PORT 198,51,1O0,2,200,15\r\n", .wrongFieldCount),
        ("PORT 198,51,,2,200,15\r\n", .malformedNumber),
        ("PORT 198,051,100,2,200,15\r\n", .leadingZero),
        ("PORT 198,51,100,2,200\r\n", .wrongFieldCount),
        ("PORT 198,51,100,2,200,15,7\r\n", .wrongFieldCount),
        ("PORT 198,51,100,2,0,0\r\n", .zeroPort),
        ("PORT\r\n", .missingSeparator),
        ("PORT,198,51,100,2,200,15\r\n", .missingSeparator),
        ("PORT 10,0,0,99,200,15\r\n", .addressMismatch),  // names another host: FTP bounce
        ("EPRT |1|10.0.0.99|51215|\r\n", .addressMismatch),
        ("EPRT |2|198.51.100.2|51215|\r\n", .wrongFamily),  // family 2 on an IPv4 connection
        ("EPRT |3|198.51.100.2|51215|\r\n", .unknownFamily),
        ("EPRT |1|198.51.100.2|51215!\r\n", .delimiterMismatch),
        ("EPRT |1!198.51.100.2!51215!\r\n", .delimiterMismatch),
        ("EPRT |1|198.51.100.2|51215\r\n", .missingDelimiter),
        ("EPRT |1|198.51.100.2\r\n", .missingDelimiter),
        ("EPRT |||51215|\r\n", .missingAddress),
        ("EPRT |1|198.51.100|51215|\r\n", .malformedAddress),
        ("EPRT |1|198.51.100.02|51215|\r\n", .malformedAddress),
        ("EPRT |1|198.51.100.2|65536|\r\n", .numberOutOfRange),
        ("EPRT |1|198.51.100.2|0|\r\n", .zeroPort),
        ("EPRT |1|198.51.100.2|051215|\r\n", .numberOutOfRange),
        ("EPRT |1|198.51.100.2|05121|\r\n", .leadingZero),
        ("EPRT |1|198.51.100.2||\r\n", .malformedNumber),
        ("EPRT \u{7F}1\u{7F}198.51.100.2\u{7F}51215\u{7F}\r\n", .invalidDelimiter),
        ("EPRT  \r\n", .missingDelimiter),
        // Split across segments: the segment ends before the line does (IPVS forwards these).
        ("POR", .splitAcrossSegments),
        ("port 198,51,100,2,", .splitAcrossSegments),
        ("PORT 198,51,100,2,200,15", .splitAcrossSegments),
        ("EPRT |1|198.51.100.2|512", .splitAcrossSegments),
        ("EP", .splitAcrossSegments),
    ]

    @Test("client commands", arguments: clientCases)
    func clientCommand(line: String, reason: FTPParseRefusal) {
        #expect(clientOutcome(line) == .refused(reason), "\(line.debugDescription)")
    }

    @Test("EPRT family 2 with an IPv4 address on an IPv6 connection; PORT on IPv6")
    func familyMismatches() {
        let v6 = { (line: String) in clientOutcome(line, family: .inet6, client: Topology.client6) }
        #expect(v6("EPRT |2|198.51.100.2|51215|\r\n") == .refused(.malformedAddress))
        #expect(v6("EPRT |1|198.51.100.2|51215|\r\n") == .refused(.wrongFamily))
        #expect(v6("EPRT |2|2001:db8:1::2::3|51215|\r\n") == .refused(.malformedAddress))
        #expect(v6("EPRT |2|2001:db8:1::zz|51215|\r\n") == .refused(.malformedAddress))
        #expect(v6("EPRT |2|2001:db8:1::99|51215|\r\n") == .refused(.addressMismatch))
        #expect(v6("PORT 198,51,100,2,200,15\r\n") == .refused(.wrongFamily))
    }

    @Test("the address check can be relaxed to the kernel's (no check)")
    func relaxedPolicy() {
        guard case .found(let match) = clientOutcome("PORT 10,0,0,99,200,15\r\n", policy: .any) else {
            Issue.record("refused under .any")
            return
        }
        #expect(match.address == IPAddress(ipv4: 0x0A00_0063))
        #expect(
            serverOutcome("227 (10,0,0,99,195,81)\r\n", expecting: .passive, policy: .any) != .refused(.addressMismatch)
        )
    }

    static let serverCases: [(line: String, request: FTPPassiveRequest, reason: FTPParseRefusal)] = [
        ("227 Entering Passive Mode (192,168,100,20,999,81).\r\n", .passive, .numberOutOfRange),
        ("227 Entering Passive Mode (192,168,100,20,-1,81).\r\n", .passive, .malformedNumber),
        ("227 Entering Passive Mode (192,168,100,20,195).\r\n", .passive, .wrongFieldCount),
        ("227 Entering Passive Mode (10,0,0,99,195,81).\r\n", .passive, .addressMismatch),
        ("227 Entering Passive Mode.\r\n", .passive, .missingSeparator),
        ("227 Entering Passive Mode (192,168,100,20,195,81).", .passive, .splitAcrossSegments),
        ("227 Entering Passive Mode (192,168", .passive, .splitAcrossSegments),
        ("22", .passive, .splitAcrossSegments),
        ("229 Entering Extended Passive Mode |||50001|\r\n", .extendedPassive, .missingSeparator),
        ("229 Entering Extended Passive Mode (|||50001!)\r\n", .extendedPassive, .delimiterMismatch),
        ("229 Entering Extended Passive Mode (||50001|)\r\n", .extendedPassive, .delimiterMismatch),
        ("229 Entering Extended Passive Mode (|||70000|)\r\n", .extendedPassive, .numberOutOfRange),
        ("229 Entering Extended Passive Mode (|||0|)\r\n", .extendedPassive, .zeroPort),
        ("229 Entering Extended Passive Mode (|||abc|)\r\n", .extendedPassive, .malformedNumber),
        ("229 Entering Extended Passive Mode ( |||50001|)\r\n", .extendedPassive, .invalidDelimiter),
        ("229 Entering Extended Passive Mode (|2|2001:db8::1|50001|)\r\n", .extendedPassive, .wrongFamily),
        ("229 Entering Extended Passive Mode (|1|10.0.0.99|50001|)\r\n", .extendedPassive, .addressMismatch),
        ("229 Entering Extended Passive Mode (|||50001", .extendedPassive, .splitAcrossSegments),
    ]

    @Test("server replies", arguments: serverCases)
    func serverReply(line: String, request: FTPPassiveRequest, reason: FTPParseRefusal) {
        #expect(serverOutcome(line, expecting: request) == .refused(reason), "\(line.debugDescription)")
    }

    @Test("227 on an IPv6 control connection is the wrong family")
    func passiveReplyOnIPv6() {
        #expect(
            serverOutcome(
                "227 (192,168,100,20,195,81)\r\n", expecting: .passive, family: .inet6, server: Topology.realServer6)
                == .refused(.wrongFamily))
    }

    @Test("overlong lines: refused past the bound with or without a line end; up to it accepted")
    func overlongLines() {
        let bound = FTPControlParser.maximumLineLength
        let padding = String(repeating: "x", count: bound)
        #expect(serverOutcome("227 " + padding, expecting: .passive) == .refused(.lineTooLong))
        #expect(serverOutcome("227 " + padding + "\r\n", expecting: .passive) == .refused(.lineTooLong))
        #expect(
            clientOutcome("PORT " + String(repeating: " ", count: bound) + "198,51,100,2,200,15\r\n")
                == .refused(.lineTooLong))
        // Exactly the bound, then CRLF: read.
        let tuple = "(192,168,100,20,195,81)"
        let fitting = "227 " + String(repeating: "x", count: bound - 4 - tuple.count) + tuple
        #expect(fitting.utf8.count == bound)
        guard case .found = serverOutcome(fitting + "\r\n", expecting: .passive) else {
            Issue.record("a line of exactly the bound was refused")
            return
        }
        // A shorter segment without a line end is a split, not an overlong line.
        #expect(
            serverOutcome("227 " + String(repeating: "x", count: 100), expecting: .passive)
                == .refused(.splitAcrossSegments))
    }

    @Test("the helper counts each refusal by reason, forwards the segment, and keeps expecting the reply")
    func helperCounts() {
        var helper = FTPControlHelper(
            family: .inet, clientAddress: Topology.client, virtualAddress: Topology.vip,
            serverAddress: Topology.realServer)
        #expect(helper.clientSegment(bytes("PORT 198,51,100,2,200,")) == .forward)
        #expect(helper.clientSegment(bytes("PORT 10,0,0,99,200,15\r\n")) == .forward)
        #expect(helper.clientSegment(bytes("PASV\r\n")) == .passiveRequested(.passive))
        #expect(helper.serverSegment(bytes("227 Entering Passive Mode (192,168,100,20,999,81)\r\n")) == .forward)
        #expect(helper.expectedReply == .passive)
        #expect(helper.refusals[.splitAcrossSegments] == 1)
        #expect(helper.refusals[.addressMismatch] == 1)
        #expect(helper.refusals[.numberOutOfRange] == 1)
        #expect(helper.refusals.total == 3)
        #expect(FTPParseRefusal.splitAcrossSegments.name == "split_across_segments")
        #expect(Set(FTPParseRefusal.allCases.map(\.name)).count == FTPParseRefusal.allCases.count)
    }
}
