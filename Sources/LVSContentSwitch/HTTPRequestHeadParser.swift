/// The outcome of feeding the request head parser.
public enum HTTPHeadParseResult: Sendable, Hashable {
    /// The head is not complete yet: call again with the same bytes plus more.
    case needMore
    /// The head is complete and `HTTPRequestHeadParser.head` describes it; `headLength` bytes belong
    /// to it, the body or the next pipelined request starts right after.
    case complete(headLength: Int)
    /// The request is refused: answer `refusal.statusCode` and close.
    case refused(HTTPRequestRefusal)
}

/// An incremental HTTP/1.0 and 1.1 request head parser (RFC 9112 §2-§6, docs/design/0018).
///
/// Contract: the caller accumulates the connection's bytes from the start of the request in one
/// buffer and calls `parse` with the whole of it after each read; the parser resumes where it
/// stopped, so every byte is examined once however the request is split. After `.complete` or
/// `.refused`, call `reset()` before the next request (it keeps `head.headers`' capacity). Runs on
/// the reactor: no allocation once the header array has grown, no I/O.
public struct HTTPRequestHeadParser: Sendable {
    public let limits: HTTPParserLimits
    /// The head parsed so far; complete after `.complete`.
    public private(set) var head = HTTPRequestHead()

    private var inRequestLine = true
    private var lineStart = 0
    private var scanFrom = 0
    private var summary = FieldSummary()
    private var finished: HTTPHeadParseResult? = nil

    public init(limits: HTTPParserLimits = .default) {
        self.limits = limits
    }

    /// Forgets the request parsed so far; the next `parse` starts a new request at offset 0.
    public mutating func reset() {
        head.reset()
        inRequestLine = true
        lineStart = 0
        scanFrom = 0
        summary = FieldSummary()
        finished = nil
    }

    /// Examines `buffer` from where the previous call stopped. `buffer` must hold the same bytes as
    /// before at the offsets already seen (it may only grow).
    public mutating func parse(_ buffer: UnsafeRawBufferPointer) -> HTTPHeadParseResult {
        if let finished { return finished }
        let result = scan(buffer)
        if case .needMore = result { return result }
        finished = result
        return result
    }

    /// Convenience for tests and cold paths: parses a byte array.
    public mutating func parse(_ bytes: [UInt8]) -> HTTPHeadParseResult {
        bytes.withUnsafeBytes { parse($0) }
    }

    private mutating func scan(_ buffer: UnsafeRawBufferPointer) -> HTTPHeadParseResult {
        var index = scanFrom
        let end = buffer.count
        while index < end {
            guard buffer[index] == HTTPBytes.lf else {
                index += 1
                continue
            }
            let lineEnd = index
            index += 1
            if let refusal = lengthRefusal(lineLength: lineEnd - lineStart, headLength: index - head.start) {
                return .refused(refusal)
            }
            guard lineEnd > lineStart, buffer[lineEnd - 1] == HTTPBytes.cr else { return .refused(.bareLineFeed) }
            let line = lineStart..<(lineEnd - 1)
            lineStart = index
            if inRequestLine {
                if line.isEmpty {
                    // RFC 9112 §2.2: empty lines before the request line are ignored (they count
                    // toward the request-line and head limits through `head.start`).
                    continue
                }
                head.start = line.lowerBound
                if let refusal = parseRequestLine(buffer, line) { return .refused(refusal) }
                inRequestLine = false
            } else if line.isEmpty {
                head.length = index
                if let refusal = finishHead(buffer) { return .refused(refusal) }
                return .complete(headLength: index)
            } else if let refusal = parseField(buffer, line) {
                return .refused(refusal)
            }
        }
        scanFrom = end
        if let refusal = lengthRefusal(lineLength: end - lineStart, headLength: end - head.start) {
            return .refused(refusal)
        }
        return .needMore
    }

    /// The limit a line of `lineLength` bytes (CRLF excluded, or partial) breaks, request line first
    /// so that split and whole input agree (`maximumRequestLineLength <= maximumHeadLength`).
    private func lengthRefusal(lineLength: Int, headLength: Int) -> HTTPRequestRefusal? {
        // A partial line's trailing CR is not yet known to be part of the terminator: allow for it.
        if inRequestLine, lineLength > limits.maximumRequestLineLength + 1 { return .requestLineTooLong }
        if headLength > limits.maximumHeadLength { return .headTooLarge }
        return nil
    }

    private mutating func parseRequestLine(_ buffer: UnsafeRawBufferPointer, _ line: Range<Int>) -> HTTPRequestRefusal?
    {
        if line.count > limits.maximumRequestLineLength { return .requestLineTooLong }
        var index = line.lowerBound
        while index < line.upperBound, buffer[index] != HTTPBytes.space {
            let b = buffer[index]
            if b == HTTPBytes.cr { return .bareCarriageReturn }
            guard HTTPBytes.isTokenByte(b) else { return .invalidMethod }
            index += 1
        }
        guard index > line.lowerBound, index < line.upperBound else { return .malformedRequestLine }
        head.method = line.lowerBound..<index
        index += 1
        let targetStart = index
        var queryStart: Int? = nil
        while index < line.upperBound, buffer[index] != HTTPBytes.space {
            let b = buffer[index]
            if b == HTTPBytes.cr { return .bareCarriageReturn }
            guard b > 0x20, b < 0x7F else { return .invalidTarget }
            if b == 0x3F, queryStart == nil { queryStart = index }
            index += 1
        }
        guard index > targetStart, index < line.upperBound else { return .malformedRequestLine }
        head.target = targetStart..<index
        if let queryStart {
            head.path = targetStart..<queryStart
            head.query = (queryStart + 1)..<index
        } else {
            head.path = targetStart..<index
        }
        index += 1
        return parseVersion(buffer, index..<line.upperBound)
    }

    private mutating func parseVersion(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) -> HTTPRequestRefusal? {
        for i in range where buffer[i] == HTTPBytes.cr { return .bareCarriageReturn }
        guard range.count == 8, HTTPBytes.equals(buffer, range.lowerBound..<(range.lowerBound + 5), Self.httpSlash),
            buffer[range.lowerBound + 6] == 0x2E
        else { return .malformedVersion }
        let major = buffer[range.lowerBound + 5]
        let minor = buffer[range.lowerBound + 7]
        guard (0x30...0x39).contains(major), (0x30...0x39).contains(minor) else { return .malformedVersion }
        guard major == 0x31, minor == 0x30 || minor == 0x31 else { return .unsupportedVersion }
        head.version = minor == 0x30 ? .http10 : .http11
        return nil
    }

    private static let httpSlash: [UInt8] = Array("HTTP/".utf8)

    private mutating func parseField(_ buffer: UnsafeRawBufferPointer, _ line: Range<Int>) -> HTTPRequestRefusal? {
        if HTTPBytes.isWhitespace(buffer[line.lowerBound]) { return .obsoleteLineFolding }
        if head.headers.count >= limits.maximumHeaderCount { return .tooManyHeaders }
        var index = line.lowerBound
        while index < line.upperBound, buffer[index] != HTTPBytes.colon {
            let b = buffer[index]
            if b == HTTPBytes.cr { return .bareCarriageReturn }
            // Whitespace before the colon is refused, not trimmed (RFC 9112 §5.1).
            guard HTTPBytes.isTokenByte(b) else { return .invalidHeaderName }
            index += 1
        }
        guard index < line.upperBound else { return .missingColon }
        guard index > line.lowerBound else { return .invalidHeaderName }
        let name = line.lowerBound..<index
        for i in (index + 1)..<line.upperBound {
            let b = buffer[i]
            if b == HTTPBytes.cr { return .bareCarriageReturn }
            // RFC 9110 §5.5: field-vchar, obs-text, SP and HT; NUL and other controls are refused.
            if b < 0x20 && b != HTTPBytes.tab || b == 0x7F { return .invalidHeaderValue }
        }
        let value = HTTPBytes.trimmed(buffer, (index + 1)..<line.upperBound)
        let field = HTTPHeaderField(name: name, value: value)
        head.headers.append(field)
        return summary.note(field, in: buffer)
    }

    /// Applies the framing, keep-alive and host rules once every field is known (RFC 9112 §6.3, §9.3).
    private mutating func finishHead(_ buffer: UnsafeRawBufferPointer) -> HTTPRequestRefusal? {
        if summary.hostCount > 1 || (summary.hostCount == 0 && head.version == .http11) { return .invalidHost }
        head.host = summary.host
        if summary.transferEncodingSeen {
            if head.version == .http10 { return .transferEncodingInHTTP10 }
            if summary.contentLength != nil { return .contentLengthWithTransferEncoding }
            guard summary.transferEncodingChunkedLast, !summary.transferEncodingChunkedEarlier else {
                return .unsupportedTransferEncoding
            }
            head.framing = .chunked
        } else if let length = summary.contentLength, length > 0 {
            head.framing = .contentLength(length)
        } else {
            head.framing = .none
        }
        if summary.unsupportedExpectation { return .unsupportedExpectation }
        head.expectsContinue = summary.expectsContinue && head.version == .http11
        switch head.version {
        case .http11: head.keepAlive = !summary.connectionClose
        case .http10: head.keepAlive = summary.connectionKeepAlive && !summary.connectionClose
        }
        if summary.connectionUpgrade, let upgrade = summary.upgrade, head.version == .http11 {
            head.upgrade = upgrade
            var webSocket = false
            HTTPBytes.forEachListElement(buffer, upgrade) { element in
                if HTTPBytes.equalsIgnoringCase(buffer, element, FieldSummary.websocket) { webSocket = true }
            }
            head.upgradeIsWebSocket = webSocket
        }
        return nil
    }
}
