import Testing

@testable import LVSContentSwitch

/// Bounded, seeded fuzzing: the parsers must never crash, must give the same answer split or
/// whole, and must never report ranges outside the buffer.
@Suite("HTTP parser and chunked scanner fuzzing")
struct HTTPParserFuzzTests {
    static let corpus: [[UInt8]] = [
        request("GET /a?b=c HTTP/1.1", "Host: example.com", "Cookie: a=1; b=2"),
        request("POST /p HTTP/1.1", "Host: a", "Content-Length: 10", "Expect: 100-continue"),
        request("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: gzip, chunked"),
        request("GET /ws HTTP/1.1", "Host: a", "Connection: Upgrade", "Upgrade: websocket"),
        request("GET / HTTP/1.0", "Connection: keep-alive"),
    ]
    static let alphabet: [UInt8] = bytes(
        "GET POST HTTP/1.1\r\n: ,;=?&/chunked Content-Length Transfer-Encoding 0123456789\t\u{0}\u{7F}")

    func checkRanges(_ parser: HTTPRequestHeadParser, _ count: Int) {
        let head = parser.head
        var ranges = [head.method, head.target, head.path] + head.headers.flatMap { [$0.name, $0.value] }
        if let q = head.query { ranges.append(q) }
        if let h = head.host { ranges.append(h) }
        for r in ranges { #expect(r.lowerBound >= 0 && r.upperBound <= count) }
    }

    @Test("mutated requests: no crash, whole and split agree, ranges in bounds")
    func mutated() {
        var rng = SeededGenerator(seed: 0x5EED_0001)
        var refusedCount = 0
        for iteration in 0..<3000 {
            var input = Self.corpus[iteration % Self.corpus.count]
            let edits = Int.random(in: 1...4, using: &rng)
            for _ in 0..<edits {
                let position = Int.random(in: 0..<input.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: input[position] = Self.alphabet.randomElement(using: &rng)!
                case 1: input.insert(Self.alphabet.randomElement(using: &rng)!, at: position)
                default: input.remove(at: position)
                }
                if input.isEmpty { input = [0x47] }
            }
            var parser = HTTPRequestHeadParser()
            let whole = input.withUnsafeBytes { parser.parse($0) }
            if case .complete = whole { checkRanges(parser, input.count) }
            if case .refused = whole { refusedCount += 1 }
            let cut = Int.random(in: 0...input.count, using: &rng)
            let split = parseIncrementally(input, cuts: [cut])
            #expect(split == parseWhole(input), "iteration \(iteration)")
        }
        #expect(refusedCount > 100)
    }

    @Test("random bytes and truncations: no crash, truncations of valid requests need more")
    func randomAndTruncated() {
        var rng = SeededGenerator(seed: 0x5EED_0002)
        for _ in 0..<2000 {
            let count = Int.random(in: 0...300, using: &rng)
            let input = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var parser = HTTPRequestHeadParser()
            if case .complete = parser.parse(input) { checkRanges(parser, input.count) }
        }
        for valid in Self.corpus {
            let cut = Int.random(in: 0..<valid.count, using: &rng)
            #expect(parseWhole(Array(valid[0..<cut])) == .needMore)
        }
    }

    @Test("random chunked bodies: no crash, the end is found at the same byte split or whole")
    func chunked() {
        var rng = SeededGenerator(seed: 0x5EED_0003)
        let pieces: [[UInt8]] = [
            bytes("5\r\nhello\r\n"), bytes("0\r\n\r\n"), bytes("a;x=y\r\n0123456789\r\n"),
            bytes("T: v\r\n"), bytes("\r\n"), bytes("ffffffffffffffffff\r\n"), bytes("\n"), bytes("z"),
        ]
        for _ in 0..<2000 {
            var input: [UInt8] = []
            for _ in 0..<Int.random(in: 1...5, using: &rng) { input += pieces.randomElement(using: &rng)! }
            var whole = ChunkedBodyScanner()
            let wholeResult = whole.scan(input)
            var split = ChunkedBodyScanner()
            let cut = Int.random(in: 0...input.count, using: &rng)
            var splitResult = split.scan(Array(input[0..<cut]))
            if case .needMore = splitResult {
                switch split.scan(Array(input[cut...])) {
                case .needMore: splitResult = .needMore(consumed: input.count)
                case .end(let consumed): splitResult = .end(consumed: cut + consumed)
                case .refused(let refusal): splitResult = .refused(refusal)
                }
            }
            #expect(splitResult == wholeResult)
        }
    }
}
