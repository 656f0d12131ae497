/// Cookie-prefix persistence (HAProxy `cookie JSESSIONID prefix`; docs/design/0018): the real
/// server's identifier rides in front of the application's own session cookie
/// (`JSESSIONID=srv1~abc`). Requests are routed by the prefix, which is removed before the request
/// reaches the real server; the prefix is added to the cookie the real server sets.
public struct CookiePrefix: Sendable, Hashable {
    public let cookieName: [UInt8]
    public let delimiter: UInt8

    public init(cookieName: String, delimiter: UInt8 = 0x7E) {
        self.cookieName = Array(cookieName.utf8)
        self.delimiter = delimiter
    }

    /// The identifier and the application's value of the prefixed cookie in the request.
    public func split(in request: ContentRequest) -> (identifier: Range<Int>, value: Range<Int>)? {
        guard let value = request.cookie(named: cookieName) else { return nil }
        var index = value.lowerBound
        while index < value.upperBound, request.buffer[index] != delimiter { index += 1 }
        guard index < value.upperBound, index > value.lowerBound else { return nil }
        return (value.lowerBound..<index, (index + 1)..<value.upperBound)
    }

    /// A `Cookie` field value with the prefix taken off the application cookie, everything else
    /// byte for byte; nil when the field holds no prefixed cookie (forward it unchanged).
    public func strippedCookieValue(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) -> [UInt8]? {
        guard let value = CookieScanner.value(named: cookieName, in: buffer, range: range, separator: 0x3B)
        else { return nil }
        var index = value.lowerBound
        while index < value.upperBound, buffer[index] != delimiter { index += 1 }
        guard index < value.upperBound else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(range.count)
        out += buffer[range.lowerBound..<value.lowerBound]
        out += buffer[(index + 1)..<range.upperBound]
        return out
    }

    /// A response `Set-Cookie` field value with `identifier` put in front of the application
    /// cookie's value; nil when the field sets another cookie.
    public func prefixedSetCookieValue(_ setCookie: [UInt8], identifier: [UInt8]) -> [UInt8]? {
        guard setCookie.count > cookieName.count, setCookie[cookieName.count] == 0x3D,
            Array(setCookie[0..<cookieName.count]) == cookieName
        else { return nil }
        var out = Array(setCookie[0...cookieName.count])
        out += identifier
        out.append(delimiter)
        out += setCookie[(cookieName.count + 1)...]
        return out
    }

    private static let setCookieName: [UInt8] = Array("set-cookie".utf8)

    /// A response head (status line to the empty line) with `identifier` put in front of the
    /// value of every `Set-Cookie` field that sets this cookie, everything else byte for byte;
    /// nil when no field sets it (forward the head unchanged).
    public func prefixedResponseHead(_ head: UnsafeRawBufferPointer, identifier: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var copied = 0
        var lineStart = 0
        // Bounded by the head: every pass moves `lineStart` past one line.
        while lineStart < head.count {
            var lineEnd = lineStart
            while lineEnd < head.count, head[lineEnd] != HTTPBytes.lf { lineEnd += 1 }
            let nameEnd = lineStart + Self.setCookieName.count
            if nameEnd < lineEnd, head[nameEnd] == HTTPBytes.colon,
                HTTPBytes.equalsIgnoringCase(head, lineStart..<nameEnd, Self.setCookieName)
            {
                var valueEnd = lineEnd
                if valueEnd > nameEnd, head[valueEnd - 1] == HTTPBytes.cr { valueEnd -= 1 }
                let value = HTTPBytes.trimmed(head, (nameEnd + 1)..<valueEnd)
                if let prefixed = prefixedSetCookieValue(Array(head[value]), identifier: identifier) {
                    if out.isEmpty { out.reserveCapacity(head.count + identifier.count + 8) }
                    out += head[copied..<value.lowerBound]
                    out += prefixed
                    copied = value.upperBound
                }
            }
            lineStart = lineEnd + 1
        }
        guard copied > 0 else { return nil }
        out += head[copied..<head.count]
        return out
    }
}
