import LVSControl
import NIOCore
import NIOPosix

/// A small built-in HTTP server on 127.0.0.1 that answers every request with its own name, so
/// that curl through the virtual service shows which real server a connection reached.
///
/// It is a demo prop, not part of the data plane, so it runs on SwiftNIO (DESIGN.md §3).
public final class DemoRealServer: Sendable {
    /// 1-based, as the greeting says.
    public let number: Int
    /// The port it listens on, on 127.0.0.1.
    public let port: Int
    /// What it answers, ending in a newline: `Hello from real server 1 (127.0.0.1:8081)`.
    public let greeting: String
    private let channel: any Channel

    private init(number: Int, port: Int, greeting: String, channel: any Channel) {
        self.number = number
        self.port = port
        self.greeting = greeting
        self.channel = channel
    }

    /// The greeting of real server `number` listening on `port`.
    public static func greeting(number: Int, port: Int) -> String {
        "Hello from real server \(number) (127.0.0.1:\(port))\n"
    }

    /// Binds 127.0.0.1:`preferredPort`, or a free port the kernel picks when that one is taken
    /// (or when `preferredPort` is 0), and starts answering.
    public static func start(number: Int, preferredPort: Int, group: any EventLoopGroup) async throws -> DemoRealServer
    {
        let channel: any Channel
        do {
            channel = try await bind(port: preferredPort, number: number, group: group)
        } catch  where preferredPort != 0 {
            do {
                channel = try await bind(port: 0, number: number, group: group)
            } catch {
                throw DemoError("real server \(number): \(NetworkErrorText.listenFailure("127.0.0.1", error))")
            }
        } catch {
            throw DemoError("real server \(number): \(NetworkErrorText.listenFailure("127.0.0.1:0", error))")
        }
        guard let port = channel.localAddress?.port else {
            try? await channel.close()
            throw DemoError("real server \(number): the listening socket has no port")
        }
        return DemoRealServer(
            number: number, port: port, greeting: greeting(number: number, port: port), channel: channel)
    }

    private static func bind(port: Int, number: Int, group: any EventLoopGroup) async throws -> any Channel {
        // The greeting needs the port, known only after binding: the handler reads it from the
        // listening channel's address when a connection arrives.
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    let listeningPort = child.parent?.localAddress?.port ?? 0
                    try child.pipeline.syncOperations.addHandler(
                        DemoHTTPHandler(greeting: greeting(number: number, port: listeningPort)))
                }
            }
            .bind(host: "127.0.0.1", port: port)
            .get()
    }

    /// Stops listening (open connections close with the event loop group).
    public func close() async {
        try? await channel.close()
    }
}

/// A demo set-up step that failed, with a message for the user.
public struct DemoError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
