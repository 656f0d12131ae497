/// How a response body ends (RFC 9112 §6.3), as far as a proxy needs to know to reuse the
/// connections on both sides.
public enum HTTPResponseFraming: Sendable, Hashable {
    /// No body: 1xx, 204, 304, or the answer to HEAD.
    case none
    case contentLength(Int64)
    case chunked
    /// The body runs until the real server closes: the client connection cannot be kept.
    case untilClose
}

/// The parts of a real server's response head the proxy acts on (docs/design/0019): where the
/// head ends, the status, the framing, whether the server keeps the connection, and where the
/// final empty line starts (a `Set-Cookie` of ours goes before it).
public struct HTTPResponseHead: Sendable, Hashable {
    public var status = 0
    public var length = 0
    public var framing = HTTPResponseFraming.none
    public var keepAlive = true
    /// Offset of the CRLF that ends the head.
    public var endOfFields = 0

    public init() {}

    /// Reads a complete response head from the start of `buffer`: nil while the empty line has
    /// not arrived, a throw for a head that cannot be framed (the proxy answers 502 and closes).
    /// `requestMethodIsHead`: a response to HEAD has no body whatever its fields say.
    public static func parse(
        _ buffer: UnsafeRawBufferPointer, requestMethodIsHead: Bool, maximumLength: Int = 65_536
    ) throws(HTTPResponseRefusal) -> HTTPResponseHead? {
        var end = -1
        var index = 3
        while index < buffer.count {
            if buffer[index] == HTTPBytes.lf && buffer[index - 1] == HTTPBytes.cr && buffer[index - 2] == HTTPBytes.lf
                && buffer[index - 3] == HTTPBytes.cr
            {
                end = index + 1
                break
            }
            index += 1
        }
        if end < 0 {
            if buffer.count > maximumLength { throw .headTooLarge }
            return nil
        }
        var head = HTTPResponseHead()
        head.length = end
        head.endOfFields = end - 2
        // Status line: HTTP/1.x SP 3DIGIT
        guard end >= 12, HTTPBytes.equals(buffer, 0..<7, Self.httpOneDot), buffer[8] == HTTPBytes.space else {
            throw .malformedStatusLine
        }
        let http10 = buffer[7] == 0x30
        var status = 0
        for i in 9..<12 {
            let b = buffer[i]
            guard b >= 0x30, b <= 0x39 else { throw .malformedStatusLine }
            status = status * 10 + Int(b - 0x30)
        }
        head.status = status
        var contentLength: Int64? = nil
        var chunked = false
        var close = http10
        var lineStart = 0
        while buffer[lineStart] != HTTPBytes.lf { lineStart += 1 }
        lineStart += 1
        while lineStart < head.endOfFields {
            var lineEnd = lineStart
            while buffer[lineEnd] != HTTPBytes.cr || buffer[lineEnd + 1] != HTTPBytes.lf { lineEnd += 1 }
            var colon = lineStart
            while colon < lineEnd, buffer[colon] != HTTPBytes.colon { colon += 1 }
            guard colon < lineEnd else { throw .malformedField }
            let name = lineStart..<colon
            let value = HTTPBytes.trimmed(buffer, (colon + 1)..<lineEnd)
            if HTTPBytes.equalsIgnoringCase(buffer, name, Self.contentLength) {
                guard let length = HTTPBytes.decimalValue(buffer, value),
                    contentLength == nil || contentLength == length
                else { throw .invalidContentLength }
                contentLength = length
            } else if HTTPBytes.equalsIgnoringCase(buffer, name, Self.transferEncoding) {
                chunked = false
                HTTPBytes.forEachListElement(buffer, value) { element in
                    chunked = HTTPBytes.equalsIgnoringCase(buffer, element, Self.chunkedToken)
                }
                if !chunked { close = true }
            } else if HTTPBytes.equalsIgnoringCase(buffer, name, Self.connection) {
                HTTPBytes.forEachListElement(buffer, value) { element in
                    if HTTPBytes.equalsIgnoringCase(buffer, element, Self.closeToken) { close = true }
                    if http10, HTTPBytes.equalsIgnoringCase(buffer, element, Self.keepAliveToken) { close = false }
                }
            }
            lineStart = lineEnd + 2
        }
        if requestMethodIsHead || (100..<200).contains(status) || status == 204 || status == 304 {
            head.framing = .none
        } else if chunked {
            head.framing = .chunked
        } else if let contentLength {
            head.framing = contentLength > 0 ? .contentLength(contentLength) : .none
        } else {
            head.framing = .untilClose
            close = true
        }
        head.keepAlive = !close
        return head
    }

    static let httpOneDot: [UInt8] = Array("HTTP/1.".utf8)
    static let contentLength: [UInt8] = Array("content-length".utf8)
    static let transferEncoding: [UInt8] = Array("transfer-encoding".utf8)
    static let connection: [UInt8] = Array("connection".utf8)
    static let chunkedToken: [UInt8] = Array("chunked".utf8)
    static let closeToken: [UInt8] = Array("close".utf8)
    static let keepAliveToken: [UInt8] = Array("keep-alive".utf8)
}

/// Why a real server's response head cannot be forwarded (answered 502 to the client).
public enum HTTPResponseRefusal: Error, Sendable, Hashable {
    case headTooLarge
    case malformedStatusLine
    case malformedField
    case invalidContentLength
}
