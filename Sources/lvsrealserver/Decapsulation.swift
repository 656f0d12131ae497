import LVSPacket

/// The decapsulator's decision for one received packet, without I/O: strip the outer header
/// with LVSPacket, check the inner packet, and say whether to inject it.
enum Decapsulation {
    enum Verdict: Equatable {
        /// Inject the inner packet, which `buffer` now holds from offset 0.
        case inject
        case drop(DecapDropReason)
    }

    /// `buffer` holds what a raw socket delivered. IPv4 raw sockets include the outer header
    /// (`outerHeaderIncluded`); IPv6 raw sockets deliver only the payload, the inner packet,
    /// whose version must match the socket's protocol (`innerIsIPv6`: protocol 41 vs 4).
    static func decide(
        _ buffer: inout PacketBuffer, outerHeaderIncluded: Bool, innerIsIPv6: Bool, vips: [WireAddress]
    ) -> Verdict {
        let inner: ParsedPacket
        do {
            if outerHeaderIncluded {
                inner = try Tunnel.decapsulate(&buffer).inner
            } else {
                guard let first = buffer.u8(at: 0) else { return .drop(.malformed(.truncatedIPv4Header)) }
                guard first >> 4 == (innerIsIPv6 ? 6 : 4) else { return .drop(.innerVersionMismatch) }
                inner = try ParsedPacket.parse(buffer, at: 0, end: buffer.count)
                try buffer.setCount(inner.l3Length)
            }
        } catch {
            return .drop(.malformed(error))
        }
        guard inner.isIPv6 == innerIsIPv6 || outerHeaderIncluded else { return .drop(.innerVersionMismatch) }
        // No open relay: only packets for our own VIPs go to the local stack.
        guard vips.contains(inner.destination) else { return .drop(.notVIP) }
        return .inject
    }
}
