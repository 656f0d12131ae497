/// How the body of a request is delimited (RFC 9112 §6.3). Requests never run until close.
public enum HTTPBodyFraming: Sendable, Hashable {
    /// No body.
    case none
    /// Exactly this many bytes.
    case contentLength(Int64)
    /// Chunked transfer coding: scan with `ChunkedBodyScanner`.
    case chunked
}

/// HTTP/1.0 or HTTP/1.1.
public enum HTTPVersion: Sendable, Hashable {
    case http10
    case http11
}

/// One field line: byte ranges of its name and of its value (without surrounding whitespace).
public struct HTTPHeaderField: Sendable, Hashable {
    public var name: Range<Int>
    public var value: Range<Int>
}

/// A parsed request head: byte offsets into the caller's buffer, not copies, so parsing allocates
/// nothing once `headers` has grown to its working capacity (the parser reuses it across requests).
/// Ranges are valid against the buffer passed to `HTTPRequestHeadParser.parse` that completed it.
public struct HTTPRequestHead: Sendable {
    /// Offset of the request line's first byte (after empty lines tolerated by RFC 9112 §2.2).
    public internal(set) var start = 0
    /// Bytes from the buffer's start through the final empty line: the body (or next request) follows.
    public internal(set) var length = 0
    public internal(set) var method = 0..<0
    /// The whole request target, and its path and query (without the `?`) parts.
    public internal(set) var target = 0..<0
    public internal(set) var path = 0..<0
    public internal(set) var query: Range<Int>? = nil
    public internal(set) var version = HTTPVersion.http11
    public internal(set) var headers: [HTTPHeaderField] = []
    /// The value of the only `Host` field, if any.
    public internal(set) var host: Range<Int>? = nil
    public internal(set) var framing = HTTPBodyFraming.none
    /// Whether the connection may carry another request after this one (RFC 9112 §9.3).
    public internal(set) var keepAlive = true
    /// `Expect: 100-continue` was sent (RFC 9110 §10.1.1).
    public internal(set) var expectsContinue = false
    /// The `Upgrade` value when `Connection` lists `upgrade` (RFC 9110 §7.8); after the real
    /// server's 101 the connection is a plain tunnel.
    public internal(set) var upgrade: Range<Int>? = nil
    /// The upgrade asks for WebSocket (RFC 6455 §4.1).
    public internal(set) var upgradeIsWebSocket = false

    public init() {}

    mutating func reset() {
        start = 0
        length = 0
        method = 0..<0
        target = 0..<0
        path = 0..<0
        query = nil
        version = .http11
        headers.removeAll(keepingCapacity: true)
        host = nil
        framing = .none
        keepAlive = true
        expectsContinue = false
        upgrade = nil
        upgradeIsWebSocket = false
    }

    /// The value range of the first field named `lowercasedName` (ASCII lower case), compared in place.
    public func firstValue(named lowercasedName: [UInt8], in buffer: UnsafeRawBufferPointer) -> Range<Int>? {
        for field in headers where HTTPBytes.equalsIgnoringCase(buffer, field.name, lowercasedName) {
            return field.value
        }
        return nil
    }

    /// Calls `body` with the value range of every field named `lowercasedName`, in order.
    public func forEachValue(
        named lowercasedName: [UInt8], in buffer: UnsafeRawBufferPointer, _ body: (Range<Int>) -> Void
    ) {
        for field in headers where HTTPBytes.equalsIgnoringCase(buffer, field.name, lowercasedName) {
            body(field.value)
        }
    }
}

/// Lower-case field names for `HTTPRequestHead.firstValue(named:in:)`; static so lookups allocate nothing.
public enum HTTPFieldName {
    public static let host: [UInt8] = Array("host".utf8)
    public static let contentLength: [UInt8] = Array("content-length".utf8)
    public static let transferEncoding: [UInt8] = Array("transfer-encoding".utf8)
    public static let connection: [UInt8] = Array("connection".utf8)
    public static let expect: [UInt8] = Array("expect".utf8)
    public static let upgrade: [UInt8] = Array("upgrade".utf8)
    public static let cookie: [UInt8] = Array("cookie".utf8)
}
