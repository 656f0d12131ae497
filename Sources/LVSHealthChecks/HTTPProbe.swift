import Crypto
import LVSHealth
import NIOCore
import NIOPosix
import NIOSSL

/// One `url { … }` of HTTP_GET / SSL_GET (reference §8.5).
public struct HTTPURLCheck: Sendable, Hashable {
    public var path: String
    /// Accepted status codes; empty: 200-299.
    public var statusCodes: [ClosedRange<UInt16>]
    /// MD5 of the body, lowercase hex; nil: not checked.
    public var digest: String?
    /// Host header; nil: the probe's `virtualhost`, else `address:port`.
    public var virtualhost: String?

    public init(path: String = "/", statusCodes: [ClosedRange<UInt16>] = [], digest: String? = nil, virtualhost: String? = nil) {
        self.path = path
        self.statusCodes = statusCodes
        self.digest = digest
        self.virtualhost = virtualhost
    }

    var expectedText: String {
        let ranges = statusCodes.isEmpty ? [200...299] : statusCodes
        return ranges.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }
            .joined(separator: " ")
    }

    func accepts(_ status: UInt16) -> Bool {
        statusCodes.isEmpty ? (200...299).contains(status) : statusCodes.contains { $0.contains(status) }
    }
}

/// HTTP_GET and SSL_GET: for each url, `GET <path>` with `User-Agent: KeepAliveClient`, the
/// Host header, and `Connection: close` for 1.0C and 1.1; the status must be accepted and, when
/// a digest is given, the MD5 of the body must match (reference §8.5). All URLs are checked in
/// one attempt (keepalived's `fast_recovery` behaviour; see docs/design/0008). SSL_GET does not
/// verify the certificate, as keepalived does not without a CA.
public struct HTTPProbe: HealthProbe {
    public enum Version: String, Sendable, Hashable {
        case http10 = "1.0"
        case http10Close = "1.0C"
        case http11 = "1.1"
    }

    public var name: String { tls ? "SSL_GET" : "HTTP_GET" }
    public var endpoint: ProbeEndpoint
    public var urls: [HTTPURLCheck]
    public var virtualhost: String?
    public var version: Version
    public var tls: Bool
    /// Send SNI (`enable_sni`): the Host name.
    public var enableSNI: Bool
    /// Responses are cut off at this size; a larger body fails the check.
    public var maximumResponseBytes: Int

    public init(
        endpoint: ProbeEndpoint, urls: [HTTPURLCheck], virtualhost: String? = nil, version: Version = .http10,
        tls: Bool = false, enableSNI: Bool = false, maximumResponseBytes: Int = 1 << 20
    ) {
        self.endpoint = endpoint
        self.urls = urls.isEmpty ? [HTTPURLCheck()] : urls
        self.virtualhost = virtualhost
        self.version = version
        self.tls = tls
        self.enableSNI = enableSNI
        self.maximumResponseBytes = maximumResponseBytes
    }

    public func run(on eventLoop: any EventLoop, timeout: TimeAmount) -> EventLoopFuture<ProbeResult> {
        // URLs in order; the first failure decides. One connection per URL (Connection: close).
        var future = eventLoop.makeSucceededFuture(ProbeResult.success(detail: "\(name): no url"))
        for url in urls {
            future = future.flatMap { previous in
                guard previous.isSuccess else { return eventLoop.makeSucceededFuture(previous) }
                return fetch(url, on: eventLoop, timeout: timeout)
            }
        }
        return future
    }

    func request(for url: HTTPURLCheck) -> String {
        let host = url.virtualhost ?? virtualhost ?? endpoint.description
        var text = "GET \(url.path) HTTP/\(version == .http11 ? "1.1" : "1.0")\r\n"
        text += "User-Agent: KeepAliveClient\r\nHost: \(host)\r\n"
        if version != .http10 { text += "Connection: close\r\n" }
        return text + "\r\n"
    }

    private func fetch(_ url: HTTPURLCheck, on eventLoop: any EventLoop, timeout: TimeAmount)
        -> EventLoopFuture<ProbeResult>
    {
        eventLoop.flatSubmit {
            let completion = ProbeCompletion(name: name, eventLoop: eventLoop, timeout: timeout)
            let request = self.request(for: url)
            let limit = maximumResponseBytes
            let serverName = enableSNI ? (url.virtualhost ?? virtualhost) : nil
            let tls = self.tls
            connectTCP(
                endpoint, on: eventLoop, timeout: timeout, completion: completion,
                onConnected: { channel in
                    channel.writeAndFlush(ByteBuffer(string: request)).whenFailure { completion.fail($0) }
                },
                handlers: { channel in
                    if tls {
                        var configuration = TLSConfiguration.makeClientConfiguration()
                        configuration.certificateVerification = .none
                        let context = try NIOSSLContext(configuration: configuration)
                        let handler = try NIOSSLClientHandler(context: context, serverHostname: serverName)
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        ResponseCollector(limit: limit) { response in
                            switch response {
                            case .success(let bytes): Self.judge(bytes, url: url, completion: completion)
                            case .failure(let error): completion.fail(error)
                            }
                        })
                })
            return completion.futureResult
        }
    }

    static func judge(_ bytes: [UInt8], url: HTTPURLCheck, completion: ProbeCompletion) {
        guard let response = HTTPResponseHead.parse(bytes) else {
            completion.fail("malformed response (\(bytes.count) bytes)")
            return
        }
        guard url.accepts(response.status) else {
            completion.fail("status \(response.status) (expected \(url.expectedText)) for \(url.path)")
            return
        }
        let body = bytes[response.bodyStart...]
        if let digest = url.digest {
            let actual = Insecure.MD5.hash(data: Array(body)).map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined()
            guard actual == digest.lowercased() else {
                completion.fail("digest \(actual) (expected \(digest.lowercased())) for \(url.path)")
                return
            }
        }
        completion.succeed("status \(response.status) for \(url.path)")
    }
}

/// The status line of an HTTP response and where its body starts.
struct HTTPResponseHead: Sendable, Hashable {
    var status: UInt16
    var bodyStart: Int

    /// nil when the bytes are not an HTTP response head.
    static func parse(_ bytes: [UInt8]) -> HTTPResponseHead? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard bytes.count >= 12, bytes.starts(with: Array("HTTP/".utf8)) else { return nil }
        var end: Int?
        var i = 0
        while i + 4 <= bytes.count {
            if bytes[i..<(i + 4)].elementsEqual(separator) {
                end = i + 4
                break
            }
            i += 1
        }
        guard let bodyStart = end else { return nil }
        // "HTTP/1.x SSS ..."
        guard let space = bytes.firstIndex(of: 32), space + 4 <= bytes.count else { return nil }
        var status: UInt16 = 0
        for byte in bytes[(space + 1)..<(space + 4)] {
            guard (48...57).contains(byte) else { return nil }
            status = status * 10 + UInt16(byte - 48)
        }
        return HTTPResponseHead(status: status, bodyStart: bodyStart)
    }
}

/// Collects a whole response until the server closes (Connection: close), up to a limit.
final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var bytes: [UInt8] = []
    private let limit: Int
    private var done = false
    private let onResponse: (Result<[UInt8], any Error>) -> Void

    init(limit: Int, onResponse: @escaping (Result<[UInt8], any Error>) -> Void) {
        self.limit = limit
        self.onResponse = onResponse
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        bytes += buffer.readBytes(length: buffer.readableBytes) ?? []
        if bytes.count > limit { finish(.failure(ResponseTooLarge(limit: limit))) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.success(bytes))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A TLS peer that closes without close_notify still sent a complete response.
        if let tls = error as? NIOSSLError, case .uncleanShutdown = tls, !bytes.isEmpty {
            finish(.success(bytes))
        } else {
            finish(.failure(error))
        }
        context.close(promise: nil)
    }

    private func finish(_ result: Result<[UInt8], any Error>) {
        guard !done else { return }
        done = true
        onResponse(result)
    }
}

struct ResponseTooLarge: Error, CustomStringConvertible {
    var limit: Int
    var description: String { "response larger than \(limit) bytes" }
}
