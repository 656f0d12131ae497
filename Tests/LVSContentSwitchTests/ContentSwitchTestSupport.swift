import LVSCore

@testable import LVSContentSwitch

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A seeded generator (SplitMix64) so fuzz runs repeat exactly.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A parsed head copied out of its buffer, comparable in `#expect`.
struct ParsedHead: Equatable, CustomStringConvertible {
    var method = ""
    var target = ""
    var path = ""
    var query: String? = nil
    var version = HTTPVersion.http11
    var host: String? = nil
    var framing = HTTPBodyFraming.none
    var keepAlive = true
    var expectsContinue = false
    var upgrade: String? = nil
    var webSocket = false
    var headers: [String] = []
    var length = 0

    init() {}

    init(_ head: HTTPRequestHead, _ buffer: UnsafeRawBufferPointer) {
        func text(_ r: Range<Int>) -> String { String(decoding: buffer[r], as: UTF8.self) }
        method = text(head.method)
        target = text(head.target)
        path = text(head.path)
        query = head.query.map(text)
        version = head.version
        host = head.host.map(text)
        framing = head.framing
        keepAlive = head.keepAlive
        expectsContinue = head.expectsContinue
        upgrade = head.upgrade.map(text)
        webSocket = head.upgradeIsWebSocket
        headers = head.headers.map { text($0.name) + "=" + text($0.value) }
        length = head.length
    }

    var description: String { "\(method) \(target) \(version) host=\(host ?? "-") \(framing) ka=\(keepAlive)" }
}

enum HeadOutcome: Equatable {
    case needMore
    case parsed(ParsedHead)
    case refused(HTTPRequestRefusal)
}

/// Parses `input` whole.
func parseWhole(_ input: [UInt8], limits: HTTPParserLimits = .default) -> HeadOutcome {
    var parser = HTTPRequestHeadParser(limits: limits)
    return input.withUnsafeBytes { outcome(&parser, $0) }
}

/// Parses `input` fed as a growing buffer, `step` more bytes per call, as a connection reads it.
func parseIncrementally(_ input: [UInt8], cuts: [Int], limits: HTTPParserLimits = .default) -> HeadOutcome {
    var parser = HTTPRequestHeadParser(limits: limits)
    var last = HeadOutcome.needMore
    for cut in cuts + [input.count] where cut <= input.count {
        last = Array(input[0..<cut]).withUnsafeBytes { outcome(&parser, $0) }
        if last != .needMore { return last }
    }
    return last
}

private func outcome(_ parser: inout HTTPRequestHeadParser, _ buffer: UnsafeRawBufferPointer) -> HeadOutcome {
    switch parser.parse(buffer) {
    case .needMore: return .needMore
    case .refused(let refusal): return .refused(refusal)
    case .complete(let length):
        var parsed = ParsedHead(parser.head, buffer)
        parsed.length = length
        return .parsed(parsed)
    }
}

/// Builds a request head from lines joined by CRLF, with the final empty line.
func request(_ lines: String...) -> [UInt8] {
    bytes(lines.joined(separator: "\r\n") + "\r\n\r\n")
}
