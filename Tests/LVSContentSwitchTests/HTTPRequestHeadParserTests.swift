import Testing

@testable import LVSContentSwitch

@Suite("HTTP request head parser: valid and edge requests")
struct HTTPRequestHeadParserTests {
    @Test("a simple GET is parsed into method, target, path, query, host and headers")
    func simpleGet() throws {
        let input = request("GET /a/b?x=1&y=2 HTTP/1.1", "Host: example.com", "Accept: */*")
        guard case .parsed(let head) = parseWhole(input) else { Issue.record("not parsed"); return }
        #expect(head.method == "GET")
        #expect(head.target == "/a/b?x=1&y=2")
        #expect(head.path == "/a/b")
        #expect(head.query == "x=1&y=2")
        #expect(head.version == .http11)
        #expect(head.host == "example.com")
        #expect(head.headers == ["Host=example.com", "Accept=*/*"])
        #expect(head.framing == .none)
        #expect(head.keepAlive)
        #expect(head.length == input.count)
    }

    struct Case: Sendable, CustomStringConvertible {
        let description: String
        let input: [UInt8]
        let check: @Sendable (ParsedHead) -> Bool
    }

    static let valid: [Case] = [
        Case(description: "HTTP/1.0 without Host closes", input: request("GET / HTTP/1.0")) {
            $0.version == .http10 && !$0.keepAlive && $0.host == nil
        },
        Case(description: "HTTP/1.0 keep-alive", input: request("GET / HTTP/1.0", "Connection: Keep-Alive")) {
            $0.keepAlive
        },
        Case(
            description: "HTTP/1.1 Connection: close", input: request("GET / HTTP/1.1", "Host: a", "Connection: close")
        ) {
            !$0.keepAlive
        },
        Case(
            description: "Connection list with close",
            input: request("GET / HTTP/1.1", "Host: a", "Connection: keep-alive, CLOSE")
        ) { !$0.keepAlive },
        Case(description: "Content-Length", input: request("POST /p HTTP/1.1", "Host: a", "Content-Length: 42")) {
            $0.framing == .contentLength(42)
        },
        Case(
            description: "Content-Length 0 is no body",
            input: request("POST / HTTP/1.1", "Host: a", "Content-Length: 0")
        ) {
            $0.framing == .none
        },
        Case(
            description: "identical duplicate Content-Length",
            input: request("POST / HTTP/1.1", "Host: a", "Content-Length: 7, 7", "content-length: 7")
        ) { $0.framing == .contentLength(7) },
        Case(description: "chunked", input: request("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: chunked")) {
            $0.framing == .chunked
        },
        Case(
            description: "gzip then chunked",
            input: request("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: gzip, Chunked")
        ) {
            $0.framing == .chunked
        },
        Case(
            description: "TE over two fields",
            input: request("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: gzip", "Transfer-Encoding: chunked")
        ) { $0.framing == .chunked },
        Case(
            description: "Expect 100-continue",
            input: request("PUT / HTTP/1.1", "Host: a", "Expect: 100-Continue", "Content-Length: 5")
        ) {
            $0.expectsContinue && $0.framing == .contentLength(5)
        },
        Case(
            description: "WebSocket upgrade",
            input: request("GET /ws HTTP/1.1", "Host: a", "Upgrade: websocket", "Connection: Upgrade")
        ) { $0.upgrade == "websocket" && $0.webSocket },
        Case(
            description: "Upgrade without Connection: upgrade is ignored",
            input: request("GET / HTTP/1.1", "Host: a", "Upgrade: h2c")
        ) {
            $0.upgrade == nil && !$0.webSocket
        },
        Case(
            description: "empty lines before the request line",
            input: bytes("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
        ) {
            $0.method == "GET" && $0.length == 31
        },
        Case(
            description: "value whitespace trimmed, empty value",
            input: request("GET / HTTP/1.1", "Host:  a \t", "X-Empty:")
        ) {
            $0.host == "a" && $0.headers == ["Host=a", "X-Empty="]
        },
        Case(
            description: "obs-text in a value",
            input: [UInt8](bytes("GET / HTTP/1.1\r\nHost: a\r\nX: caf")) + [0xC3, 0xA9] + bytes("\r\n\r\n")
        ) {
            $0.headers.count == 2
        },
        Case(description: "absolute-form target", input: request("GET http://a/b?c HTTP/1.1", "Host: a")) {
            $0.path == "http://a/b" && $0.query == "c"
        },
        Case(description: "empty query", input: request("GET /x? HTTP/1.1", "Host: a")) { $0.query == "" },
        Case(description: "OPTIONS *", input: request("OPTIONS * HTTP/1.1", "Host: a")) { $0.target == "*" },
    ]

    @Test("valid and edge requests", arguments: valid)
    func validRequests(_ c: Case) {
        guard case .parsed(let head) = parseWhole(c.input) else {
            Issue.record("\(c.description): \(parseWhole(c.input))")
            return
        }
        #expect(c.check(head), "\(c.description): \(head)")
    }

    @Test("every valid request parses the same split at every byte, in two pieces and byte by byte", arguments: valid)
    func splitAtEveryByte(_ c: Case) {
        let whole = parseWhole(c.input)
        for cut in 0...c.input.count {
            #expect(parseIncrementally(c.input, cuts: [cut]) == whole, "\(c.description) cut at \(cut)")
        }
        #expect(parseIncrementally(c.input, cuts: Array(0...c.input.count)) == whole)
    }

    @Test("an incomplete head needs more at every prefix")
    func incomplete() {
        let input = request("GET / HTTP/1.1", "Host: a")
        for cut in 0..<input.count {
            #expect(parseWhole(Array(input[0..<cut])) == .needMore, "prefix \(cut)")
        }
    }

    @Test("pipelined requests: the head length points at the next request, and reset parses it")
    func pipelined() {
        let first = request("GET /1 HTTP/1.1", "Host: a")
        let second = request("GET /2 HTTP/1.1", "Host: b")
        var parser = HTTPRequestHeadParser()
        let both = first + second
        let result = both.withUnsafeBytes { parser.parse($0) }
        #expect(result == .complete(headLength: first.count))
        parser.reset()
        let rest = Array(both[first.count...])
        let next = rest.withUnsafeBytes { buffer -> String? in
            guard case .complete = parser.parse(buffer), let host = parser.head.host else { return nil }
            return String(decoding: buffer[host], as: UTF8.self)
        }
        #expect(next == "b")
    }

    @Test("lookup helpers find fields without case")
    func lookups() {
        let input = request("GET / HTTP/1.1", "HOST: a", "cookie: a=1", "Cookie: b=2")
        var parser = HTTPRequestHeadParser()
        input.withUnsafeBytes { buffer in
            #expect(parser.parse(buffer) == .complete(headLength: input.count))
            let cookie = parser.head.firstValue(named: HTTPFieldName.cookie, in: buffer)
            #expect(cookie.map { String(decoding: buffer[$0], as: UTF8.self) } == "a=1")
            var all: [String] = []
            parser.head.forEachValue(named: HTTPFieldName.cookie, in: buffer) {
                all.append(String(decoding: buffer[$0], as: UTF8.self))
            }
            #expect(all == ["a=1", "b=2"])
            #expect(parser.head.firstValue(named: HTTPFieldName.upgrade, in: buffer) == nil)
        }
    }
}
