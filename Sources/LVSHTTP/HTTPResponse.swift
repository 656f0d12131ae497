import IPVSAdmin
import NIOHTTP1

/// A response: status, headers and a complete body (the API's documents are small), or a body
/// written over time (`stream`, for server-sent events).
public struct HTTPResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// When set, `body` is ignored: the head goes out, then the stream writes the body.
    public var stream: HTTPStreamBody?

    public init(status: HTTPResponseStatus, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON document (`text` is already JSON).
    public static func json(_ status: HTTPResponseStatus, _ text: String) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        let body = Array(text.utf8)
        return HTTPResponse(status: status, headers: headers, body: body.last == 0x0A ? body : body + [0x0A])
    }

    public static func json(_ status: HTTPResponseStatus, _ value: JSONValue) -> HTTPResponse {
        json(status, value.rendered())
    }

    /// `{"error": {"kind": …, "message": …}}` (docs/http-api.md, "Errors").
    public static func error(_ status: HTTPResponseStatus, kind: String, message: String) -> HTTPResponse {
        json(status, .object([("error", .object([("kind", .string(kind)), ("message", .string(message))]))]))
    }

    public static let noContent = HTTPResponse(status: .noContent)
}
