import LVSCore

/// The sync message size (`sync_maxlen`, the UDP payload) of reference §7.1, as the kernel
/// computes it when a daemon starts.
public enum SyncMaximumLength {
    /// The MTU a master always assumes, and the lower clamp of a backup's interface MTU.
    public static let masterMTU = 1500
    /// The smallest configured maxlen a backup accepts (its receive buffer).
    public static let backupMinimum = 1024

    /// IP and UDP header bytes in front of the payload: 20 + 8 (IPv4 group) or 40 + 8 (IPv6).
    public static func headerOverhead(groupFamily: AddressFamily) -> Int {
        switch groupFamily {
        case .inet: 28
        case .inet6: 48
        }
    }

    /// A master's message size: `configured` clamped to [1, 65535 − overhead], or without one
    /// (nil or 0) 1500 − overhead: 1472 for an IPv4 group, 1452 for IPv6.
    public static func master(configured: Int? = nil, groupFamily: AddressFamily) -> Int {
        let overhead = headerOverhead(groupFamily: groupFamily)
        guard let configured, configured != 0 else { return masterMTU - overhead }
        return min(max(configured, 1), 65535 - overhead)
    }

    /// A backup's message size (its receive buffer): `configured` clamped to
    /// [1024, 65535 − overhead], or without one the interface MTU clamped to 1500…65535 minus
    /// the overhead.
    public static func backup(configured: Int? = nil, interfaceMTU: Int, groupFamily: AddressFamily) -> Int {
        let overhead = headerOverhead(groupFamily: groupFamily)
        guard let configured, configured != 0 else { return min(max(interfaceMTU, masterMTU), 65535) - overhead }
        return min(max(configured, backupMinimum), 65535 - overhead)
    }

    /// The size of the message that carries a first record of `recordLength` bytes: `maxLength`,
    /// or more if that is needed for the header and this one record (reference §7.1, "at least
    /// one record fits"; `SyncMessageBuilder` applies it).
    public static func messageCapacity(maxLength: Int, recordLength: Int, version: SyncProtocolVersion) -> Int {
        max(maxLength, version.headerLength + recordLength)
    }
}
