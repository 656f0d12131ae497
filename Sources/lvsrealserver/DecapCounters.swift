import LVSPacket

/// Why the decapsulator dropped a packet.
enum DecapDropReason: Hashable, Sendable {
    /// The outer or inner packet was malformed, not IP-IP, or fragmented (LVSPacket's reason).
    case malformed(PacketError)
    /// The inner destination is not one of the configured VIPs: never relay it (no open relay).
    case notVIP
    /// The inner packet's IP version differs from what the outer protocol (4 or 41) announced.
    case innerVersionMismatch
    /// The kernel refused the write to the TUN device.
    case tunWriteFailed

    var text: String {
        switch self {
        case .malformed(let error): error.reason
        case .notVIP: "inner destination is not a configured VIP"
        case .innerVersionMismatch: "inner IP version does not match the outer protocol"
        case .tunWriteFailed: "write to the TUN device failed"
        }
    }
}

/// The decapsulator's counters, in fixed storage so that counting a packet never allocates.
struct DecapCounters: Sendable {
    private static let malformedReasons = PacketError.allCases
    private static let otherReasons: [DecapDropReason] = [.notVIP, .innerVersionMismatch, .tunWriteFailed]

    private(set) var received = 0
    private(set) var injected = 0
    private var drops: [Int]

    init() {
        drops = Array(repeating: 0, count: Self.malformedReasons.count + Self.otherReasons.count)
    }

    var dropped: Int { drops.reduce(0, &+) }

    mutating func packetReceived() { received &+= 1 }
    mutating func packetInjected() { injected &+= 1 }

    mutating func packetDropped(_ reason: DecapDropReason) {
        let index: Int?
        switch reason {
        case .malformed(let error): index = Self.malformedReasons.firstIndex(of: error)
        case .notVIP, .innerVersionMismatch, .tunWriteFailed:
            index = Self.otherReasons.firstIndex(of: reason).map { $0 + Self.malformedReasons.count }
        }
        if let index, index < drops.count { drops[index] &+= 1 }
    }

    /// Drop counts by reason, non-zero ones only, in a fixed order.
    var dropsByReason: [(reason: DecapDropReason, count: Int)] {
        let reasons = Self.malformedReasons.map(DecapDropReason.malformed) + Self.otherReasons
        return zip(reasons, drops).filter { $0.1 > 0 }.map { (reason: $0.0, count: $0.1) }
    }

    /// The report printed on exit and every `--stats-interval`.
    var report: String {
        var lines = ["stats: received \(received), injected \(injected), dropped \(dropped)"]
        for entry in dropsByReason { lines.append("  dropped \(entry.count): \(entry.reason.text)") }
        return lines.joined(separator: "\n")
    }
}
