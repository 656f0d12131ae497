/// Which part of a request hash persistence hashes (KTCPVS `hhttp`, HAProxy `balance uri`,
/// `balance hdr(name)`; docs/design/0018).
public enum HashKeySource: Sendable {
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
    /// Capture group 1 (or the whole match) of `pattern` over the request target.
    case uriCapture(CompiledPattern)

    /// The 64-bit hash of this part of `request`, nil when the request lacks it (the group's
    /// scheduler then decides). Allocation-free except for `.uriCapture`.
    public func keyHash(_ request: ContentRequest) -> UInt64? {
        guard let head = request.head else { return nil }
        let buffer = request.buffer
        let range: Range<Int>?
        switch self {
        case .uri: range = head.target
        case .path: range = head.path
        case .header(let name): range = head.firstValue(named: name, in: buffer)
        case .cookie(let name): range = request.cookie(named: name)
        case .queryParameter(let name): range = request.queryParameter(named: name)
        case .uriCapture(let pattern):
            guard let capture = pattern.firstCapture(buffer[head.target]) else { return nil }
            return RendezvousHash.fnv1a(capture.utf8)
        }
        guard let range else { return nil }
        return RendezvousHash.fnv1a(buffer[range])
    }
}
