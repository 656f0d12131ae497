import LVSCore

/// What `-L`/`-l` asked for (reference §1.6). Produced by the parser, consumed by the formatter.
public struct ListOptions: Sendable, Hashable, Codable {
    /// `-n`: no name resolution.
    public var numeric = false
    /// `-c`: the connection table.
    public var connections = false
    /// `--timeout`
    public var timeout = false
    /// `--daemon`
    public var daemon = false
    public var stats = false
    public var rate = false
    public var thresholds = false
    /// `--persistent-conn`
    public var persistentConnections = false
    /// `--tun-info`
    public var tunnelInfo = false
    /// `--exact` (`-X`)
    public var exact = false
    /// `--nosort` (`--sort` is the default and a no-op)
    public var noSort = false
    /// `-t/-u/--sctp-service/-f`: list only this service.
    public var service: VirtualServiceID?
    /// `--json`: our addition, one documented schema (docs/json.md).
    public var json = false

    public init() {}
}
