/// Builds ClientHello records by hand (RFC 8446 §4.1.2), the fluent-builder habit of packet tests.
struct ClientHelloBuilder {
    var legacyVersion: UInt16 = 0x0303
    var sessionID: [UInt8] = Array(repeating: 0xAB, count: 32)
    var cipherSuites: [UInt8] = [0x13, 0x01, 0x13, 0x02]
    var compression: [UInt8] = [0]
    var extensions: [(UInt16, [UInt8])] = []
    var omitExtensions = false

    static func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func u24(_ v: Int) -> [UInt8] { [UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    func serverName(_ name: String) -> ClientHelloBuilder {
        var copy = self
        let host = Array(name.utf8)
        let entry = [0] + Self.u16(host.count) + host
        copy.extensions.append((0, Self.u16(entry.count) + entry))
        return copy
    }

    func alpn(_ protocols: [String]) -> ClientHelloBuilder {
        var copy = self
        let list = protocols.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) }
        copy.extensions.append((16, Self.u16(list.count) + list))
        return copy
    }

    func rawExtension(_ type: UInt16, _ body: [UInt8]) -> ClientHelloBuilder {
        var copy = self
        copy.extensions.append((type, body))
        return copy
    }

    /// The handshake message: type, 24-bit length, body.
    var handshake: [UInt8] {
        var body = Self.u16(Int(legacyVersion)) + Array(repeating: 0x11, count: 32)
        body += [UInt8(sessionID.count)] + sessionID
        body += Self.u16(cipherSuites.count) + cipherSuites
        body += [UInt8(compression.count)] + compression
        if !omitExtensions {
            let ext = extensions.flatMap { Self.u16(Int($0.0)) + Self.u16($0.1.count) + $0.1 }
            body += Self.u16(ext.count) + ext
        }
        return [1] + Self.u24(body.count) + body
    }

    /// The handshake in TLS records of at most `recordSize` bytes of fragment each.
    func records(recordSize: Int = 16384) -> [UInt8] {
        var out: [UInt8] = []
        var rest = handshake[...]
        while !rest.isEmpty {
            let piece = rest.prefix(recordSize)
            rest = rest.dropFirst(piece.count)
            out += [22, 3, 1] + Self.u16(piece.count) + piece
        }
        return out
    }
}
