/// Which part of a request hash persistence hashes (KTCPVS `hhttp`, HAProxy `balance uri`,
/// `balance hdr(name)`; docs/design/0018).
public indirect enum HashKeySource: Sendable {
    /// The whole request target (path and query).
    case uri
    /// The path only.
    case path
    /// A header's value, by lower-case name.
    case header([UInt8])
    /// A cookie's value.
    case cookie([UInt8])
    /// A query parameter's value.
    case queryParameter([UInt8])
    /// Capture group 1 (or the whole match) of a pattern over another part (`.capture(.uri, …)`).
    case capture(HashKeySource, CompiledPattern)

    /// The 64-bit hash of this part of `request`, nil when the request lacks it (the group's
    /// scheduler then decides). Allocation-free except for `.capture`.
    public func keyHash(_ request: ContentRequest) -> UInt64? {
        switch self {
        case .capture(let part, let pattern):
            guard let range = part.range(request), let capture = pattern.firstCapture(request.buffer[range]) else {
                return nil
            }
            return RendezvousHash.fnv1a(capture.utf8)
        case .uri, .path, .header, .cookie, .queryParameter:
            guard let range = range(request) else { return nil }
            return RendezvousHash.fnv1a(request.buffer[range])
        }
    }

    /// The bytes of the part in the request buffer; for `.capture`, those of the part it reads.
    func range(_ request: ContentRequest) -> Range<Int>? {
        guard let head = request.head else { return nil }
        switch self {
        case .uri: return head.target
        case .path: return head.path
        case .header(let name): return head.firstValue(named: name, in: request.buffer)
        case .cookie(let name): return request.cookie(named: name)
        case .queryParameter(let name): return request.queryParameter(named: name)
        case .capture(let part, _): return part.range(request)
        }
    }
}
