/// The master sync daemon's sysctls (reference §7.2, §10): what a director with a master daemon
/// running decides, per inbound packet, to send to its backups. `Director.syncOutput` holds it;
/// nil means no master daemon.
public struct SyncOutputSettings: Sendable, Hashable {
    /// `sync_threshold` first value T: an entry is sent when its inbound packet count modulo
    /// `period` equals T. A backup also starts the entries it creates at T packets (§7.5 step 6).
    public var threshold: UInt32
    /// `sync_threshold` second value P (0: send once, at T packets, unless `refreshPeriod` > 0).
    public var period: UInt32
    /// `sync_refresh_period` R in seconds: an unchanged entry is not re-sent until its expiry has
    /// moved by min(R, max(timeout/2, 10 s)); 0 disables the rule.
    public var refreshPeriod: UInt32
    /// `sync_retries` (0…3): extra sends allowed within a refresh period, R/8 apart.
    public var retries: UInt32
    /// `sync_persist_mode`: connections controlled by a persistence template are not sent, only
    /// their templates.
    public var persistMode: Bool
    /// How many records wait for the driver at most (our addition, like `sync_qlen_max`): when
    /// the driver does not drain them, the oldest are dropped and counted.
    public var outboxCapacity: Int

    /// The kernel's defaults: threshold 3 50, no refresh period, no retries, persist mode off.
    public init(
        threshold: UInt32 = 3, period: UInt32 = 50, refreshPeriod: UInt32 = 0, retries: UInt32 = 0,
        persistMode: Bool = false, outboxCapacity: Int = 8192
    ) {
        self.threshold = threshold
        self.period = period
        self.refreshPeriod = refreshPeriod
        self.retries = min(retries, 3)
        self.persistMode = persistMode
        self.outboxCapacity = max(outboxCapacity, 1)
    }

    /// `sync_threshold`'s default T, used by a backup without a master daemon.
    public static let defaultThreshold: UInt32 = 3
}
