import Foundation
import LVSControl
import LVSCore
import LVSDaemon
import LVSHTTP
import Logging
import NIOCore
import NIOEmbedded
import NIOPosix

/// A handler for tests that only need the route table (it is never asked anything).
struct NoHandler: ControlRequestHandler {
    func handle(_ request: ControlRequestBody) -> EventLoopFuture<ControlReplyBody> {
        EmbeddedEventLoop().makeSucceededFuture(.ok)
    }
}

/// A dry-run director host with the HTTP endpoint on 127.0.0.1 and a kernel-chosen port.
struct HTTPTestDaemon {
    let group: MultiThreadedEventLoopGroup
    let host: DirectorHost
    let server: HTTPServer

    static func start(access: HTTPAccessPolicy? = nil) async throws -> HTTPTestDaemon {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let host = DirectorHost(
            director: Director(seed: 1), eventLoop: group.next(),
            serverInfo: ControlServerInfo(daemonVersion: "t", dryRun: true), logger: Logger(label: "test"))
        let policy = try access ?? HTTPAccessPolicy.forBinding(host: "127.0.0.1", token: nil, authReads: false)
        let server = try await HTTPServer.start(
            HTTPServerConfiguration(host: "127.0.0.1", port: 0, access: policy), handler: host, group: group,
            logger: Logger(label: "test"))
        return HTTPTestDaemon(group: group, host: host, server: server)
    }

    /// Runs `body` with a started daemon and stops it afterwards, whatever `body` did.
    static func with(access: HTTPAccessPolicy? = nil, _ body: (HTTPTestDaemon) async throws -> Void) async throws {
        let daemon = try await start(access: access)
        do {
            try await body(daemon)
        } catch {
            await daemon.stop()
            throw error
        }
        await daemon.stop()
    }

    func stop() async {
        await server.stop()
        try? await group.shutdownGracefully()
    }

    /// What the control protocol says the table is.
    func table() async throws -> TableSnapshot {
        guard case .table(let table) = try await host.handle(.getTable).get() else { throw TestFailure.unexpectedReply }
        return table
    }

    enum TestFailure: Error { case unexpectedReply }
}
