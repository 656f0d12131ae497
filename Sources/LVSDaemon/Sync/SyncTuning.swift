import LVSCore
import LVSSync

/// How the sync daemons run beyond `--start-daemon`'s parameters: what the kernel keeps in
/// sysctls (`sync_version`, `sync_ports`, `sync_threshold`, `sync_refresh_period`,
/// `sync_retries`, `sync_persist_mode`, `sync_sock_size`; reference §7, §10) and our
/// authenticated mode (docs/design/0013-sync-authentication.md).
public struct SyncTuning: Sendable, Hashable {
    /// The version the master sends (receivers take both).
    public var version: SyncProtocolVersion = .v1
    /// Threads (ports) per daemon, 1…64.
    public var ports: Int = 1
    /// When the master sends an entry.
    public var output = SyncOutputSettings()
    /// SO_SNDBUF / SO_RCVBUF; nil keeps the system's default.
    public var socketBufferSize: Int?
    /// With a key, every message sent is sealed and every message received must be.
    public var key: SyncAuthenticationKey?

    public init() {}

    /// A key from the bytes of a key file: the whole file is the secret; its id is the first
    /// four bytes of the secret's SHA-256, so two directors with the same file agree on it.
    public static func key(secret: [UInt8]) -> SyncAuthenticationKey {
        let digest = SHA256.digest(secret)
        let id = digest.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return SyncAuthenticationKey(id: id, secret: secret)
    }
}
