/// How the proxy engine is sized and what it may do (`lvsd` flags; docs/design/0007-proxy-engine.md).
public struct ProxyEngineConfiguration: Sendable, Hashable {
    /// When a direction of a TCP connection moves its bytes with splice(2) through a pooled pipe
    /// instead of read/write through a pooled buffer.
    public enum SpliceMode: String, Sendable, Hashable, CaseIterable {
        /// Always copy through user space.
        case never
        /// Copy first; switch a direction to splice once one read fills a whole buffer (bulk).
        case afterFullBuffer = "bulk"
        /// Splice from the first byte (directions that carry a PROXY header still copy it first).
        case always
    }

    /// Reactor threads (`--reactors N`); one per online CPU by default.
    public var reactorCount: Int
    /// Most proxied connections (TCP) plus UDP sessions held at once, daemon-wide; 0 = no limit.
    public var maxConnections: Int
    /// Most held per virtual service; 0 = no limit.
    public var maxServiceConnections: Int
    /// How long a connect to a real server may take before the next one is tried.
    public var connectTimeoutMilliseconds: UInt64
    /// Connect attempts per client connection, the first included (HAProxy's `retries` + 1):
    /// each failed attempt is redispatched to another real server.
    public var connectAttempts: Int
    /// Bytes per pooled buffer: the most a direction holds in user space.
    public var bufferSize: Int
    /// Buffers per reactor (one is lent per direction only while it holds bytes).
    public var buffersPerReactor: Int
    /// Splice pipes per reactor (two fds each; lent per direction only while bulk flows).
    public var pipesPerReactor: Int
    public var splice: SpliceMode
    /// Capacity asked of each splice pipe (F_SETPIPE_SZ), also the most one splice moves; 0 keeps
    /// the system default (64 KiB). Bigger pipes mean fewer splices and wake-ups per byte: on this
    /// machine 256 KiB took bulk transfers from 0.6x to about 1.2x HAProxy-with-splice in Gbit per
    /// proxy CPU-second (docs/performance.md). Unprivileged users get at most
    /// fs.pipe-user-pages-soft (64 MiB) of pipes at full size; past that the kernel refuses and the
    /// pipe keeps its default size.
    public var pipeSize: Int
    /// Most UDP sessions (one socket towards the real server each) the engine keeps, daemon-wide;
    /// 0 = half of RLIMIT_NOFILE. Past it the least recently used session of the worker is
    /// closed (`udp_evicted_sessions`), so a flood of new source ports cannot exhaust descriptors.
    public var maxUDPSessions: Int
    /// Bind VIPs that are not local addresses (IP_FREEBIND), for `lvsd --transparent`.
    public var freeBind: Bool
    /// Pause after accept hit the descriptor limit before draining the listener again.
    public var acceptBackoffMilliseconds: UInt64

    public init(
        reactorCount: Int = 0, maxConnections: Int = 0, maxServiceConnections: Int = 0,
        connectTimeoutMilliseconds: UInt64 = 5_000, connectAttempts: Int = 3, bufferSize: Int = 16 * 1024,
        buffersPerReactor: Int = 4096, pipesPerReactor: Int = 512, splice: SpliceMode = .afterFullBuffer,
        pipeSize: Int = 256 * 1024, maxUDPSessions: Int = 0, freeBind: Bool = false,
        acceptBackoffMilliseconds: UInt64 = 100
    ) {
        self.reactorCount = reactorCount
        self.maxConnections = max(0, maxConnections)
        self.maxServiceConnections = max(0, maxServiceConnections)
        self.connectTimeoutMilliseconds = max(1, connectTimeoutMilliseconds)
        self.connectAttempts = max(1, connectAttempts)
        self.bufferSize = max(1024, bufferSize)
        self.buffersPerReactor = max(16, buffersPerReactor)
        self.pipesPerReactor = max(0, pipesPerReactor)
        self.splice = splice
        self.pipeSize = pipeSize <= 0 ? 0 : min(max(pipeSize, 4096), 1 << 20)
        self.maxUDPSessions = max(0, maxUDPSessions)
        self.freeBind = freeBind
        self.acceptBackoffMilliseconds = max(1, acceptBackoffMilliseconds)
    }
}
