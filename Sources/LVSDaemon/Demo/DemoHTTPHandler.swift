import NIOCore

/// Answers every request on a demo real server's connection with the server's greeting
/// (`DemoRealServer`). Keep-alive as the client asks (RFC 9112 §9.3); a request the parser
/// cannot frame gets a 400 and the connection is closed.
final class DemoHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var parser = DemoHTTPRequestParser()
    private let greeting: String
    private var closing = false

    init(greeting: String) {
        self.greeting = greeting
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        let bytes = unwrapInboundIn(data)
        parser.append(bytes.readableBytesView)
        var wrote = false
        while let outcome = parser.nextRequest() {
            let response: DemoHTTPResponse
            switch outcome {
            case .request(let request):
                response = DemoHTTPResponse(answering: request, greeting: greeting)
            case .malformed:
                response = .badRequest
            }
            let buffer = context.channel.allocator.buffer(bytes: response.bytes)
            wrote = true
            guard response.keepAlive else {
                closing = true
                // Close once the answer is out: closing at once would drop the pending write.
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
                return
            }
            context.write(wrapOutboundOut(buffer), promise: nil)
        }
        if wrote { context.flush() }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A reset by the client is routine for a demo server; nothing to report.
        context.close(promise: nil)
    }
}

/// One answer of a demo real server, as bytes.
struct DemoHTTPResponse: Sendable, Hashable {
    var bytes: [UInt8]
    var keepAlive: Bool

    /// `200 OK` with the greeting as a `text/plain` body (none for `HEAD`, RFC 9110 §9.3.2,
    /// but the same Content-Length).
    init(answering request: DemoHTTPRequestParser.Request, greeting: String) {
        let body = Array(greeting.utf8)
        var head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: \(body.count)\r\n"
        if !request.keepAlive {
            head += "Connection: close\r\n"
        } else if request.isHTTP10 {
            head += "Connection: keep-alive\r\n"
        }
        head += "\r\n"
        bytes = Array(head.utf8) + (request.method == "HEAD" ? [] : body)
        keepAlive = request.keepAlive
    }

    private init(bytes: [UInt8], keepAlive: Bool) {
        self.bytes = bytes
        self.keepAlive = keepAlive
    }

    static let badRequest = DemoHTTPResponse(
        bytes: Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8),
        keepAlive: false)
}
