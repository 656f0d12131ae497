import LVSCore
import Testing

@testable import LVSFTP

// Fixtures: control lines in the wording real servers and clients send (written here from their
// documented formats), each parsed and rewritten, checked byte for byte.

@Suite("FTP control parser: real servers' and clients' lines")
struct FTPControlParserTests {
    // 192.168.100.20, port 50001 = 195 * 256 + 81.
    static let passiveReplies: [(server: String, line: String)] = [
        ("vsftpd", "227 Entering Passive Mode (192,168,100,20,195,81).\r\n"),
        ("proftpd", "227 Entering Passive Mode (192,168,100,20,195,81).\r\n"),
        ("pure-ftpd", "227 Entering Passive Mode (192,168,100,20,195,81)\r\n"),
        ("no parentheses (RFC 959 leaves the text free)", "227 Entering Passive Mode 192,168,100,20,195,81\r\n"),
        ("equals sign, bare LF", "227 =192,168,100,20,195,81\n"),
        ("lower-case text, trailing text", "227 passive (192,168,100,20,195,81) ok\r\n"),
    ]

    @Test("227 replies are read and rewritten to the VIP with the advertised port", arguments: passiveReplies)
    func passiveReply(server: String, line: String) throws {
        let outcome = serverOutcome(line, expecting: .passive)
        guard case .found(let match) = outcome else {
            Issue.record("\(server): \(outcome)")
            return
        }
        #expect(match.message == .passiveReply)
        #expect(match.address == Topology.realServer)
        #expect(match.port == 50001)
        #expect(Array(bytes(line)[match.range]) == bytes("192,168,100,20,195,81"))
        let (rewritten, change) = try FTPControlRewriter.rewritten(
            bytes(line), match: match, address: Topology.vip, port: match.port)
        let expected = line.replacingFirst("192,168,100,20,195,81", with: "203,0,113,1,195,81")
        #expect(rewritten == bytes(expected))
        #expect(change == -3)
    }

    @Test("229 replies of vsftpd and proftpd keep their text; only the port part is rewritten")
    func extendedPassiveReply() throws {
        for line in [
            "229 Entering Extended Passive Mode (|||50001|)\r\n",  // vsftpd, proftpd
            "229 Extended Passive Mode Entered (|||50001|)\r\n",  // pure-ftpd
            "229 EPSV ok (!!!50001!)\r\n",  // another delimiter
        ] {
            guard case .found(let match) = serverOutcome(line, expecting: .extendedPassive) else {
                Issue.record("not found: \(line)")
                continue
            }
            #expect(match.port == 50001)
            #expect(match.addressOmitted)
            #expect(match.address == Topology.realServer)
            let (rewritten, change) = try FTPControlRewriter.rewritten(
                bytes(line), match: match, address: Topology.vip, port: 40000)
            #expect(rewritten == bytes(line.replacingFirst("50001", with: "40000")))
            #expect(change == 0)
        }
    }

    @Test("229 with an address of the connection's family is accepted, as the kernel does")
    func extendedPassiveReplyWithAddress() throws {
        let line = "229 Entering Extended Passive Mode (|1|192.168.100.20|50001|)\r\n"
        guard case .found(let match) = serverOutcome(line, expecting: .extendedPassive) else {
            Issue.record("not found")
            return
        }
        #expect(!match.addressOmitted)
        let (rewritten, change) = try FTPControlRewriter.rewritten(
            bytes(line), match: match, address: Topology.vip, port: 50001)
        #expect(rewritten == bytes("229 Entering Extended Passive Mode (|||50001|)\r\n"))
        #expect(change == -15)
    }

    @Test("lftp's and curl's PORT and EPRT are read, case-insensitively, with the byte range of the text")
    func clientCommands() throws {
        // 198.51.100.2, port 51215 = 200 * 256 + 15.
        let cases: [(String, FTPControlMessage, String)] = [
            ("PORT 198,51,100,2,200,15\r\n", .port, "198,51,100,2,200,15"),  // lftp, curl
            ("port 198,51,100,2,200,15\r\n", .port, "198,51,100,2,200,15"),
            ("PORT  198,51,100,2,200,15\r\n", .port, "198,51,100,2,200,15"),
            ("EPRT |1|198.51.100.2|51215|\r\n", .extendedPort, "|1|198.51.100.2|51215|"),  // lftp, curl
            ("eprt !1!198.51.100.2!51215!\r\n", .extendedPort, "!1!198.51.100.2!51215!"),
        ]
        for (line, message, text) in cases {
            guard case .found(let match) = clientOutcome(line) else {
                Issue.record("not found: \(line)")
                continue
            }
            #expect(match.message == message)
            #expect(match.address == Topology.client)
            #expect(match.port == 51215)
            #expect(Array(bytes(line)[match.range]) == bytes(text))
        }
    }

    @Test("EPRT over IPv6 (lftp on an IPv6 control connection)")
    func extendedPortIPv6() throws {
        let line = "EPRT |2|2001:db8:1::2|51215|\r\n"
        guard case .found(let match) = clientOutcome(line, family: .inet6, client: Topology.client6) else {
            Issue.record("not found")
            return
        }
        #expect(match.address == Topology.client6)
        // The proxy engine rewrites EPRT to its own address; masquerading never does (§6).
        let (rewritten, change) = try FTPControlRewriter.rewritten(
            bytes(line), match: match, address: Topology.vip6, port: 20000)
        #expect(rewritten == bytes("EPRT |2|2001:db8:3::1|20000|\r\n"))
        #expect(change == 0)
        let (toIPv4, _) = try FTPControlRewriter.rewritten(
            bytes(line), match: match, address: Topology.vip, port: 20000)
        #expect(toIPv4 == bytes("EPRT |1|203.0.113.1|20000|\r\n"))
    }

    @Test("PORT rewritten for the proxy engine's view keeps the command word and line end")
    func portRewrite() throws {
        let line = "PORT 198,51,100,2,200,15\r\n"
        guard case .found(let match) = clientOutcome(line) else {
            Issue.record("not found")
            return
        }
        let (rewritten, change) = try FTPControlRewriter.rewritten(
            bytes(line), match: match, address: Topology.realServer, port: 20)
        #expect(rewritten == bytes("PORT 192,168,100,20,0,20\r\n"))
        #expect(change == 0)
    }

    @Test("other commands and replies are not ours: nil, nothing counted")
    func otherLines() {
        for line in ["USER anonymous\r\n", "PORTS\r\n", "EPRTX |1|1.2.3.4|5|\r\n", "LIST\r\n", ""] {
            #expect(clientOutcome(line) == ParseOutcome.none, "\(line)")
        }
        for line in ["150 Here comes the directory listing.\r\n", "227-multi\r\n", "22"] {
            let outcome = serverOutcome(line, expecting: .passive)
            #expect(outcome == .none || outcome == .refused(.splitAcrossSegments), "\(line)")
        }
        #expect(serverOutcome("150 ok\r\n", expecting: .extendedPassive) == ParseOutcome.none)
        // A 227 only counts when a 227 is expected, and a 229 when a 229 is.
        #expect(serverOutcome("229 (|||50001|)\r\n", expecting: .passive) == ParseOutcome.none)
        #expect(serverOutcome("227 (192,168,100,20,195,81)\r\n", expecting: .extendedPassive) == ParseOutcome.none)
    }

    @Test("only a message at the start of the segment is read, as in the kernel")
    func notAtStart() {
        #expect(clientOutcome("TYPE I\r\nPORT 198,51,100,2,200,15\r\n") == ParseOutcome.none)
        #expect(serverOutcome("200 ok\r\n227 (192,168,100,20,195,81)\r\n", expecting: .passive) == ParseOutcome.none)
    }

    @Test("PASV and EPSV requests are found anywhere in the segment, per family")
    func passiveRequests() {
        #expect(FTPControlParser.passiveRequest(in: bytes("PASV\r\n"), family: .inet) == .passive)
        #expect(FTPControlParser.passiveRequest(in: bytes("TYPE I\r\npasv\r\n"), family: .inet) == .passive)
        #expect(FTPControlParser.passiveRequest(in: bytes("PASV\r\n"), family: .inet6) == nil)
        #expect(FTPControlParser.passiveRequest(in: bytes("EPSV\r\n"), family: .inet) == .extendedPassive)
        #expect(FTPControlParser.passiveRequest(in: bytes("EPSV 1\r\n"), family: .inet) == .extendedPassive)
        #expect(FTPControlParser.passiveRequest(in: bytes("EPSV 2\r\n"), family: .inet6) == .extendedPassive)
        #expect(FTPControlParser.passiveRequest(in: bytes("EPSV 2\r\n"), family: .inet) == nil)
        #expect(FTPControlParser.passiveRequest(in: bytes("EPSV ALL\r\n"), family: .inet) == nil)
        #expect(FTPControlParser.passiveRequest(in: bytes("EPSV"), family: .inet) == nil)
        #expect(FTPControlParser.passiveRequest(in: bytes("EPSV 1"), family: .inet) == nil)
        #expect(FTPControlParser.passiveRequest(in: bytes("LIST\r\n"), family: .inet) == nil)
    }
}

extension String {
    /// The string with the first occurrence of `target` replaced (tests only; no Foundation).
    func replacingFirst(_ target: String, with replacement: String) -> String {
        let characters = Array(self)
        let pattern = Array(target)
        guard pattern.count <= characters.count else { return self }
        for start in 0...(characters.count - pattern.count)
        where Array(characters[start..<start + pattern.count]) == pattern {
            return String(characters[..<start]) + replacement + String(characters[(start + pattern.count)...])
        }
        return self
    }
}
