import LVSHealth
import NIOCore
import NIOPosix

/// SMTP_CHECK: read the `220` greeting, send `HELO <helo_name>`, expect `250`, send `QUIT`
/// (reference §8.5). Multi-line replies (`250-…`) are read to their last line.
public struct SMTPProbe: HealthProbe {
    public let name = "SMTP_CHECK"
    public var endpoint: ProbeEndpoint
    public var heloName: String

    public init(endpoint: ProbeEndpoint, heloName: String = "smtpchecker.keepalived.org") {
        self.endpoint = endpoint
        self.heloName = heloName
    }

    public func run(on eventLoop: any EventLoop, timeout: TimeAmount) -> EventLoopFuture<ProbeResult> {
        eventLoop.flatSubmit {
            let completion = ProbeCompletion(name: name, eventLoop: eventLoop, timeout: timeout)
            let helo = heloName
            connectTCP(
                endpoint, on: eventLoop, timeout: timeout, completion: completion,
                handlers: { channel in
                    try channel.pipeline.syncOperations.addHandler(SMTPDialogue(helo: helo, completion: completion))
                })
            return completion.futureResult
        }
    }
}

/// The three steps of the SMTP dialogue; runs on the channel's loop.
final class SMTPDialogue: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Step { case greeting, helo, done }
    private var step = Step.greeting
    private var pending: [UInt8] = []
    private let helo: String
    private let completion: ProbeCompletion

    init(helo: String, completion: ProbeCompletion) {
        self.helo = helo
        self.completion = completion
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        pending += buffer.readBytes(length: buffer.readableBytes) ?? []
        guard pending.count <= 64 * 1024 else {
            completion.fail("reply too long")
            return
        }
        while let newline = pending.firstIndex(of: 10) {
            let line = String(decoding: pending[..<newline], as: UTF8.self)
            pending.removeSubrange(...newline)
            handle(line: line.hasSuffix("\r") ? String(line.dropLast()) : line, context: context)
        }
    }

    private func handle(line: String, context: ChannelHandlerContext) {
        // Continuation lines ("250-…") are skipped; the last line ("250 …") decides.
        let bytes = Array(line.utf8)
        if bytes.count > 3 && bytes[3] == UInt8(ascii: "-") { return }
        let code = String(line.prefix(3))
        switch step {
        case .greeting:
            guard code == "220" else { return completion.fail("greeting \"\(line)\" (expected 220)") }
            step = .helo
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "HELO \(helo)\r\n")), promise: nil)
        case .helo:
            guard code == "250" else { return completion.fail("HELO reply \"\(line)\" (expected 250)") }
            step = .done
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "QUIT\r\n")), promise: nil)
            completion.succeed("HELO accepted")
        case .done:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        completion.fail("connection closed by the server")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        completion.fail(error)
    }
}
