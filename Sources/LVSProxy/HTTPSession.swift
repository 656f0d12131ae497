import LVSContentSwitch
import LVSCore
import LVSReactor
import LVSSharedDirector

/// The state of one content-switched client connection (docs/design/0019): the request being
/// read, the real-server connection of the current request, and the bytes queued each way.
/// Lives in the worker's side table by client slot; only the worker's thread touches it.
final class HTTPSession {
    enum RequestPhase {
        /// Reading a request head (`inbound` holds it from offset 0).
        case head
        /// Forwarding this many more body bytes.
        case body(Int64)
        case chunked(ChunkedBodyScanner)
        /// The request was forwarded; the next one waits until its response is complete.
        case waitingResponse
    }

    enum ResponsePhase {
        /// No request outstanding.
        case idle
        case head
        case body(Int64)
        case chunked(ChunkedBodyScanner)
        case untilClose
    }

    private(set) var content: ContentSwitchService
    var parser: HTTPRequestHeadParser
    /// Client bytes not yet forwarded, from the start of the current request.
    var inbound: [UInt8] = []
    var toServer: [UInt8] = []
    var toServerOffset = 0
    var toClient: [UInt8] = []
    var toClientOffset = 0
    var responseHead: [UInt8] = []
    /// `X-Forwarded-For: …\r\n` (or `Forwarded`) for this client, built once per connection.
    var forwardedField: [UInt8] = []
    var request = RequestPhase.head
    var response = ResponsePhase.idle
    /// The group (firewall mark) and real server of the current real-server connection.
    var groupMark: UInt32 = 0
    var server: RealServerKey?
    var ref = ConnectionRef(index: -1, generation: 0)
    var serverConnecting = false
    var serverKeepAlive = false
    var serverTarget = SocketAddress.loopbackIPv4(port: 0)
    var requestIsHead = false
    var clientKeepAlive = true
    var upgradeRequested = false
    /// Everything is a plain tunnel (after a 101 Switching Protocols).
    var tunnel = false
    /// Close the client once `toClient` is written (an error answer, or no keep-alive).
    var closeAfterFlush = false
    /// A `Set-Cookie` field of ours to add to the next response head.
    var setCookie: [UInt8]?
    /// Bytes moved since the real-server connection started, reported when it ends.
    var inBytes: UInt64 = 0
    var outBytes: UInt64 = 0
    var attempts = 0
    /// Requests started on this client connection (the first may take an idle pooled
    /// real-server connection only when it can be replayed; docs/design/0019 "Pool").
    var requests = 0
    /// A PROXY header went out on the current real-server connection: it names this client, so
    /// the connection is never shared through the pool.
    var proxyProtocolSent = false
    /// The current request's head as sent on a reused real-server connection, kept to send it
    /// once more on a fresh connection if the kept one turns out closed before any response byte
    /// (docs/design/0019 "Retry"); valid while `replayable`. Its storage is kept between
    /// requests (no allocation per request).
    var replayHead: [UInt8] = []
    var replayable = false
    /// The current request's persistence inputs, kept for scheduling a replay the same way.
    var cookieIdentifier: UInt64?
    var keyHash: UInt64?
    /// When the current request head started to arrive (header timeout).
    var headStarted: UInt64 = 0

    init(content: ContentSwitchService, now: UInt64) {
        self.content = content
        self.parser = HTTPRequestHeadParser(limits: content.limits)
        self.headStarted = now
        inbound.reserveCapacity(4096)
    }

    /// Makes a finished session as new for another client connection, keeping the storage of its
    /// buffers (the worker recycles sessions: no allocation per connection once warm).
    func recycle(content: ContentSwitchService, now: UInt64) {
        if content.limits == parser.limits {
            parser.reset()
        } else {
            parser = HTTPRequestHeadParser(limits: content.limits)
        }
        self.content = content
        inbound.removeAll(keepingCapacity: true)
        toServer.removeAll(keepingCapacity: true)
        toServerOffset = 0
        toClient.removeAll(keepingCapacity: true)
        toClientOffset = 0
        responseHead.removeAll(keepingCapacity: true)
        forwardedField.removeAll(keepingCapacity: true)
        request = .head
        response = .idle
        groupMark = 0
        server = nil
        ref = ConnectionRef(index: -1, generation: 0)
        serverConnecting = false
        serverKeepAlive = false
        serverTarget = SocketAddress.loopbackIPv4(port: 0)
        requestIsHead = false
        clientKeepAlive = true
        upgradeRequested = false
        tunnel = false
        closeAfterFlush = false
        setCookie = nil
        inBytes = 0
        outBytes = 0
        attempts = 0
        requests = 0
        proxyProtocolSent = false
        replayHead.removeAll(keepingCapacity: true)
        replayable = false
        cookieIdentifier = nil
        keyHash = nil
        headStarted = now
    }

    var hasOutputToServer: Bool { toServerOffset < toServer.count }
    var hasOutputToClient: Bool { toClientOffset < toClient.count }

    /// Drops what was written from the front of a queue.
    static func compact(_ queue: inout [UInt8], _ offset: inout Int) {
        if offset == queue.count {
            queue.removeAll(keepingCapacity: true)
            offset = 0
        }
    }

    /// A small complete answer of ours (errors, 503): the connection closes after it.
    static func answer(status: Int, reason: String) -> [UInt8] {
        let body = "\(status) \(reason)\n"
        let text =
            "HTTP/1.1 \(status) \(reason)\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n"
            + "Connection: close\r\n\r\n\(body)"
        return Array(text.utf8)
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 408: "Request Timeout"
        case 414: "URI Too Long"
        case 417: "Expectation Failed"
        case 431: "Request Header Fields Too Large"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Error"
        }
    }
}
