/// Reads the SNI name and ALPN list from the first bytes of a TLS connection, without terminating
/// TLS (RFC 8446 §4.1.2, RFC 6066 §3, RFC 7301 §3.1; docs/design/0018).
///
/// Contract: call `parse` with every byte received so far (the connection's first bytes, which
/// the proxy holds back until the decision). `nil` means "need more"; a throw is a counted
/// refusal; the buffer is never modified. The ClientHello may be split across reads and across
/// records; beyond `maximumLength` bytes of handshake data the reader gives up (`.tooLong`).
public struct TLSClientHelloParser: Sendable {
    /// Most handshake bytes accepted for the ClientHello (it is usually under 2 KiB; post-quantum
    /// key shares push it past 1.5 KiB, so leave room).
    public let maximumLength: Int

    public init(maximumLength: Int = 16384) {
        self.maximumLength = max(64, maximumLength)
    }

    static let recordHeaderLength = 5
    static let maximumRecordLength = 16384 + 2048

    /// Parses `bytes`; nil when more bytes are needed.
    public func parse(_ bytes: [UInt8]) throws(TLSClientHelloRefusal) -> TLSClientHello? {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(TLSClientHelloRefusal) -> TLSClientHello? in try parse(buffer) }
        }
        return try result.get()
    }

    /// Parses `buffer`; nil when more bytes are needed.
    public func parse(_ buffer: UnsafeRawBufferPointer) throws(TLSClientHelloRefusal) -> TLSClientHello? {
        // Common case: the whole ClientHello in the first record, parsed in place.
        guard let first = try recordFragment(buffer, at: 0) else {
            try checkAnnouncedHandshake(buffer)
            return nil
        }
        guard first.count >= 1 else { throw .invalidRecordLength }
        guard buffer[first.lowerBound] == 1 else { throw .notClientHello }
        guard first.count >= 4 else { return try gathered(buffer) }
        var header = ByteReader(buffer, range: first)
        _ = try header.u8()
        let length = try header.u24()
        guard length <= maximumLength else { throw .tooLong }
        if first.count >= 4 + length {
            return try Self.parseBody(buffer, (first.lowerBound + 4)..<(first.lowerBound + 4 + length))
        }
        return try gathered(buffer)
    }

    /// While the first record is incomplete, judges the handshake header it already shows, so an
    /// oversized or wrong message is refused before the client sends the rest.
    private func checkAnnouncedHandshake(_ buffer: UnsafeRawBufferPointer) throws(TLSClientHelloRefusal) {
        let header = Self.recordHeaderLength
        let fragmentLength = buffer.count >= header ? Int(buffer[3]) << 8 | Int(buffer[4]) : 0
        guard buffer.count > header, fragmentLength >= 1 else { return }
        guard buffer[header] == 1 else { throw .notClientHello }
        guard buffer.count >= header + 4, fragmentLength >= 4 else { return }
        let length = Int(buffer[header + 1]) << 16 | Int(buffer[header + 2]) << 8 | Int(buffer[header + 3])
        if length > maximumLength { throw .tooLong }
    }

    /// The fragment range of the record at `offset`, nil when the record is not complete yet.
    private func recordFragment(_ buffer: UnsafeRawBufferPointer, at offset: Int) throws(TLSClientHelloRefusal)
        -> Range<Int>?
    {
        let available = buffer.count - offset
        if available >= 1, buffer[offset] != 22 { throw .notHandshakeRecord }
        if available >= 2, buffer[offset + 1] != 3 { throw .invalidRecordVersion }
        guard available >= Self.recordHeaderLength else { return nil }
        let length = Int(buffer[offset + 3]) << 8 | Int(buffer[offset + 4])
        guard length > 0, length <= Self.maximumRecordLength else { throw .invalidRecordLength }
        guard available >= Self.recordHeaderLength + length else { return nil }
        return (offset + Self.recordHeaderLength)..<(offset + Self.recordHeaderLength + length)
    }

    /// The rare case of a ClientHello spread over several records: copy the fragments together.
    private func gathered(_ buffer: UnsafeRawBufferPointer) throws(TLSClientHelloRefusal) -> TLSClientHello? {
        var handshake: [UInt8] = []
        var offset = 0
        while true {
            guard let fragment = try recordFragment(buffer, at: offset) else {
                if buffer.count - offset > Self.recordHeaderLength + maximumLength { throw .tooLong }
                return nil
            }
            handshake.append(contentsOf: buffer[fragment])
            offset = fragment.upperBound
            if handshake.count >= 4 {
                let length = Int(handshake[1]) << 16 | Int(handshake[2]) << 8 | Int(handshake[3])
                guard length <= maximumLength else { throw .tooLong }
                if handshake.count >= 4 + length {
                    let result = handshake.withUnsafeBytes { h in
                        Result { () throws(TLSClientHelloRefusal) -> TLSClientHello in
                            try Self.parseBody(h, 4..<(4 + length))
                        }
                    }
                    return try result.get()
                }
            }
            if handshake.count > maximumLength + 4 { throw .tooLong }
        }
    }

    /// Parses a ClientHello body (RFC 8446 §4.1.2; TLS 1.0-1.2 share the layout).
    static func parseBody(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) throws(TLSClientHelloRefusal)
        -> TLSClientHello
    {
        var reader = ByteReader(buffer, range: range)
        let legacyVersion = try reader.u16()
        _ = try reader.bytes(32)
        let sessionID = try reader.vector(lengthBytes: 1)
        guard sessionID.remaining <= 32 else { throw .malformedField }
        let cipherSuites = try reader.vector(lengthBytes: 2)
        guard cipherSuites.remaining >= 2, cipherSuites.remaining % 2 == 0 else { throw .malformedField }
        let compression = try reader.vector(lengthBytes: 1)
        guard compression.remaining >= 1 else { throw .malformedField }
        var hello = TLSClientHello(serverName: nil, alpnProtocols: [], legacyVersion: legacyVersion)
        // RFC 5246 §7.4.1.2: a ClientHello may end here, without extensions.
        guard reader.remaining > 0 else { return hello }
        var extensions = try reader.vector(lengthBytes: 2)
        guard reader.remaining == 0 else { throw .malformedField }
        var seenTypes: [UInt16] = []
        while extensions.remaining > 0 {
            let type = try extensions.u16()
            let body = try extensions.vector(lengthBytes: 2)
            if seenTypes.contains(type) { throw .duplicateExtension }
            seenTypes.append(type)
            switch type {
            case 0:
                hello.serverName = try parseServerName(body)
            case 16:
                hello.alpnProtocols = try parseALPN(body)
            default:
                break
            }
        }
        return hello
    }

    /// RFC 6066 §3: a list of (name_type, name); only host_name (0) is defined, one per type.
    static func parseServerName(_ extensionBody: ByteReader) throws(TLSClientHelloRefusal) -> [UInt8]? {
        var body = extensionBody
        var list: ByteReader
        do { list = try body.vector(lengthBytes: 2) } catch { throw .malformedServerName }
        guard body.remaining == 0, list.remaining > 0 else { throw .malformedServerName }
        var name: [UInt8]? = nil
        while list.remaining > 0 {
            let type: UInt8
            let entry: ByteReader
            do {
                type = try list.u8()
                entry = try list.vector(lengthBytes: 2)
            } catch { throw .malformedServerName }
            guard type == 0 else { continue }
            guard name == nil, entry.remaining > 0, entry.remaining <= 255 else { throw .malformedServerName }
            var host = [UInt8]()
            host.reserveCapacity(entry.remaining)
            for index in entry.offset..<entry.end {
                let b = entry.buffer[index]
                // Letters, digits, hyphen, dot, underscore (seen in the wild); no trailing dot.
                switch b {
                case 0x41...0x5A: host.append(b | 0x20)
                case 0x61...0x7A, 0x30...0x39, 0x2D, 0x2E, 0x5F: host.append(b)
                default: throw .malformedServerName
                }
            }
            if host.last == 0x2E || host.first == 0x2E { throw .malformedServerName }
            name = host
        }
        return name
    }

    /// RFC 7301 §3.1: a non-empty list of non-empty protocol names.
    static func parseALPN(_ extensionBody: ByteReader) throws(TLSClientHelloRefusal) -> [[UInt8]] {
        var body = extensionBody
        var list: ByteReader
        do { list = try body.vector(lengthBytes: 2) } catch { throw .malformedALPN }
        guard body.remaining == 0, list.remaining > 0 else { throw .malformedALPN }
        var protocols: [[UInt8]] = []
        while list.remaining > 0 {
            let name: ByteReader
            do { name = try list.vector(lengthBytes: 1) } catch { throw .malformedALPN }
            guard name.remaining > 0 else { throw .malformedALPN }
            protocols.append(Array(name.buffer[name.offset..<name.end]))
        }
        return protocols
    }
}
