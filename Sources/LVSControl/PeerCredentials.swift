#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Who is at the other end of a Unix socket, as the kernel saw it at `connect(2)` (SO_PEERCRED).
public struct PeerCredentials: Sendable, Hashable {
    public var processID: Int32
    public var userID: UInt32
    public var groupID: UInt32

    public init(processID: Int32, userID: UInt32, groupID: UInt32) {
        self.processID = processID
        self.userID = userID
        self.groupID = groupID
    }

    /// The layout of Linux's `struct ucred` (pid_t, uid_t, gid_t), which Glibc only declares
    /// under `_GNU_SOURCE`; passed to `getsockopt(SOL_SOCKET, SO_PEERCRED)`.
    struct KernelLayout: Sendable {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    /// `SO_PEERCRED` (17 on every Linux architecture Swift supports).
    static let optionName: Int32 = 17
    static let socketLevel: Int32 = Int32(SOL_SOCKET)

    init(_ raw: KernelLayout) {
        self.init(processID: raw.pid, userID: raw.uid, groupID: raw.gid)
    }
}

/// Who may do what over the control socket (DESIGN.md §5): reading is open to anyone who can
/// connect (the socket's 0600 mode already limits that), changing state only to root or to the
/// user the daemon runs as.
public struct ControlAccessPolicy: Sendable, Hashable {
    /// The daemon's effective uid.
    public var daemonUserID: UInt32

    public init(daemonUserID: UInt32) { self.daemonUserID = daemonUserID }

    /// The policy for this process.
    public static var forCurrentProcess: ControlAccessPolicy { ControlAccessPolicy(daemonUserID: geteuid()) }

    /// True if `peer` may send `request`. Unknown credentials may only read.
    public func permits(_ request: ControlRequestBody, from peer: PeerCredentials?) -> Bool {
        guard request.changesState else { return true }
        guard let peer else { return false }
        return peer.userID == 0 || peer.userID == daemonUserID
    }
}
