/// What `reload` answers when the configuration file was applied (`lvsadm --reload`).
public struct ReloadReport: Sendable, Hashable, Codable {
    /// The file `lvsd --config` names.
    public var path: String
    /// How many admin commands the difference held (0: the file matches the table).
    public var changes: Int
    /// The file's warnings, one `FILE:LINE:COLUMN: warning: MESSAGE` each.
    public var warnings: [String]

    public init(path: String, changes: Int, warnings: [String]) {
        self.path = path
        self.changes = changes
        self.warnings = warnings
    }
}

/// How many configuration reloads (SIGHUP or `lvsadm --reload`) the daemon ran and how the last
/// one went; carried by the `ping` reply for the metrics (docs/metrics.md, `lvsd_config_*`).
public struct ReloadStatistics: Sendable, Hashable, Codable {
    /// Reloads that applied the file (a file that changed nothing included).
    public var succeeded: UInt64
    /// Reloads that changed nothing because the file had errors, the director refused the
    /// difference, or there was no `--config` file.
    public var failed: UInt64
    /// The last reload's outcome; nil before the first.
    public var lastSucceeded: Bool?
    /// Seconds since the last reload ended; nil before the first.
    public var secondsSinceLast: Double?

    public init(succeeded: UInt64 = 0, failed: UInt64 = 0, lastSucceeded: Bool? = nil, secondsSinceLast: Double? = nil)
    {
        self.succeeded = succeeded
        self.failed = failed
        self.lastSucceeded = lastSucceeded
        self.secondsSinceLast = secondsSinceLast
    }
}
