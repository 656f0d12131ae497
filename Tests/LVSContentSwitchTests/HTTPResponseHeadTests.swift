import LVSContentSwitch
import Testing

/// The proxy's minimal response framing (docs/design/0019): a table of heads to framing and
/// keep-alive, every prefix of a head is "need more", and malformed heads throw.
@Suite("HTTPResponseHead")
struct HTTPResponseHeadTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var text: String
        var head = false
        var status: Int
        var framing: HTTPResponseFraming
        var keepAlive: Bool
        var testDescription: String { text.split(separator: "\r\n").joined(separator: " | ") }
    }

    static let cases: [Case] = [
        Case(
            text: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", status: 200, framing: .contentLength(5),
            keepAlive: true),
        Case(text: "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", status: 200, framing: .none, keepAlive: true),
        Case(
            text: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", status: 200, framing: .chunked,
            keepAlive: true),
        Case(
            text: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", status: 200, framing: .untilClose,
            keepAlive: false),
        Case(text: "HTTP/1.1 200 OK\r\n\r\n", status: 200, framing: .untilClose, keepAlive: false),
        Case(
            text: "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", head: true, status: 200, framing: .none,
            keepAlive: true),
        Case(text: "HTTP/1.1 204 No Content\r\n\r\n", status: 204, framing: .none, keepAlive: true),
        Case(
            text: "HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n", status: 304, framing: .none, keepAlive: true
        ),
        Case(text: "HTTP/1.1 100 Continue\r\n\r\n", status: 100, framing: .none, keepAlive: true),
        Case(
            text: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", status: 101,
            framing: .none, keepAlive: true),
        Case(
            text: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n", status: 200,
            framing: .contentLength(2), keepAlive: false),
        Case(
            text: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n", status: 200, framing: .contentLength(2),
            keepAlive: false),
        Case(
            text: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n", status: 200,
            framing: .contentLength(2), keepAlive: true),
        Case(
            text: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n", status: 200,
            framing: .contentLength(3), keepAlive: true),
    ]

    @Test("framing and keep-alive", arguments: cases)
    func framing(_ c: Case) throws {
        let bytes = Array(c.text.utf8)
        let head = try bytes.withUnsafeBytes { try HTTPResponseHead.parse($0, requestMethodIsHead: c.head) }
        #expect(head?.status == c.status)
        #expect(head?.framing == c.framing)
        #expect(head?.keepAlive == c.keepAlive)
        #expect(head?.length == bytes.count)
        #expect(head?.endOfFields == bytes.count - 2)
        // Every strict prefix needs more bytes.
        for cut in 0..<bytes.count {
            let prefix = Array(bytes[0..<cut])
            #expect(try prefix.withUnsafeBytes { try HTTPResponseHead.parse($0, requestMethodIsHead: c.head) } == nil)
        }
    }

    @Test(
        "malformed heads are refused",
        arguments: [
            ("HTTP/2.0 200 OK\r\n\r\n", HTTPResponseRefusal.malformedStatusLine),
            ("HTTP/1.1 2x0 OK\r\n\r\n", .malformedStatusLine),
            ("SIP/2.0 200 OK\r\n\r\n", .malformedStatusLine),
            ("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", .malformedField),
            ("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", .invalidContentLength),
            ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", .invalidContentLength),
        ])
    func refused(_ text: String, _ refusal: HTTPResponseRefusal) {
        #expect(throws: refusal) {
            try Array(text.utf8).withUnsafeBytes { try HTTPResponseHead.parse($0, requestMethodIsHead: false) }
        }
    }

    @Test("random bytes never crash the parser, and a head without an end is bounded")
    func fuzz() throws {
        var generator = SeededGenerator(seed: 14)
        let alphabet = Array("HTTP/1.1 200 OK\r\n:Content-Length: chunked 0123456789\r\n".utf8)
        for _ in 0..<2000 {
            let count = Int(generator.next() % 120)
            let bytes = (0..<count).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            _ = try? bytes.withUnsafeBytes { try HTTPResponseHead.parse($0, requestMethodIsHead: false) }
        }
        let endless = Array(("HTTP/1.1 200 OK\r\n" + String(repeating: "X-A: b\r\n", count: 9000)).utf8)
        #expect(throws: HTTPResponseRefusal.headTooLarge) {
            try endless.withUnsafeBytes { try HTTPResponseHead.parse($0, requestMethodIsHead: false) }
        }
    }
}
