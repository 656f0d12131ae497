import NIOCore
import NIOHTTP1

/// A response body that is written over time (the dashboard's server-sent events,
/// docs/http-api.md "Live stream"): the head goes out without a length (chunked), then `start`
/// gets a writer; the connection stays open until the stream finishes or the client leaves.
public struct HTTPStreamBody: Sendable {
    /// Called once on the connection's event loop after the head was sent.
    public var start: @Sendable (HTTPStreamWriter) -> Void
    /// Called instead of `start` when no body follows (a HEAD request): releases what the
    /// route reserved.
    public var cancel: @Sendable () -> Void

    public init(start: @escaping @Sendable (HTTPStreamWriter) -> Void, cancel: @escaping @Sendable () -> Void = {}) {
        self.start = start
        self.cancel = cancel
    }
}

/// Writes one streamed body onto its connection.
public struct HTTPStreamWriter: Sendable {
    let channel: any Channel

    init(channel: any Channel) {
        self.channel = channel
    }

    public var eventLoop: any EventLoop { channel.eventLoop }

    /// Completes when the connection closes, whoever closed it.
    public var closed: EventLoopFuture<Void> { channel.closeFuture }

    /// Sends `text` at once (written and flushed); fails once the client has gone.
    public func write(_ text: String) -> EventLoopFuture<Void> {
        channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(channel.allocator.buffer(string: text))))
    }

    /// Ends the body and closes the connection.
    public func finish() {
        let channel = self.channel
        channel.writeAndFlush(HTTPServerResponsePart.end(nil)).whenComplete { _ in channel.close(promise: nil) }
    }
}
