import Testing

@testable import LVSContentSwitch

@Suite("HTTP request head parser: malicious and over-limit requests")
struct HTTPRequestRefusalTests {
    struct Case: Sendable, CustomStringConvertible {
        let description: String
        let input: [UInt8]
        let refusal: HTTPRequestRefusal
        let status: Int
    }

    static let limits = HTTPParserLimits(maximumRequestLineLength: 64, maximumHeaderCount: 4, maximumHeadLength: 200)

    static let cases: [Case] = [
        Case(
            description: "CL and TE",
            input: request("POST / HTTP/1.1", "Host: a", "Content-Length: 5", "Transfer-Encoding: chunked"),
            refusal: .contentLengthWithTransferEncoding, status: 400),
        Case(
            description: "TE and CL",
            input: request("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: chunked", "Content-Length: 5"),
            refusal: .contentLengthWithTransferEncoding, status: 400),
        Case(
            description: "conflicting CL fields",
            input: request("POST / HTTP/1.1", "Host: a", "Content-Length: 5", "Content-Length: 6"),
            refusal: .conflictingContentLength, status: 400),
        Case(
            description: "conflicting CL list", input: request("POST / HTTP/1.1", "Host: a", "Content-Length: 5, 6"),
            refusal: .conflictingContentLength, status: 400),
        Case(
            description: "signed CL", input: request("POST / HTTP/1.1", "Host: a", "Content-Length: +5"),
            refusal: .invalidContentLength, status: 400),
        Case(
            description: "hex CL", input: request("POST / HTTP/1.1", "Host: a", "Content-Length: 0x10"),
            refusal: .invalidContentLength, status: 400),
        Case(
            description: "empty CL", input: request("POST / HTTP/1.1", "Host: a", "Content-Length:"),
            refusal: .invalidContentLength, status: 400),
        Case(
            description: "CL overflow",
            input: request("POST / HTTP/1.1", "Host: a", "Content-Length: 99999999999999999999"),
            refusal: .invalidContentLength, status: 400),
        Case(
            description: "TE chunked not last",
            input: request("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: chunked, gzip"),
            refusal: .unsupportedTransferEncoding, status: 400),
        Case(
            description: "TE chunked twice",
            input: request("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: chunked, chunked"),
            refusal: .unsupportedTransferEncoding, status: 400),
        Case(
            description: "TE identity", input: request("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: identity"),
            refusal: .unsupportedTransferEncoding, status: 400),
        Case(
            description: "TE with junk", input: request("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: xchunked"),
            refusal: .unsupportedTransferEncoding, status: 400),
        Case(
            description: "TE in 1.0", input: request("POST / HTTP/1.0", "Transfer-Encoding: chunked"),
            refusal: .transferEncodingInHTTP10, status: 400),
        Case(
            description: "space before colon",
            input: request("POST / HTTP/1.1", "Host: a", "Transfer-Encoding : chunked"), refusal: .invalidHeaderName,
            status: 400),
        Case(
            description: "obs-fold", input: request("GET / HTTP/1.1", "Host: a", "X: 1", " 2"),
            refusal: .obsoleteLineFolding, status: 400),
        Case(
            description: "fold on first field", input: request("GET / HTTP/1.1", "\tHost: a"),
            refusal: .obsoleteLineFolding, status: 400),
        Case(
            description: "bare LF end", input: bytes("GET / HTTP/1.1\nHost: a\n\n"), refusal: .bareLineFeed, status: 400
        ),
        Case(
            description: "bare LF in field", input: bytes("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n"),
            refusal: .bareLineFeed, status: 400),
        Case(
            description: "bare CR in value", input: bytes("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n"),
            refusal: .bareCarriageReturn, status: 400),
        Case(
            description: "bare CR in target", input: bytes("GET /\r HTTP/1.1\r\nHost: a\r\n\r\n"),
            refusal: .bareCarriageReturn, status: 400),
        Case(
            description: "NUL in value", input: bytes("GET / HTTP/1.1\r\nHost: a\u{0}b\r\n\r\n"),
            refusal: .invalidHeaderValue, status: 400),
        Case(
            description: "DEL in value", input: bytes("GET / HTTP/1.1\r\nHost: a\u{7F}\r\n\r\n"),
            refusal: .invalidHeaderValue, status: 400),
        Case(
            description: "no colon", input: request("GET / HTTP/1.1", "Host: a", "Junk"), refusal: .missingColon,
            status: 400),
        Case(
            description: "empty name", input: request("GET / HTTP/1.1", "Host: a", ": v"), refusal: .invalidHeaderName,
            status: 400),
        Case(
            description: "bad name char", input: request("GET / HTTP/1.1", "Host: a", "X(y): v"),
            refusal: .invalidHeaderName, status: 400),
        Case(
            description: "bad method", input: request("G@T / HTTP/1.1", "Host: a"), refusal: .invalidMethod, status: 400
        ),
        Case(
            description: "two spaces", input: request("GET  / HTTP/1.1", "Host: a"), refusal: .malformedRequestLine,
            status: 400),
        Case(
            description: "no version", input: request("GET /", "Host: a"), refusal: .malformedRequestLine, status: 400),
        Case(description: "HTTP/0.9 style", input: bytes("GET /\r\n\r\n"), refusal: .malformedRequestLine, status: 400),
        Case(
            description: "lower-case version", input: request("GET / http/1.1", "Host: a"), refusal: .malformedVersion,
            status: 400),
        Case(
            description: "trailing space after version", input: request("GET / HTTP/1.1 ", "Host: a"),
            refusal: .malformedVersion, status: 400),
        Case(
            description: "HTTP/2.0", input: request("GET / HTTP/2.0", "Host: a"), refusal: .unsupportedVersion,
            status: 505),
        Case(
            description: "HTTP/1.2", input: request("GET / HTTP/1.2", "Host: a"), refusal: .unsupportedVersion,
            status: 505),
        Case(
            description: "non-ASCII target", input: bytes("GET /\u{E9} HTTP/1.1\r\nHost: a\r\n\r\n"),
            refusal: .invalidTarget, status: 400),
        Case(
            description: "tab in target", input: request("GET /a\tb HTTP/1.1", "Host: a"), refusal: .invalidTarget,
            status: 400),
        Case(
            description: "1.1 without Host", input: request("GET / HTTP/1.1", "X: a"), refusal: .invalidHost,
            status: 400),
        Case(
            description: "two Hosts", input: request("GET / HTTP/1.1", "Host: a", "Host: b"), refusal: .invalidHost,
            status: 400),
        Case(
            description: "Expect other", input: request("GET / HTTP/1.1", "Host: a", "Expect: 200-ok"),
            refusal: .unsupportedExpectation, status: 417),
        Case(
            description: "request line too long",
            input: request("GET /" + String(repeating: "a", count: 60) + " HTTP/1.1", "Host: a"),
            refusal: .requestLineTooLong, status: 414),
        Case(
            description: "too many headers",
            input: request("GET / HTTP/1.1", "Host: a", "A: 1", "B: 2", "C: 3", "D: 4"), refusal: .tooManyHeaders,
            status: 431),
        Case(
            description: "head too large",
            input: request("GET / HTTP/1.1", "Host: a", "A: " + String(repeating: "x", count: 200)),
            refusal: .headTooLarge, status: 431),
        Case(
            description: "unterminated huge field",
            input: bytes("GET / HTTP/1.1\r\nHost: a\r\nA: " + String(repeating: "x", count: 300)),
            refusal: .headTooLarge, status: 431),
        Case(
            description: "unterminated huge request line", input: bytes("GET /" + String(repeating: "x", count: 300)),
            refusal: .requestLineTooLong, status: 414),
        Case(
            description: "endless empty lines", input: bytes(String(repeating: "\r\n", count: 150)),
            refusal: .headTooLarge, status: 431),
    ]

    @Test("each malicious or over-limit request is refused with its reason and status", arguments: cases)
    func refused(_ c: Case) {
        #expect(parseWhole(c.input, limits: Self.limits) == .refused(c.refusal), "\(c.description)")
        #expect(c.refusal.statusCode == c.status)
    }

    @Test("refusals are the same however the request is split", arguments: cases)
    func refusedSplit(_ c: Case) {
        let whole = parseWhole(c.input, limits: Self.limits)
        for cut in 0...c.input.count {
            #expect(parseIncrementally(c.input, cuts: [cut], limits: Self.limits) == whole, "\(c.description) @\(cut)")
        }
        #expect(parseIncrementally(c.input, cuts: Array(0...c.input.count), limits: Self.limits) == whole)
    }

    @Test("a refused parser stays refused until reset")
    func sticky() {
        var parser = HTTPRequestHeadParser()
        let bad = bytes("GET / HTTP/1.1\nHost: a\n\n")
        #expect(parser.parse(bad) == .refused(.bareLineFeed))
        #expect(parser.parse(request("GET / HTTP/1.1", "Host: a")) == .refused(.bareLineFeed))
        parser.reset()
        #expect(parser.parse(request("GET / HTTP/1.1", "Host: a")) != .refused(.bareLineFeed))
    }

    @Test("refusal names are unique snake_case counter labels")
    func names() {
        let names = HTTPRequestRefusal.allCases.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { $0.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" } })
    }
}
