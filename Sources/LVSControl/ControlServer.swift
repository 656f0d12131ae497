import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The control socket: a Unix stream socket speaking the JSON-lines protocol (DESIGN.md §5).
///
/// Lifecycle: `start` checks the path (refuses if a live daemon answers there, removes a stale
/// socket file), binds with mode 0600 and accepts; `close` stops accepting and removes the file.
public final class ControlServer: Sendable {
    /// The socket file's path.
    public let path: String
    private let channel: any Channel
    private let logger: Logger

    private init(path: String, channel: any Channel, logger: Logger) {
        self.path = path
        self.channel = channel
        self.logger = logger
    }

    /// Binds the socket at `path` and starts serving `handler`.
    public static func start(
        path: String,
        group: any EventLoopGroup,
        handler: any ControlRequestHandler,
        policy: ControlAccessPolicy = .forCurrentProcess,
        logger: Logger
    ) async throws -> ControlServer {
        try prepare(path: path, logger: logger)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            // Out of descriptors (EMFILE), accept would fail at once forever: back off instead of
            // spinning, so lvsadm is answered again as soon as descriptors free up.
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptBackoffHandler())
                }
            }
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(ControlLineDecoder()))
                    try channel.pipeline.syncOperations.addHandler(
                        ControlConnectionHandler(requestHandler: handler, policy: policy, logger: logger))
                }
            }
        // Mode 0600 from the start (DESIGN.md §5): the umask covers the instant between bind(2)
        // and the chmod below. umask is process-wide; files created by other threads in that
        // instant only get stricter modes, never looser ones.
        let channel: any Channel
        do {
            channel = try await RestrictiveUmask.during {
                try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: false).get()
            }
        } catch {
            throw ControlServerError.cannotBind(path: path, reason: NetworkErrorText.cause(of: error))
        }
        guard chmod(path, 0o600) == 0 else {
            let reason = String(cString: strerror(errno))
            try? await channel.close()
            throw ControlServerError.cannotBind(path: path, reason: "chmod 0600: \(reason)")
        }
        return ControlServer(path: path, channel: channel, logger: logger)
    }

    /// Stops accepting, closes the listening socket and removes the socket file. Connections
    /// already accepted end with their event loop group.
    public func close() async {
        try? await channel.close()
        if unlink(path) != 0, errno != ENOENT {
            logger.warning("could not remove control socket \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Makes `path` free for binding: nothing there, or a stale socket file nobody answers on.
    static func prepare(path: String, logger: Logger) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw ControlServerError.cannotBind(path: path, reason: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else { throw ControlServerError.notASocket(path: path) }
        switch UnixSocket.connect(path: path, timeoutMilliseconds: 1000) {
        case .success(let socket):
            socket.close()
            throw ControlServerError.alreadyRunning(path: path)
        case .failure(let error) where error.code == ECONNREFUSED:
            logger.info("removing stale control socket \(path)")
            guard unlink(path) == 0 || errno == ENOENT else {
                throw ControlServerError.cannotBind(path: path, reason: String(cString: strerror(errno)))
            }
        case .failure(let error):
            throw ControlServerError.cannotBind(path: path, reason: error.description)
        }
    }
}

/// Why the control socket could not be set up.
public enum ControlServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A daemon already answers on the socket.
    case alreadyRunning(path: String)
    /// The path exists and is not a socket: we do not delete other people's files.
    case notASocket(path: String)
    case cannotBind(path: String, reason: String)

    public var description: String {
        switch self {
        case .alreadyRunning(let path): return "another lvsd is already listening on \(path)"
        case .notASocket(let path): return "\(path) exists and is not a socket; refusing to replace it"
        case .cannotBind(let path, let reason): return "cannot listen on \(path): \(reason)"
        }
    }
}
