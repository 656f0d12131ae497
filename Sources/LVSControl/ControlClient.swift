/// A blocking control-protocol client, for `lvsadm` and tests: one request, one reply, in turn.
/// No event loop: `lvsadm` is a short-lived process that asks one or two questions.
public final class ControlClient {
    public let path: String
    private let socket: UnixSocket
    private var nextID = 1
    /// Bytes read past the last reply's newline.
    private var carry: [UInt8] = []

    /// Longest reply accepted; generous, since a large table is one line.
    public static let maximumReplyLength = 256 * 1024 * 1024

    private init(path: String, socket: consuming UnixSocket) {
        self.path = path
        self.socket = socket
    }

    /// Connects to the daemon at `path`; every later read or write times out after `timeoutMilliseconds`.
    public static func connect(path: String, timeoutMilliseconds: Int = 30_000) throws(ControlClientError)
        -> ControlClient
    {
        switch UnixSocket.connect(path: path, timeoutMilliseconds: timeoutMilliseconds) {
        case .success(let socket): return ControlClient(path: path, socket: socket)
        case .failure(let failure): throw .connectFailure(path: path, code: failure.code, detail: failure.description)
        }
    }

    /// Sends one request and waits for its reply.
    public func send(_ body: ControlRequestBody) throws(ControlClientError) -> ControlReplyBody {
        let id = nextID
        nextID &+= 1
        if let failure = socket.writeAll(ControlProtocol.encode(ControlRequest(id: id, body: body))) {
            throw .transport(path: path, reason: failure.description)
        }
        while true {
            let line: [UInt8]
            switch socket.readLine(limit: Self.maximumReplyLength, carry: &carry) {
            case .success(let read): line = read
            case .failure(let failure): throw .transport(path: path, reason: failure.description)
            }
            let reply: ControlReply
            do {
                reply = try ControlProtocol.decodeReply(line)
            } catch {
                throw .protocolViolation(error)
            }
            // Replies without an id answer a line the daemon could not read; ours are well formed,
            // so a stray one is a protocol violation, and replies to older ids are skipped.
            guard let replyID = reply.id else {
                if case .failure(let failure) = reply.body { throw .protocolViolation(failure) }
                continue
            }
            if replyID == id { return reply.body }
        }
    }
}
