import NIOCore
import NIOHTTP1

/// One route: a method and a path pattern, whether it changes state (what the bearer token
/// guards; docs/http-api.md, "Authentication"), and its handler.
///
/// Other parts of the daemon add routes this way (`HTTPServer`'s `extraRoutes`): `/metrics`, the
/// event log and the dashboard are routes like the REST API's.
public struct HTTPRoute: Sendable {
    public typealias Handler = @Sendable (HTTPRouteRequest) -> EventLoopFuture<HTTPResponse>

    public var method: HTTPMethod
    public var pattern: HTTPPathPattern
    /// True for routes that change state: they need the token whenever the endpoint is not on
    /// loopback.
    public var changesState: Bool
    public var handler: Handler

    public init(_ method: HTTPMethod, _ pattern: String, changesState: Bool? = nil, handler: @escaping Handler) {
        self.method = method
        self.pattern = HTTPPathPattern(pattern)
        self.changesState = changesState ?? !(method == .GET || method == .HEAD)
        self.handler = handler
    }
}

/// What a handler gets: the request as received, with the route's parameters.
public struct HTTPRouteRequest: Sendable {
    public var method: HTTPMethod
    /// The decoded path segments.
    public var path: [String]
    /// `{name}` values of the matched pattern.
    public var parameters: [String: String]
    /// The query string's members, decoded (the last of repeated names wins).
    public var query: [String: String]
    public var headers: HTTPHeaders
    public var body: ByteBuffer
    public var eventLoop: any EventLoop

    public init(
        method: HTTPMethod, path: [String], parameters: [String: String] = [:], query: [String: String] = [:],
        headers: HTTPHeaders = HTTPHeaders(), body: ByteBuffer = ByteBuffer(), eventLoop: any EventLoop
    ) {
        self.method = method
        self.path = path
        self.parameters = parameters
        self.query = query
        self.headers = headers
        self.body = body
        self.eventLoop = eventLoop
    }

    /// A ready future with `response`, for handlers that answer without waiting.
    public func respond(_ response: HTTPResponse) -> EventLoopFuture<HTTPResponse> {
        eventLoop.makeSucceededFuture(response)
    }
}
