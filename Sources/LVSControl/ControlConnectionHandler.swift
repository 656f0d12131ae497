import Logging
import NIOCore

/// One accepted control connection: decodes request lines, checks the peer's right to send
/// them, passes them to the request handler and writes the replies back in request order.
final class ControlConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ControlFrame
    typealias OutboundOut = ByteBuffer

    private let requestHandler: any ControlRequestHandler
    private let policy: ControlAccessPolicy
    private let logger: Logger
    /// Credentials read once when the connection became active; nil if the kernel would not say.
    private var peer: PeerCredentials?
    /// Completes when the previous reply has been handed to the channel: each reply waits for it,
    /// which keeps replies in request order even when handling takes different times.
    private var lastReply: EventLoopFuture<Void>?

    init(requestHandler: any ControlRequestHandler, policy: ControlAccessPolicy, logger: Logger) {
        self.requestHandler = requestHandler
        self.policy = policy
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        lastReply = context.eventLoop.makeSucceededVoidFuture()
        if let provider = context.channel as? SocketOptionProvider {
            let future: EventLoopFuture<PeerCredentials.KernelLayout> = provider.unsafeGetSocketOption(
                level: SocketOptionLevel(PeerCredentials.socketLevel), name: PeerCredentials.optionName)
            // On the channel's own loop the option is read synchronously, so this runs before any
            // request can be read.
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            future.whenSuccess { raw in handler.value.peer = PeerCredentials(raw) }
        }
        logger.debug(
            "control connection opened",
            metadata: ["peer": "\(peer.map { "uid \($0.userID) pid \($0.processID)" } ?? "unknown")"])
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply: EventLoopFuture<ControlReply>
        switch unwrapInboundIn(data) {
        case .oversizedLine:
            logger.notice("control line longer than \(ControlProtocol.maximumLineLength) bytes discarded")
            let failure = ControlFailure(
                kind: .lineTooLong,
                message: "control message longer than \(ControlProtocol.maximumLineLength) bytes discarded")
            reply = context.eventLoop.makeSucceededFuture(ControlReply(id: nil, body: .failure(failure)))
        case .line(let line):
            reply = self.reply(to: line, on: context.eventLoop)
        }
        let channel = context.channel
        let previous = lastReply ?? context.eventLoop.makeSucceededVoidFuture()
        lastReply = previous.flatMap { reply }.map { reply in
            var buffer = channel.allocator.buffer(capacity: 256)
            buffer.writeBytes(ControlProtocol.encode(reply))
            channel.writeAndFlush(buffer, promise: nil)
        }
    }

    private func reply(to line: ByteBuffer, on eventLoop: any EventLoop) -> EventLoopFuture<ControlReply> {
        let request: ControlRequest
        switch ControlProtocol.decodeRequest(line.readableBytesView) {
        case .failure(let error):
            logger.notice("bad control message: \(error.failure.message)")
            return eventLoop.makeSucceededFuture(error.reply)
        case .success(let decoded):
            request = decoded
        }
        guard policy.permits(request.body, from: peer) else {
            logger.notice(
                "refused \(request.body.typeName) from uid \(peer.map { String($0.userID) } ?? "unknown")")
            return eventLoop.makeSucceededFuture(ControlReply(id: request.id, body: .failure(.permissionDenied)))
        }
        let id = request.id
        return requestHandler.handle(request.body)
            .hop(to: eventLoop)
            .map { ControlReply(id: id, body: $0) }
            .recover { error in
                ControlReply(
                    id: id,
                    body: .failure(
                        ControlFailure(kind: .unavailable, message: "lvsd could not handle the request: \(error)")))
            }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("control connection error: \(error)")
        context.close(promise: nil)
    }
}
