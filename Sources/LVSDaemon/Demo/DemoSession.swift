import LVSControl
import LVSCore
import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// `lvsd --demo` (DESIGN.md §2): the daemon, three demo real servers on 127.0.0.1 and a virtual
/// service over them, configured through the same request `lvsadm` sends.
///
/// Lifecycle: `start` brings up the real servers, then the daemon, then applies the
/// `DemoPlan` as one batch; on any failure it stops what it started. `stop` stops the daemon
/// (its control socket is removed), the real servers, and the private socket directory if the
/// demo made one.
public final class DemoSession: Sendable {
    public let plan: DemoPlan
    public let daemon: DirectorDaemon
    public let realServers: [DemoRealServer]
    private let group: MultiThreadedEventLoopGroup
    private let privateSocketDirectory: String?
    private let logger: Logger

    private init(
        plan: DemoPlan, daemon: DirectorDaemon, realServers: [DemoRealServer], group: MultiThreadedEventLoopGroup,
        privateSocketDirectory: String?, logger: Logger
    ) {
        self.plan = plan
        self.daemon = daemon
        self.realServers = realServers
        self.group = group
        self.privateSocketDirectory = privateSocketDirectory
        self.logger = logger
    }

    /// A fresh private directory (mode 0700) for the control socket, for a user who is not root
    /// and has no `XDG_RUNTIME_DIR`, so that the demo works on a fresh machine anyway.
    public static func makePrivateSocketDirectory() throws(DemoError) -> String {
        let base = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((base.hasSuffix("/") ? base : base + "/").utf8CString.dropLast())
        template += Array("lvsd-demo-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let pointer = buffer.baseAddress else { return false }
            return mkdtemp(pointer) != nil
        }
        guard made else {
            throw DemoError("cannot create a private directory for the control socket under \(base): errno \(errno)")
        }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // mkdtemp's 0700 is filtered by the umask; a restrictive one would leave it unusable.
        _ = chmod(path, 0o700)
        return path
    }

    /// Starts the demo with `configuration` (its control socket path, engine settings and seed).
    /// - Parameter privateSocketDirectory: a directory from `makePrivateSocketDirectory()` that
    ///   holds the control socket and is removed by `stop`, or nil.
    public static func start(
        _ configuration: DaemonConfiguration, privateSocketDirectory: String? = nil, logger: Logger
    ) async throws -> DemoSession {
        guard !configuration.dryRun else {
            throw DemoError("--demo forwards traffic, so it cannot be combined with --dry-run")
        }
        guard configuration.rulesFile == nil else {
            throw DemoError("--demo configures its own virtual service; leave out --rules")
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var servers: [DemoRealServer] = []
        var daemon: DirectorDaemon?
        do {
            for (index, port) in DemoPlan.preferredRealServerPorts.enumerated() {
                servers.append(try await DemoRealServer.start(number: index + 1, preferredPort: port, group: group))
            }
            let virtualPort = try DemoPorts.tcpPort(preferring: DemoPlan.preferredVirtualPort)
            let started = try await DirectorDaemon.start(configuration, logger: logger)
            daemon = started
            let plan = DemoPlan(
                virtualPort: virtualPort, realServerPorts: servers.map(\.port),
                controlSocketPath: started.controlServer.path)
            try await apply(plan, to: started)
            return DemoSession(
                plan: plan, daemon: started, realServers: servers, group: group,
                privateSocketDirectory: privateSocketDirectory, logger: logger)
        } catch {
            await daemon?.stop()
            for server in servers { await server.close() }
            try? await group.shutdownGracefully()
            removeDirectory(privateSocketDirectory)
            throw error
        }
    }

    /// Applies the plan as one batch, as `lvsadm` lines would (same request, same handler).
    private static func apply(_ plan: DemoPlan, to daemon: DirectorDaemon) async throws {
        let reply = try await daemon.host.handle(.applyBatch(try plan.commands())).get()
        switch reply {
        case .ok:
            return
        case .failure(let failure):
            throw DemoError("configuring the demo virtual service failed: \(failure.message)")
        case .table, .connections, .timeouts, .daemons, .pong, .engineStats, .reloaded, .health, .vrrp, .sync,
            .announcements,
            .events, .explanation:
            throw DemoError("configuring the demo virtual service got an unexpected '\(reply.typeName)' reply")
        }
    }

    /// Stops the daemon, then the real servers, and removes the private socket directory.
    public func stop() async {
        await daemon.stop()
        for server in realServers { await server.close() }
        try? await group.shutdownGracefully()
        Self.removeDirectory(privateSocketDirectory)
        logger.info("demo stopped")
    }

    private static func removeDirectory(_ path: String?) {
        guard let path else { return }
        // The socket file is already gone (ControlServer.close unlinks it); rmdir fails, and
        // leaves the directory, if anything else appeared there.
        _ = unlink(path + "/" + ControlSocketLocation.fileName)
        _ = rmdir(path)
    }
}
