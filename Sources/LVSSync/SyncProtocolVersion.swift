/// The connection-sync message format (reference §7.3, §7.4), chosen on the master by the sysctl
/// `sync_version`; a backup accepts both.
public enum SyncProtocolVersion: UInt8, Sendable, Hashable, CaseIterable {
    /// The legacy format: IPv4 only, 4-byte header, unaligned 24-byte records, 16-bit flags and
    /// sequence data in the sender's host byte order.
    case v0 = 0
    /// The default format: IPv4 and IPv6, 8-byte header, aligned records with options.
    case v1 = 1

    /// The header's length in bytes: 4 (v0) or 8 (v1).
    public var headerLength: Int {
        switch self {
        case .v0: 4
        case .v1: 8
        }
    }
}
