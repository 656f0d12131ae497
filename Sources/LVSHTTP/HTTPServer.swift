import LVSControl
import LVSMetrics
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The HTTP endpoint (`lvsd --http`): NIOHTTP1 on the given event loops, one `HTTPRouter`
/// (docs/design/0022-http-endpoint.md).
///
/// Lifecycle: `start` binds and returns once listening; `stop` closes the listener (connections
/// in flight end with their event loop group).
public final class HTTPServer: Sendable {
    public let configuration: HTTPServerConfiguration
    /// The port actually bound (the configured one, or the kernel's choice for port 0).
    public let port: Int
    private let channel: any Channel
    /// The dashboard whose open streams `stop` ends, if this endpoint serves one.
    private let dashboard: Dashboard?

    private init(configuration: HTTPServerConfiguration, port: Int, channel: any Channel, dashboard: Dashboard?) {
        self.configuration = configuration
        self.port = port
        self.channel = channel
        self.dashboard = dashboard
    }

    /// The daemon's endpoint: the REST API, `/metrics` and the dashboard (`/`, `/api/v1/stream`)
    /// over `handler` (the director host) plus `extraRoutes`. On the same method and path an
    /// extra route wins over the built-in ones.
    public static func start(
        _ configuration: HTTPServerConfiguration, handler: any ControlRequestHandler, extraRoutes: [HTTPRoute] = [],
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
    ) async throws -> HTTPServer {
        let dashboard = Dashboard(handler: handler)
        return try await start(
            configuration,
            routes: extraRoutes + [MetricsExporter(handler: handler).route] + dashboard.routes
                + RESTAPI(handler: handler).routes,
            group: group, logger: logger, dashboard: dashboard)
    }

    /// An endpoint serving exactly `routes`.
    public static func start(
        _ configuration: HTTPServerConfiguration, routes: [HTTPRoute],
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
    ) async throws -> HTTPServer {
        try await start(configuration, routes: routes, group: group, logger: logger, dashboard: nil)
    }

    private static func start(
        _ configuration: HTTPServerConfiguration, routes: [HTTPRoute], group: any EventLoopGroup, logger: Logger,
        dashboard: Dashboard?
    ) async throws -> HTTPServer {
        let router = HTTPRouter(routes)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        HTTPRequestHandler(router: router, configuration: configuration, logger: logger))
                }
            }
            .bind(host: configuration.host, port: configuration.port).get()
        let port = channel.localAddress?.port ?? configuration.port
        logger.info("HTTP endpoint listening on \(configuration.host):\(port)")
        return HTTPServer(configuration: configuration, port: port, channel: channel, dashboard: dashboard)
    }

    /// `http://HOST:PORT/` (IPv6 in brackets).
    public var baseURL: String {
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        return "http://\(host):\(port)/"
    }

    public func stop() async {
        dashboard?.closeStreams()
        try? await channel.close()
    }
}
