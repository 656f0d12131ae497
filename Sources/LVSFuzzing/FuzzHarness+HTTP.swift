import LVSContentSwitch

extension FuzzHarness {
    /// Byte 0 picks the read sizes; the rest is what a client sends, fed to one parser piece by
    /// piece with the bytes received so far, as the proxy does. Small limits reach the refusals.
    static func runHTTPRequest(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        var parser = HTTPRequestHeadParser(limits: small)
        var received: [UInt8] = []
        for piece in pieces(bytes.dropFirst(), lengths: readLengths(first)) {
            received.append(contentsOf: piece)
            if case .needMore = parser.parse(received) { continue }
            break
        }
        var defaultParser = HTTPRequestHeadParser()
        _ = defaultParser.parse(Array(bytes.dropFirst()))
    }

    /// Byte 0 picks the read sizes; the rest a chunked body, each read scanned from where the
    /// previous one stopped.
    static func runHTTPChunked(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        var scanner = ChunkedBodyScanner(limits: small)
        var pending: [UInt8] = []
        for piece in pieces(bytes.dropFirst(), lengths: readLengths(first)) {
            pending.append(contentsOf: piece)
            switch scanner.scan(pending) {
            case .needMore(let consumed):
                pending.removeFirst(min(max(consumed, 0), pending.count))
            case .end, .refused:
                return
            }
        }
    }

    /// Byte 0 bit 0: the request was HEAD; the rest a response head from a real server.
    static func runHTTPResponse(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        Array(bytes.dropFirst()).withUnsafeBytes { head in
            _ = try? HTTPResponseHead.parse(head, requestMethodIsHead: first & 0x01 != 0, maximumLength: 4096)
        }
    }

    /// A TLS record stream's start as the proxy peeks it, with the default and a small limit.
    static func runTLSClientHello(_ bytes: [UInt8]) {
        _ = try? TLSClientHelloParser().parse(bytes)
        _ = try? TLSClientHelloParser(maximumLength: 512).parse(bytes)
    }

    /// Small limits so that short inputs reach every limit's refusal.
    static let small = HTTPParserLimits(
        maximumRequestLineLength: 256, maximumHeaderCount: 16, maximumHeadLength: 1024, maximumChunkSizeLineLength: 32,
        maximumTrailerLength: 256)

    static func readLengths(_ byte: UInt8) -> [Int] {
        byte == 0 ? [] : [Int(byte & 0x0F) + 1, Int(byte >> 4) + 1]
    }
}
