import LVSHealth
import NIOCore
import NIOPosix

/// UDP_CHECK: send the payload to the real server. Without `require_reply` the check passes
/// when no ICMP error (port, host or network unreachable) comes back within the timeout; with
/// it, a reply of `minReplyLength…maxReplyLength` bytes matching the hex pattern (`X` nibbles
/// match anything) is required (reference §8.5).
public struct UDPProbe: HealthProbe {
    public let name = "UDP_CHECK"
    public var endpoint: ProbeEndpoint
    public var payload: [UInt8]
    public var requireReply: Bool
    /// Hex nibbles, `X`/`x` wildcards; nil: any reply.
    public var replyPattern: String?
    public var minReplyLength: Int
    public var maxReplyLength: Int

    public init(
        endpoint: ProbeEndpoint, payload: [UInt8], requireReply: Bool = false, replyPattern: String? = nil,
        minReplyLength: Int = 0, maxReplyLength: Int = 255
    ) {
        self.endpoint = endpoint
        self.payload = payload
        self.requireReply = requireReply
        self.replyPattern = replyPattern
        self.minReplyLength = minReplyLength
        self.maxReplyLength = maxReplyLength
    }

    public func run(on eventLoop: any EventLoop, timeout: TimeAmount) -> EventLoopFuture<ProbeResult> {
        eventLoop.flatSubmit {
            let completion = ProbeCompletion(
                name: name, eventLoop: eventLoop, timeout: timeout,
                successOnTimeout: requireReply ? nil : "no ICMP error from \(endpoint)")
            let probe = self
            connectUDP(endpoint, on: eventLoop, completion: completion, payload: payload) { reply in
                guard probe.requireReply else { return }
                if let problem = probe.problem(with: reply) {
                    completion.fail(problem)
                } else {
                    completion.succeed("reply of \(reply.count) bytes from \(probe.endpoint)")
                }
            }
            return completion.futureResult
        }
    }

    /// Why a reply does not satisfy `require_reply`, or nil when it does.
    func problem(with reply: [UInt8]) -> String? {
        guard reply.count >= minReplyLength && reply.count <= maxReplyLength else {
            return "reply of \(reply.count) bytes (expected \(minReplyLength)-\(maxReplyLength))"
        }
        guard let pattern = replyPattern else { return nil }
        let nibbles = Array(pattern.utf8)
        for (index, nibble) in nibbles.enumerated() {
            if nibble == UInt8(ascii: "X") || nibble == UInt8(ascii: "x") { continue }
            guard let expected = Self.hexValue(nibble) else { return "bad reply pattern" }
            let byteIndex = index / 2
            guard byteIndex < reply.count else { return "reply shorter than its pattern" }
            let actual = index % 2 == 0 ? reply[byteIndex] >> 4 : reply[byteIndex] & 0x0F
            if actual != expected { return "reply does not match \(pattern)" }
        }
        return nil
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension HealthProbe {
    /// Opens a connected UDP socket to `endpoint`, sends `payload`, and passes each reply to
    /// `onReply`. ICMP errors on a connected socket arrive as read errors and fail the probe.
    func connectUDP(
        _ endpoint: ProbeEndpoint, on eventLoop: any EventLoop, completion: ProbeCompletion, payload: [UInt8],
        onReply: @escaping @Sendable ([UInt8]) -> Void
    ) {
        do {
            let remote = try endpoint.socketAddress()
            let local = try endpoint.localAddress()
            let bootstrap = DatagramBootstrap(group: eventLoop).channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DatagramReplies(completion: completion, onReply: onReply))
                }
            }
            let connected: EventLoopFuture<any Channel>
            if let local {
                connected = bootstrap.bind(to: local).flatMap { channel in
                    channel.connect(to: remote).map { channel }
                }
            } else {
                connected = bootstrap.connect(to: remote)
            }
            connected.whenComplete { result in
                switch result {
                case .success(let channel):
                    completion.attach(channel)
                    channel.writeAndFlush(ByteBuffer(bytes: payload)).whenFailure { completion.fail($0) }
                case .failure(let error):
                    completion.fail(error)
                }
            }
        } catch {
            completion.fail(error)
        }
    }
}

/// Hands datagrams (connected socket: plain buffers) and read errors to the probe.
final class DatagramReplies: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let completion: ProbeCompletion
    private let onReply: ([UInt8]) -> Void

    init(completion: ProbeCompletion, onReply: @escaping ([UInt8]) -> Void) {
        self.completion = completion
        self.onReply = onReply
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var envelope = unwrapInboundIn(data)
        onReply(envelope.data.readBytes(length: envelope.data.readableBytes) ?? [])
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        completion.fail(error)
    }
}
