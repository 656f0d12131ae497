// Counting helpers for the five IPVS counters (reference §4.13). Wrapping adds: counters are
// 64-bit and never trap, whatever length a packet claims.
extension StatsCounters {
    /// One new (non-template) connection.
    mutating func recordConnection() {
        connections &+= 1
    }

    /// One client → real server packet of `bytes` IP-datagram bytes.
    mutating func recordInbound(bytes: UInt32) {
        inPackets &+= 1
        inBytes &+= UInt64(bytes)
    }

    /// One real server → client packet seen by the director.
    mutating func recordOutbound(bytes: UInt32) {
        outPackets &+= 1
        outBytes &+= UInt64(bytes)
    }
}
