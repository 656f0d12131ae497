import LVSCore

/// What the rules see of one request: the parsed head over its buffer, the client's address, and
/// for TLS virtual services the ClientHello. Only valid while `buffer` is (a per-request view).
public struct ContentRequest {
    public let buffer: UnsafeRawBufferPointer
    public let head: HTTPRequestHead?
    public let clientAddress: IPAddress
    public let clientHello: TLSClientHello?

    public init(
        buffer: UnsafeRawBufferPointer, head: HTTPRequestHead?, clientAddress: IPAddress,
        clientHello: TLSClientHello? = nil
    ) {
        self.buffer = buffer
        self.head = head
        self.clientAddress = clientAddress
        self.clientHello = clientHello
    }

    /// The `Host` value without its port (`example.com:8080` → `example.com`, `[::1]:80` → `[::1]`).
    public var hostWithoutPort: Range<Int>? {
        guard let host = head?.host else { return nil }
        var index = host.upperBound
        while index > host.lowerBound {
            index -= 1
            let b = buffer[index]
            if b == HTTPBytes.colon { return host.lowerBound..<index }
            if b < 0x30 || b > 0x39 { break }
        }
        return host
    }

    /// The value of the cookie `name` in any `Cookie` field (RFC 6265 §5.4: `a=1; b=2`).
    public func cookie(named name: [UInt8]) -> Range<Int>? {
        guard let head else { return nil }
        var found: Range<Int>? = nil
        head.forEachValue(named: HTTPFieldName.cookie, in: buffer) { value in
            guard found == nil else { return }
            found = CookieScanner.value(named: name, in: buffer, range: value, separator: 0x3B)
        }
        return found
    }

    /// The value of the query parameter `name` (`a=1&b`; a bare name has an empty value).
    public func queryParameter(named name: [UInt8]) -> Range<Int>? {
        guard let query = head?.query else { return nil }
        return CookieScanner.value(named: name, in: buffer, range: query, separator: 0x26)
    }
}

/// Splits `name=value` lists in place: cookies (`;`) and query strings (`&`).
public enum CookieScanner {
    /// The value range of the first pair named `name` (exact bytes) in `buffer[range]`.
    public static func value(
        named name: [UInt8], in buffer: UnsafeRawBufferPointer, range: Range<Int>, separator: UInt8
    ) -> Range<Int>? {
        var start = range.lowerBound
        var index = range.lowerBound
        while index <= range.upperBound {
            if index == range.upperBound || buffer[index] == separator {
                let pair = HTTPBytes.trimmed(buffer, start..<index)
                var equals = pair.lowerBound
                while equals < pair.upperBound, buffer[equals] != 0x3D { equals += 1 }
                if HTTPBytes.equals(buffer, pair.lowerBound..<equals, name) {
                    return equals < pair.upperBound ? (equals + 1)..<pair.upperBound : pair.upperBound..<pair.upperBound
                }
                start = index + 1
            }
            index += 1
        }
        return nil
    }
}
