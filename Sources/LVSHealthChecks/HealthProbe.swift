import LVSCore
import LVSHealth
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One health-check type (reference §8.5): seesaw's `Checker` interface. A probe never fails
/// its future: every outcome, including errors and the timeout, is a `ProbeResult` whose text
/// starts with the checker's keyword. It sends traffic only to its configured endpoint.
public protocol HealthProbe: Sendable {
    /// keepalived's keyword, e.g. `TCP_CHECK`.
    var name: String { get }
    /// Runs one attempt on `eventLoop`, completing within `timeout`.
    func run(on eventLoop: any EventLoop, timeout: TimeAmount) -> EventLoopFuture<ProbeResult>
}

/// Where a probe connects (`connect_ip`/`connect_port`) and from where (`bindto`/`bind_port`).
public struct ProbeEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16
    public var bindAddress: IPAddress?
    public var bindPort: UInt16?

    public init(address: IPAddress, port: UInt16, bindAddress: IPAddress? = nil, bindPort: UInt16? = nil) {
        self.address = address
        self.port = port
        self.bindAddress = bindAddress
        self.bindPort = bindPort
    }

    public var description: String { "\(address.bracketedIfIPv6):\(port)" }

    func socketAddress() throws -> SocketAddress {
        try SocketAddress(ipAddress: address.description, port: Int(port))
    }

    /// The local address to bind, when `bindto` or `bind_port` is set.
    func localAddress() throws -> SocketAddress? {
        guard bindAddress != nil || bindPort != nil else { return nil }
        let any = address.family == .inet ? "0.0.0.0" : "::"
        return try SocketAddress(ipAddress: bindAddress?.description ?? any, port: Int(bindPort ?? 0))
    }
}

/// Completes a probe once, whichever comes first of its result, an error or its timeout.
/// Invariant: every method runs on `eventLoop` (the state is loop-bound, not locked).
final class ProbeCompletion: Sendable {
    let name: String
    let eventLoop: any EventLoop
    let promise: EventLoopPromise<ProbeResult>
    private let finished: NIOLoopBoundBox<Bool>
    private let channel: NIOLoopBoundBox<(any Channel)?>

    /// `successOnTimeout`: the detail of a success reported when the time runs out (UDP_CHECK
    /// without `require_reply` passes when no error came back in time). That success is decided
    /// a quarter of the timeout early (at most 500 ms early): the checker gives a probe up at
    /// exactly its timeout (`CheckerStateMachine`) with a timer armed before this one, which
    /// would otherwise always win and turn every silent, healthy real server into a failure.
    init(name: String, eventLoop: any EventLoop, timeout: TimeAmount, successOnTimeout: String? = nil) {
        self.name = name
        self.eventLoop = eventLoop
        self.promise = eventLoop.makePromise()
        self.finished = NIOLoopBoundBox(false, eventLoop: eventLoop)
        self.channel = NIOLoopBoundBox(nil, eventLoop: eventLoop)
        let decidedAt = successOnTimeout == nil ? timeout : Self.successDeadline(timeout)
        let task = eventLoop.scheduleTask(in: decidedAt) { [self] in
            if let successOnTimeout {
                self.succeed(successOnTimeout)
            } else {
                self.fail("timeout after \(Self.secondsText(timeout)) s")
            }
        }
        promise.futureResult.whenComplete { _ in task.cancel() }
    }

    var futureResult: EventLoopFuture<ProbeResult> { promise.futureResult }

    /// When a probe that passes on silence decides: `timeout` less a quarter of it, at most 500 ms.
    static func successDeadline(_ timeout: TimeAmount) -> TimeAmount {
        timeout - min(.nanoseconds(timeout.nanoseconds / 4), .milliseconds(500))
    }

    /// The channel to close when the probe completes.
    func attach(_ channel: any Channel) {
        if finished.value {
            channel.close(promise: nil)
        } else {
            self.channel.value = channel
        }
    }

    func succeed(_ detail: String, weight: Int32? = nil) {
        finish(.success(detail: "\(name): \(detail)", weight: weight))
    }

    func fail(_ reason: String) { finish(.failure(reason: "\(name): \(reason)")) }

    func fail(_ error: any Error) { fail(Self.describe(error)) }

    private func finish(_ result: ProbeResult) {
        eventLoop.preconditionInEventLoop()
        guard !finished.value else { return }
        finished.value = true
        channel.value?.close(promise: nil)
        channel.value = nil
        promise.succeed(result)
    }

    /// Short texts for the usual socket errors, as keepalived logs them.
    static func describe(_ error: any Error) -> String {
        if let connection = error as? NIOConnectionError {
            if let first = connection.connectionErrors.first { return describe(first.error) }
            if let dns = connection.dnsAError ?? connection.dnsAAAAError { return describe(dns) }
            return "connection failed"
        }
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case EHOSTUNREACH: return "host unreachable"
            case ENETUNREACH: return "network unreachable"
            case ECONNRESET: return "connection reset"
            case ETIMEDOUT: return "connection timed out"
            default: return String(cString: strerror(io.errnoCode))
            }
        }
        if let channel = error as? ChannelError {
            switch channel {
            case .connectTimeout(let amount): return "connect timeout after \(secondsText(amount)) s"
            default: return "\(channel)"
            }
        }
        return "\(error)"
    }

    static func secondsText(_ amount: TimeAmount) -> String {
        let ns = amount.nanoseconds
        if ns % 1_000_000_000 == 0 { return "\(ns / 1_000_000_000)" }
        return "\(Double(ns) / 1e9)"
    }
}

extension HealthProbe {
    /// Connects a TCP channel to `endpoint` with `handlers`, attached to `completion`.
    func connectTCP(
        _ endpoint: ProbeEndpoint, on eventLoop: any EventLoop, timeout: TimeAmount, completion: ProbeCompletion,
        onConnected: @escaping @Sendable (any Channel) -> Void = { _ in },
        handlers: @escaping @Sendable (any Channel) throws -> Void
    ) {
        do {
            var bootstrap = ClientBootstrap(group: eventLoop).connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try handlers(channel) }
                }
            if let local = try endpoint.localAddress() { bootstrap = bootstrap.bind(to: local) }
            bootstrap.connect(to: try endpoint.socketAddress()).whenComplete { result in
                switch result {
                case .success(let channel):
                    completion.attach(channel)
                    onConnected(channel)
                case .failure(let error): completion.fail(error)
                }
            }
        } catch {
            completion.fail(error)
        }
    }
}
