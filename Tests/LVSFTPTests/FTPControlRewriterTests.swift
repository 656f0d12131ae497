import LVSCore
import Testing

@testable import LVSFTP

@Suite("FTP control rewriter: caller buffers")
struct FTPControlRewriterTests {
    static let line = bytes("227 Entering Passive Mode (192,168,100,20,195,81).\r\n")

    static func match() -> FTPAddressPort? {
        guard case .found(let match) = serverOutcome(String(decoding: line, as: UTF8.self), expecting: .passive)
        else { return nil }
        return match
    }

    @Test("writes into a buffer of exactly the needed size and reports the length change")
    func exactBuffer() throws {
        let match = try #require(Self.match())
        let expected = bytes("227 Entering Passive Mode (203,0,113,1,4,1).\r\n")
        var output = [UInt8](repeating: 0xEE, count: expected.count)
        let result = try output.withUnsafeMutableBytes { out in
            try FTPControlRewriter.rewrite(Self.line, match: match, address: Topology.vip, port: 1025, into: out)
        }
        #expect(result == FTPRewriteResult(length: expected.count, lengthChange: expected.count - Self.line.count))
        #expect(output == expected)
    }

    @Test("a buffer one byte short is refused, not overrun")
    func shortBuffer() throws {
        let match = try #require(Self.match())
        let needed = bytes("227 Entering Passive Mode (203,0,113,1,4,1).\r\n").count
        var output = [UInt8](repeating: 0, count: needed + 1)
        #expect(throws: FTPRewriteError.outputTooSmall) {
            try output.withUnsafeMutableBytes { out in
                try FTPControlRewriter.rewrite(
                    Self.line, match: match, address: Topology.vip, port: 1025,
                    into: UnsafeMutableRawBufferPointer(rebasing: out[0..<needed - 1]))
            }
        }
        #expect(output[needed] == 0)
    }

    @Test("PORT/227 cannot carry IPv6; a range outside the payload is refused")
    func refusals() throws {
        let match = try #require(Self.match())
        #expect(throws: FTPRewriteError.addressFamilyNotRepresentable) {
            try FTPControlRewriter.rewritten(Self.line, match: match, address: Topology.vip6, port: 1)
        }
        var outside = match
        outside.range = 10..<(Self.line.count + 1)
        #expect(throws: FTPRewriteError.rangeOutsidePayload) {
            try FTPControlRewriter.rewritten(Self.line, match: outside, address: Topology.vip, port: 1)
        }
    }

    @Test("the helper's passive reply action carries the VIP; the rewrite plus adjuster keep the stream whole")
    func helperEndToEnd() throws {
        var helper = FTPControlHelper(
            family: .inet, clientAddress: Topology.client, virtualAddress: Topology.vip,
            serverAddress: Topology.realServer)
        #expect(helper.clientSegment(bytes("PASV\r\n")) == .passiveRequested(.passive))
        guard case .passiveReply(let advertised, let replacement) = helper.serverSegment(Self.line) else {
            Issue.record("no passive reply")
            return
        }
        #expect(helper.expectedReply == nil)
        #expect(replacement == Topology.vip)
        let (payload, change) = try FTPControlRewriter.rewritten(
            Self.line, match: advertised, address: replacement, port: advertised.port)
        #expect(payload == bytes("227 Entering Passive Mode (203,0,113,1,195,81).\r\n"))
        var adjusters = ConnectionSequenceAdjusters()
        let numbers = adjusters.serverSegment(sequence: 7000, acknowledgement: 300, lengthChange: Int32(change))
        #expect(numbers.sequence == 7000)
        let next = adjusters.serverSegment(sequence: 7000 + UInt32(Self.line.count), acknowledgement: 306)
        #expect(next.sequence == 7000 + UInt32(payload.count))
        // Active mode: the PORT names the client, the payload is not modified (reference §6).
        #expect(
            helper.clientSegment(bytes("PORT 198,51,100,2,200,15\r\n"))
                == .activeDataConnection(address: Topology.client, port: 51215))
        // Without a passive request a 227 is not read.
        #expect(helper.serverSegment(Self.line) == .forward)
    }
}
