import Foundation
import IPVSAdmin
import LVSControl
import LVSCore
import NIOCore
import NIOHTTP1
import Synchronization

/// The REST API under `/api/v1` (docs/http-api.md): every route is one or a few control requests
/// to `handler`, so writes go through the director's transactions and ipvsadm's validation
/// exactly as `lvsadm`'s do.
public struct RESTAPI: Sendable {
    let handler: any ControlRequestHandler
    let formatter = IPVSAdminFormatter(resolver: NumericResolver())
    /// The weight each real server had before a drain, for `restore` (this endpoint's memory:
    /// a drain done with lvsadm is restored with an explicit weight).
    let drainedWeights: DrainedWeights

    public init(handler: any ControlRequestHandler) {
        self.handler = handler
        self.drainedWeights = DrainedWeights()
    }

    static let base = "/api/v1"
    /// The two ways to name a service (`RESTResourceID`).
    static let servicePrefixes = ["/api/v1/services/{protocol}/{address}/{port}", "/api/v1/services/{kind}/{mark}"]
    static let realServerSuffix = "/real-servers/{rs_address}/{rs_port}"

    /// Every route of the API.
    public var routes: [HTTPRoute] {
        var routes: [HTTPRoute] = [
            HTTPRoute(.GET, "/api/v1/openapi.json") { request in
                var response = HTTPResponse(status: .ok, body: Array(OpenAPIDocument.text.utf8))
                response.headers.add(name: "Content-Type", value: "application/json")
                return request.respond(response)
            },
            HTTPRoute(.GET, "/api/v1/info", handler: read(.ping) { reply, _ in try self.info(reply) }),
            HTTPRoute(.GET, "/api/v1/services", handler: read(.getTable) { reply, _ in try self.services(reply) }),
            HTTPRoute(.POST, "/api/v1/services", handler: addService),
            HTTPRoute(.GET, "/api/v1/connections", handler: read(.getConnections) { try self.connections($0, $1) }),
            HTTPRoute(.GET, "/api/v1/timeouts", handler: read(.getTimeouts) { reply, _ in try self.timeouts(reply) }),
            HTTPRoute(.PUT, "/api/v1/timeouts", handler: setTimeouts),
            HTTPRoute(.GET, "/api/v1/daemons", handler: read(.getDaemons) { reply, _ in try self.daemons(reply) }),
            HTTPRoute(.GET, "/api/v1/health", handler: read(.getHealth) { reply, _ in try self.encoded(reply) }),
            HTTPRoute(.GET, "/api/v1/engine", handler: read(.getEngineStats) { reply, _ in try self.encoded(reply) }),
            HTTPRoute(.GET, "/api/v1/vrrp", handler: read(.getVRRP) { reply, _ in try self.encoded(reply) }),
            HTTPRoute(.GET, "/api/v1/sync", handler: read(.getSync) { reply, _ in try self.encoded(reply) }),
            HTTPRoute(
                .GET, "/api/v1/announcements", handler: read(.getAnnouncements) { reply, _ in try self.encoded(reply) }),
            HTTPRoute(.GET, "/api/v1/events", handler: events),
            HTTPRoute(.GET, "/api/v1/explain", handler: explain),
            HTTPRoute(.POST, "/api/v1/zero") { request in self.apply(.zero(nil), on: request) },
            HTTPRoute(.POST, "/api/v1/reload", handler: reload),
        ]
        for prefix in Self.servicePrefixes {
            let realServer = prefix + Self.realServerSuffix
            routes += [
                HTTPRoute(.GET, prefix, handler: getService),
                HTTPRoute(.PUT, prefix, handler: editService),
                HTTPRoute(.DELETE, prefix, handler: deleteService),
                HTTPRoute(.POST, prefix + "/zero", handler: zeroService),
                HTTPRoute(.GET, prefix + "/real-servers", handler: listRealServers),
                HTTPRoute(.POST, prefix + "/real-servers", handler: addRealServer),
                HTTPRoute(.GET, realServer, handler: getRealServer),
                HTTPRoute(.PUT, realServer, handler: editRealServer),
                HTTPRoute(.DELETE, realServer, handler: deleteRealServer),
                HTTPRoute(.PUT, realServer + "/weight", handler: setWeight),
                HTTPRoute(.POST, realServer + "/drain", handler: drain),
                HTTPRoute(.POST, realServer + "/restore", handler: restore),
            ]
        }
        return routes
    }

    // MARK: - Calling the control requests

    /// Sends `body` and turns a refusal into its error response.
    func call(_ body: ControlRequestBody, on request: HTTPRouteRequest) -> EventLoopFuture<
        Result<ControlReplyBody, RESTError>
    > {
        handler.handle(body).map { reply in
            if case .failure(let failure) = reply { return .failure(RESTError.from(failure)) }
            return .success(reply)
        }.hop(to: request.eventLoop)
    }

    /// A read route: `render` turns the reply (and the request, for paging) into the response.
    func read(
        _ body: ControlRequestBody,
        _ render: @escaping @Sendable (ControlReplyBody, HTTPRouteRequest) throws -> HTTPResponse
    ) -> HTTPRoute.Handler {
        { request in
            self.call(body, on: request).map { result in
                Self.respond { () throws in try render(try result.get(), request) }
            }
        }
    }

    /// Applies one admin command; 204 when applied.
    func apply(_ command: AdminCommand, on request: HTTPRouteRequest) -> EventLoopFuture<HTTPResponse> {
        call(.apply(command), on: request).map { result in
            Self.respond { () throws in
                _ = try result.get()
                return .noContent
            }
        }
    }

    /// The response of `body`, or the error's.
    static func respond(_ body: () throws -> HTTPResponse) -> HTTPResponse {
        switch catching(body) {
        case .success(let response): return response
        case .failure(let error): return error.response
        }
    }

    /// `body`'s value, or its refusal; anything but a `RESTError` is a bug, answered 500.
    static func catching<T>(_ body: () throws -> T) -> Result<T, RESTError> {
        do {
            return .success(try body())
        } catch let error as RESTError {
            return .failure(error)
        } catch {
            return .failure(RESTError(status: .internalServerError, kind: "internal", message: "\(error)"))
        }
    }

    /// Runs `body` (which may refuse with a `RESTError` before any request is sent).
    static func guarded(
        _ request: HTTPRouteRequest, _ body: () throws -> EventLoopFuture<HTTPResponse>
    ) -> EventLoopFuture<HTTPResponse> {
        switch catching(body) {
        case .success(let future): return future
        case .failure(let error): return request.respond(error.response)
        }
    }

    static func unexpected(_ reply: ControlReplyBody) -> RESTError {
        RESTError(
            status: .serviceUnavailable, kind: "unavailable", message: "lvsd answered \(reply.typeName) unexpectedly")
    }
}

/// Weights before a drain, by service and real server.
final class DrainedWeights: Sendable {
    struct Key: Hashable {
        var service: VirtualServiceID
        var realServer: RealServerKey
    }

    private let weights = Mutex<[Key: Int32]>([:])

    func remember(_ weight: Int32, for key: Key) {
        weights.withLock { stored in
            // A second drain keeps the weight from before the first.
            if stored[key] == nil { stored[key] = weight }
        }
    }

    func take(_ key: Key) -> Int32? { weights.withLock { $0.removeValue(forKey: key) } }

    func forget(_ key: Key) { _ = take(key) }
}
