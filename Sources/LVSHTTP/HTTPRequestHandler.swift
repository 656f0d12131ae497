import Logging
import NIOCore
import NIOHTTP1

/// One connection's requests: collects head and body within the limits, checks access and
/// content type, runs the route and writes its response (docs/http-api.md, "Errors").
///
/// Runs behind NIO's `HTTPServerPipelineHandler`, which holds back a pipelined request until the
/// previous response is written, so at most one request is in flight here.
final class HTTPRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let router: HTTPRouter
    private let configuration: HTTPServerConfiguration
    private let logger: Logger
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    /// A response was already sent for this request (413, 431): drop the rest of it and close.
    private var refused = false

    init(router: HTTPRouter, configuration: HTTPServerConfiguration, logger: Logger) {
        self.router = router
        self.configuration = configuration
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body.clear()
            refused = false
            let headerSize =
                requestHead.uri.utf8.count
                + requestHead.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count }
            if headerSize > configuration.maximumHeaderSize {
                refuse(
                    context: context, status: .requestHeaderFieldsTooLarge, kind: "headers_too_large",
                    message: "the request's header fields exceed \(configuration.maximumHeaderSize) bytes")
            } else if let length = requestHead.headers.first(name: "Content-Length").flatMap(Int.init),
                length > configuration.maximumBodySize
            {
                refuse(
                    context: context, status: .payloadTooLarge, kind: "body_too_large",
                    message: "the request body exceeds \(configuration.maximumBodySize) bytes")
            }
        case .body(var chunk):
            guard !refused else { return }
            if body.readableBytes + chunk.readableBytes > configuration.maximumBodySize {
                refuse(
                    context: context, status: .payloadTooLarge, kind: "body_too_large",
                    message: "the request body exceeds \(configuration.maximumBodySize) bytes")
                return
            }
            body.writeBuffer(&chunk)
        case .end:
            guard !refused, let requestHead = head else { return }
            head = nil
            dispatch(requestHead, context: context)
        }
    }

    private func refuse(context: ChannelHandlerContext, status: HTTPResponseStatus, kind: String, message: String) {
        refused = true
        write(.error(status, kind: kind, message: message), keepAlive: false, headOnly: false, context: context)
    }

    private func dispatch(_ requestHead: HTTPRequestHead, context: ChannelHandlerContext) {
        let keepAlive = requestHead.isKeepAlive
        let headOnly = requestHead.method == .HEAD
        let response = route(requestHead, context: context)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        response.hop(to: context.eventLoop).whenComplete { result in
            let (handler, context) = bound.value
            switch result {
            case .success(let response):
                handler.write(response, keepAlive: keepAlive, headOnly: headOnly, context: context)
            case .failure(let error):
                handler.logger.error("HTTP \(requestHead.method.rawValue) \(requestHead.uri) failed: \(error)")
                handler.write(
                    .error(.internalServerError, kind: "internal", message: "the request could not be handled"),
                    keepAlive: false, headOnly: headOnly, context: context)
            }
        }
    }

    /// The response, or a future of it, for a complete request.
    private func route(_ requestHead: HTTPRequestHead, context: ChannelHandlerContext) -> EventLoopFuture<HTTPResponse>
    {
        let eventLoop = context.eventLoop
        guard let (path, query) = HTTPRouter.split(target: requestHead.uri) else {
            return eventLoop.makeSucceededFuture(
                .error(
                    .badRequest, kind: "bad_request", message: "the request target is not valid percent-encoded UTF-8"))
        }
        switch router.resolve(method: requestHead.method, path: path) {
        case .notFound:
            return eventLoop.makeSucceededFuture(
                .error(.notFound, kind: "not_found", message: "no such resource: \(requestHead.uri)"))
        case .methodNotAllowed(let allowed):
            var response = HTTPResponse.error(
                .methodNotAllowed, kind: "method_not_allowed",
                message:
                    "\(requestHead.method.rawValue) is not allowed here; use \(allowed.map(\.rawValue).joined(separator: ", "))"
            )
            response.headers.add(name: "Allow", value: allowed.map(\.rawValue).joined(separator: ", "))
            return eventLoop.makeSucceededFuture(response)
        case .matched(let route, let parameters):
            guard
                configuration.access.permits(
                    changesState: route.changesState, authorization: requestHead.headers.first(name: "Authorization"))
            else {
                var response = HTTPResponse.error(
                    .unauthorized, kind: "unauthorized",
                    message: "this request needs the header Authorization: Bearer <token of --http-token-file>")
                response.headers.add(name: "WWW-Authenticate", value: "Bearer")
                return eventLoop.makeSucceededFuture(response)
            }
            if body.readableBytes > 0 && !Self.isJSON(requestHead.headers.first(name: "Content-Type")) {
                return eventLoop.makeSucceededFuture(
                    .error(
                        .unsupportedMediaType, kind: "unsupported_media_type",
                        message: "request bodies must be JSON (Content-Type: application/json)"))
            }
            let request = HTTPRouteRequest(
                method: requestHead.method, path: path, parameters: parameters, query: query,
                headers: requestHead.headers, body: body, eventLoop: eventLoop)
            return route.handler(request)
        }
    }

    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map { String($0) } ?? ""
        let trimmed = mediaType.trimmingWhitespace().lowercased()
        return trimmed == "application/json" || (trimmed.hasPrefix("application/") && trimmed.hasSuffix("+json"))
    }

    private func write(_ response: HTTPResponse, keepAlive: Bool, headOnly: Bool, context: ChannelHandlerContext) {
        if let stream = response.stream {
            writeStream(response, stream, headOnly: headOnly, context: context)
            return
        }
        var headers = response.headers
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))),
            promise: nil)
        if !headOnly && !response.body.isEmpty {
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))),
                promise: nil)
        }
        let done = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        if !keepAlive {
            let channel = context.channel
            done.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// A streamed body: no length, so HTTP/1.1 chunked; the connection is the stream's until it
    /// ends (it is never reused for another request).
    private func writeStream(
        _ response: HTTPResponse, _ stream: HTTPStreamBody, headOnly: Bool, context: ChannelHandlerContext
    ) {
        var headers = response.headers
        headers.remove(name: "Content-Length")
        headers.replaceOrAdd(name: "Connection", value: "close")
        context.writeAndFlush(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))),
            promise: nil)
        if headOnly {
            stream.cancel()
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
            return
        }
        stream.start(HTTPStreamWriter(channel: context.channel))
    }
}
