import LVSControl
import LVSCore
import NIOHTTP1

/// A refused API request: its status and the `{"error": {"kind", "message"}}` it is answered with.
struct RESTError: Error, Sendable {
    var status: HTTPResponseStatus
    var kind: String
    var message: String

    static func badRequest(_ message: String) -> RESTError {
        RESTError(status: .badRequest, kind: "bad_request", message: message)
    }

    static func notFound(_ message: String) -> RESTError {
        RESTError(status: .notFound, kind: "not_found", message: message)
    }

    var response: HTTPResponse { .error(status, kind: kind, message: message) }

    /// The status for a refusal of the control protocol. Admin errors keep ipvsadm's text; the
    /// status follows what went wrong: unknown service or real server 404, exists 409, a bad
    /// value (including an unknown scheduler, ENOENT on a service command) 400.
    static func from(_ failure: ControlFailure) -> RESTError {
        switch failure.kind {
        case .admin:
            let status: HTTPResponseStatus
            switch failure.adminError {
            case .alreadyExists: status = .conflict
            case .noSuchService: status = .notFound
            case .notFound:
                status = failure.message == "No such destination" ? .notFound : .badRequest
            case .permissionDenied: status = .forbidden
            case .noMemory: status = .serviceUnavailable
            case .invalidArgument, .outOfRange, .addressFamilyNotSupported, .notSupported, nil: status = .badRequest
            }
            return RESTError(status: status, kind: "admin", message: failure.message)
        case .configuration:
            return RESTError(status: .conflict, kind: "configuration", message: failure.message)
        case .malformedRequest, .lineTooLong:
            return RESTError(status: .badRequest, kind: "bad_request", message: failure.message)
        case .unsupportedVersion, .unavailable:
            return RESTError(status: .serviceUnavailable, kind: "unavailable", message: failure.message)
        }
    }
}
