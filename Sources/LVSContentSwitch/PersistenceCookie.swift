/// Cookie-insert persistence (KTCPVS `chttp`, HAProxy `cookie SERVERID insert`; docs/design/0018):
/// the first response carries a cookie of ours naming the real server; later requests that bring
/// it back go to that real server while it is usable (weight > 0, healthy).
public struct PersistenceCookie: Sendable, Hashable {
    /// The cookie name, `SERVERID` by default.
    public let name: [UInt8]
    /// Extra attributes appended to the `Set-Cookie` value (`Path=/; HttpOnly` by default).
    public let attributes: [UInt8]

    public init(name: String = "SERVERID", attributes: String = "Path=/; HttpOnly") {
        self.name = Array(name.utf8)
        self.attributes = Array(attributes.utf8)
    }

    /// The real server identifier the request's cookie names, as a range into the request buffer.
    public func serverIdentifier(in request: ContentRequest) -> Range<Int>? {
        guard let value = request.cookie(named: name), !value.isEmpty else { return nil }
        return value
    }

    /// A complete `Set-Cookie` field line (with CRLF) to add to the response. `serverIdentifier`
    /// must be a cookie-octet string (RFC 6265 §4.1.1); the caller's stable ids are hex or tokens.
    public func setCookieField(serverIdentifier: [UInt8]) -> [UInt8] {
        var field = Array("Set-Cookie: ".utf8)
        field.reserveCapacity(field.count + name.count + serverIdentifier.count + attributes.count + 5)
        field += name
        field.append(0x3D)
        field += serverIdentifier
        if !attributes.isEmpty {
            field += [0x3B, 0x20]
            field += attributes
        }
        field += [HTTPBytes.cr, HTTPBytes.lf]
        return field
    }

    /// A stable cookie value for a real server: 16 lower-case hex digits of its stable identifier,
    /// so the cookie neither reveals the real server's address nor changes across reloads.
    public static func cookieValue(forIdentifier identifier: UInt64) -> [UInt8] {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 0, count: 16)
        for i in 0..<16 { out[i] = digits[Int((identifier >> UInt64(60 - 4 * i)) & 0xF)] }
        return out
    }
}
