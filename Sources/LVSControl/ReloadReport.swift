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
