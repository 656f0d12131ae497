/// Just enough of HTTP/1.x (RFC 9112) for the demo real servers: finds where each request ends
/// so that a keep-alive connection can carry several, and whether the client wants the
/// connection kept open. It reads nothing it does not need (no target, no header values other
/// than `Connection`, `Content-Length` and `Transfer-Encoding`).
///
/// Bytes go in with `append`; `nextRequest()` returns `nil` while a request is incomplete.
/// Anything it cannot frame (a chunked body, an oversized header block, a bad length) is
/// `malformed`, after which the server answers 400 and closes.
public struct DemoHTTPRequestParser: Sendable {
    /// One framed request.
    public struct Request: Sendable, Hashable {
        /// `GET`, `HEAD`, …: a `HEAD` answer carries no body.
        public var method: String
        /// Whether the connection stays open after the answer (RFC 9112 §9.3).
        public var keepAlive: Bool
        /// Whether the client spoke HTTP/1.0 (the answer then says `Connection: keep-alive`
        /// explicitly when the connection stays open).
        public var isHTTP10: Bool
    }

    public enum Outcome: Sendable, Hashable {
        case request(Request)
        case malformed
    }

    /// Larger header blocks are refused: the demo servers face curl, not the world.
    public static let maximumHeaderBytes = 16 * 1024

    private var buffer: [UInt8] = []
    /// Where unread bytes start in `buffer`.
    private var start = 0
    /// Where the search for the end of the header block resumes (bytes before it were searched).
    private var scanned = 0
    /// Body bytes of the last request still to be skipped.
    private var bodyToSkip = 0
    private var failed = false

    public init() {}

    public mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete request, `.malformed` once the stream cannot be framed any more, or
    /// nil when more bytes are needed.
    public mutating func nextRequest() -> Outcome? {
        if failed { return .malformed }
        skipBody()
        guard bodyToSkip == 0 else { return nil }
        guard let end = headerEnd() else {
            if buffer.count - start > Self.maximumHeaderBytes { return fail() }
            return nil
        }
        let block = buffer[start..<end]
        start = end + 4
        scanned = start
        guard let request = parseHead(block) else { return fail() }
        skipBody()
        compact()
        return .request(request)
    }

    private mutating func fail() -> Outcome {
        failed = true
        buffer = []
        start = 0
        scanned = 0
        return .malformed
    }

    private mutating func skipBody() {
        let skipped = min(bodyToSkip, buffer.count - start)
        start += skipped
        scanned = max(scanned, start)
        bodyToSkip -= skipped
    }

    /// Drops consumed bytes once they are the larger part of the buffer (amortised O(1)).
    private mutating func compact() {
        if start > 0 && start * 2 >= buffer.count {
            buffer.removeFirst(start)
            scanned -= start
            start = 0
        }
    }

    /// Index of the `\r\n\r\n` that ends the header block, if it has arrived.
    private mutating func headerEnd() -> Int? {
        var index = max(start, scanned)
        while index + 3 < buffer.count {
            if buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
                return index
            }
            index += 1
        }
        scanned = index
        return nil
    }

    /// Request line and headers; sets `bodyToSkip`. Nil when they are not HTTP/1.x.
    private mutating func parseHead(_ block: ArraySlice<UInt8>) -> Request? {
        let text = String(decoding: block, as: UTF8.self)
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)[...]
        guard let requestLine = lines.popFirst() else { return nil }
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        let isHTTP10: Bool
        switch parts[2] {
        case "HTTP/1.1": isHTTP10 = false
        case "HTTP/1.0": isHTTP10 = true
        default: return nil
        }
        var keepAlive = !isHTTP10
        var contentLength: Int?
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces().lowercased()
            switch name {
            case "connection":
                let tokens = value.split(separator: ",").map { $0.trimmingSpaces() }
                if tokens.contains("close") { keepAlive = false }
                if tokens.contains("keep-alive") { keepAlive = true }
            case "content-length":
                // Two different lengths make the framing ambiguous (RFC 9112 §6.3).
                guard let length = Int(value), length >= 0, contentLength == nil || contentLength == length else {
                    return nil
                }
                contentLength = length
            case "transfer-encoding":
                // Chunked bodies are not framed here; refusing is safer than guessing.
                return nil
            default:
                continue
            }
        }
        bodyToSkip = contentLength ?? 0
        return Request(method: String(parts[0]), keepAlive: keepAlive, isHTTP10: isHTTP10)
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    fileprivate func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
