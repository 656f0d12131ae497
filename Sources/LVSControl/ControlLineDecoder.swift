import NIOCore

/// One framed unit of the control stream.
public enum ControlFrame: Sendable, Hashable {
    /// A complete line, newline removed (a trailing `\r` is removed too).
    case line(ByteBuffer)
    /// A line longer than the limit arrived; its bytes were discarded up to and including its newline.
    case oversizedLine
}

/// Splits the byte stream into `\n`-terminated lines of at most `maximumLineLength` bytes.
///
/// An oversized line does not close the connection: its bytes are discarded as they arrive (so
/// memory stays bounded by the limit), and once its newline is seen one `.oversizedLine` frame is
/// emitted so the handler can answer with an error and go on reading the next line. A partial
/// line left when the peer disconnects is dropped silently (DESIGN.md §9: bad input never hurts).
public struct ControlLineDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ControlFrame

    public let maximumLineLength: Int
    /// True while the rest of an oversized line is being thrown away.
    private var discarding = false
    /// Bytes after the reader index already known to hold no newline: each byte is searched once,
    /// so a long line arriving in many reads costs linear, not quadratic, time.
    private var searched = 0

    public init(maximumLineLength: Int = ControlProtocol.maximumLineLength) {
        self.maximumLineLength = maximumLineLength
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = nextFrame(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        if let frame = nextFrame(from: &buffer) {
            context.fireChannelRead(Self.wrapInboundOut(frame))
            return .continue
        }
        // An unterminated tail at EOF is an incomplete request: drop it.
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }

    /// The framing rule itself, without a channel: the next frame, or nil if more bytes are needed.
    public mutating func nextFrame(from buffer: inout ByteBuffer) -> ControlFrame? {
        let view = buffer.readableBytesView
        let newline = view.dropFirst(min(searched, view.count)).firstIndex(of: UInt8(ascii: "\n"))
        searched = newline == nil ? view.count : 0
        if discarding {
            guard let newline else {
                buffer.moveReaderIndex(to: buffer.writerIndex)
                searched = 0
                return nil
            }
            buffer.moveReaderIndex(to: newline + 1)
            discarding = false
            return .oversizedLine
        }
        guard let newline else {
            if buffer.readableBytes > maximumLineLength {
                buffer.moveReaderIndex(to: buffer.writerIndex)
                searched = 0
                discarding = true
            }
            return nil
        }
        let length = newline - buffer.readerIndex
        guard length <= maximumLineLength else {
            buffer.moveReaderIndex(to: newline + 1)
            return .oversizedLine
        }
        guard var line = buffer.readSlice(length: length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 1)
        if line.readableBytesView.last == UInt8(ascii: "\r") {
            line = line.getSlice(at: line.readerIndex, length: line.readableBytes - 1) ?? line
        }
        return .line(line)
    }
}
