extension HTTPRequestHead {
    private static let close: [UInt8] = Array("close".utf8)

    /// The whole line (from the field name to its LF) of an HTTP/1.1 request's only `Connection`
    /// field when its value is exactly `close`; nil otherwise. `Connection` is hop-by-hop (RFC 9110
    /// §7.6.1): a proxy may leave it out toward the real server so that connection can be kept
    /// for other clients while it closes the client's after the response.
    public func closeOnlyConnectionLine(in buffer: UnsafeRawBufferPointer) -> Range<Int>? {
        guard version == .http11, !keepAlive, upgrade == nil else { return nil }
        var found: HTTPHeaderField? = nil
        for field in headers where HTTPBytes.equalsIgnoringCase(buffer, field.name, HTTPFieldName.connection) {
            guard found == nil else { return nil }
            found = field
        }
        guard let field = found,
            HTTPBytes.equalsIgnoringCase(buffer, HTTPBytes.trimmed(buffer, field.value), Self.close)
        else { return nil }
        var end = field.value.upperBound
        while end < buffer.count, buffer[end] != HTTPBytes.lf { end += 1 }
        guard end < buffer.count else { return nil }
        return field.name.lowerBound..<(end + 1)
    }
}
