import Testing

@testable import LVSContentSwitch

@Suite("Chunked body scanner")
struct ChunkedBodyScannerTests {
    struct Case: Sendable, CustomStringConvertible {
        let description: String
        let input: [UInt8]
        let expected: ChunkedScanResult
    }

    static let limits = HTTPParserLimits(maximumChunkSizeLineLength: 16, maximumTrailerLength: 32)

    static let cases: [Case] = [
        Case(description: "one chunk", input: bytes("5\r\nhello\r\n0\r\n\r\n"), expected: .end(consumed: 15)),
        Case(
            description: "next request follows", input: bytes("5\r\nhello\r\n0\r\n\r\nGET /"),
            expected: .end(consumed: 15)),
        Case(
            description: "hex sizes, upper and lower", input: bytes("A\r\n0123456789\r\nb\r\n0123456789a\r\n0\r\n\r\n"),
            expected: .end(consumed: 36)),
        Case(description: "leading zeros", input: bytes("0005\r\nhello\r\n000\r\n\r\n"), expected: .end(consumed: 20)),
        Case(description: "extensions", input: bytes("5;a=b\r\nhello\r\n0;x\r\n\r\n"), expected: .end(consumed: 21)),
        Case(
            description: "BWS before extension", input: bytes("5 ;a\r\nhello\r\n0\r\n\r\n"),
            expected: .end(consumed: 18)),
        Case(description: "trailers", input: bytes("0\r\nX-Sum: 1\r\nY: 2\r\n\r\n"), expected: .end(consumed: 21)),
        Case(description: "incomplete data", input: bytes("5\r\nhel"), expected: .needMore(consumed: 6)),
        Case(description: "incomplete trailers", input: bytes("0\r\nX: 1\r\n"), expected: .needMore(consumed: 9)),
        Case(description: "no digits", input: bytes(";x\r\n"), expected: .refused(.malformedChunkSize)),
        Case(description: "negative size", input: bytes("-5\r\nhello\r\n"), expected: .refused(.malformedChunkSize)),
        Case(description: "0x prefix", input: bytes("0x5\r\nhello\r\n"), expected: .refused(.malformedChunkSize)),
        Case(description: "space inside size", input: bytes("5 5\r\n"), expected: .refused(.malformedChunkSize)),
        Case(description: "bare LF after size", input: bytes("5\nhello\r\n"), expected: .refused(.malformedChunkSize)),
        Case(description: "CR without LF", input: bytes("5\rhello\r\n"), expected: .refused(.malformedChunkSize)),
        Case(description: "overflow", input: bytes("8000000000000000\r\n"), expected: .refused(.chunkSizeOverflow)),
        Case(description: "largest size", input: bytes("7fffffffffffffff\r\nab"), expected: .needMore(consumed: 20)),
        Case(
            description: "size line too long", input: bytes("5;" + String(repeating: "x", count: 20) + "\r\n"),
            expected: .refused(.chunkSizeLineTooLong)),
        Case(
            description: "many leading zeros", input: bytes(String(repeating: "0", count: 30) + "5\r\n"),
            expected: .refused(.chunkSizeLineTooLong)),
        Case(
            description: "data longer than size", input: bytes("3\r\nhello\r\n"),
            expected: .refused(.missingChunkDataTerminator)),
        Case(
            description: "data not followed by CRLF", input: bytes("5\r\nhello\n0\r\n\r\n"),
            expected: .refused(.missingChunkDataTerminator)),
        Case(
            description: "trailers too large",
            input: bytes("0\r\nX: " + String(repeating: "y", count: 40) + "\r\n\r\n"),
            expected: .refused(.trailersTooLarge)),
        Case(
            description: "bare LF in trailer", input: bytes("0\r\nX: 1\n\r\n"), expected: .refused(.malformedChunkSize)),
        Case(description: "control in extension", input: bytes("5;\u{0}\r\n"), expected: .refused(.malformedChunkSize)),
        Case(description: "final LF missing", input: bytes("0\r\n\rX"), expected: .refused(.malformedChunkSize)),
    ]

    @Test("chunked bodies: end, need more or refusal", arguments: cases)
    func table(_ c: Case) {
        var scanner = ChunkedBodyScanner(limits: Self.limits)
        #expect(scanner.scan(c.input) == c.expected, "\(c.description)")
    }

    @Test("fed one byte at a time, the scanner reaches the same verdict at the same byte", arguments: cases)
    func byteByByte(_ c: Case) {
        var scanner = ChunkedBodyScanner(limits: Self.limits)
        var result = ChunkedScanResult.needMore(consumed: 0)
        var fed = 0
        for b in c.input {
            switch scanner.scan([b]) {
            case .needMore: fed += 1
            case .end(let consumed):
                result = .end(consumed: fed + consumed)
            case .refused(let refusal):
                result = .refused(refusal)
            }
            if case .needMore = result { continue }
            break
        }
        if case .needMore = result { result = .needMore(consumed: fed) }
        #expect(result == c.expected, "\(c.description)")
    }

    @Test("the scanner counts chunk data and forwards large chunks in bulk")
    func dataLength() {
        var scanner = ChunkedBodyScanner()
        #expect(scanner.scan(bytes("10000\r\n")) == .needMore(consumed: 7))
        let block = [UInt8](repeating: 0x61, count: 0x10000)
        #expect(scanner.scan(block) == .needMore(consumed: 0x10000))
        #expect(scanner.scan(bytes("\r\n0\r\n\r\n")) == .end(consumed: 7))
        #expect(scanner.dataLength == 0x10000)
    }
}
