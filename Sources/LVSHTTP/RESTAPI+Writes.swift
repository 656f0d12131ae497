import IPVSAdmin
import LVSControl
import LVSCore
import NIOCore
import NIOHTTP1

// The write routes (docs/http-api.md, "Changing"): each is one admin command through the control
// protocol, the same transaction `lvsadm` makes, answered with the resource as it is afterwards.
extension RESTAPI {
    func addService(_ request: HTTPRouteRequest) -> EventLoopFuture<HTTPResponse> {
        Self.guarded(request) { () throws in
            let config = try RESTBodies.service(Array(buffer: request.body), id: nil)
            return applyThenShow(.addService(config), service: config.id, status: .created, on: request)
        }
    }

    func editService(_ request: HTTPRouteRequest) -> EventLoopFuture<HTTPResponse> {
        Self.guarded(request) { () throws in
            let id = try RESTResourceID.service(request.parameters)
            let config = try RESTBodies.service(Array(buffer: request.body), id: id)
            return applyThenShow(.editService(config), service: id, status: .ok, on: request)
        }
    }

    func deleteService(_ request: HTTPRouteRequest) -> EventLoopFuture<HTTPResponse> {
        Self.guarded(request) { () throws in
            apply(.deleteService(try RESTResourceID.service(request.parameters)), on: request)
        }
    }

    func zeroService(_ request: HTTPRouteRequest) -> EventLoopFuture<HTTPResponse> {
        Self.guarded(request) { () throws in
            apply(.zero(try RESTResourceID.service(request.parameters)), on: request)
        }
    }

    func addRealServer(_ request: HTTPRouteRequest) -> EventLoopFuture<HTTPResponse> {
        Self.guarded(request) { () throws in
            let id = try RESTResourceID.service(request.parameters)
            let config = try RESTBodies.realServer(Array(buffer: request.body), key: nil)
            return applyThenShow(
                .addRealServer(id, config), service: id, realServer: config.key, status: .created, on: request)
        }
    }

    func editRealServer(_ request: HTTPRouteRequest) -> EventLoopFuture<HTTPResponse> {
        Self.guarded(request) { () throws in
            let id = try RESTResourceID.service(request.parameters)
            let key = try RESTResourceID.realServer(request.parameters)
            let config = try RESTBodies.realServer(Array(buffer: request.body), key: key)
            return applyThenShow(.editRealServer(id, config), service: id, realServer: key, status: .ok, on: request)
        }
    }

    func deleteRealServer(_ request: HTTPRouteRequest) -> EventLoopFuture<HTTPResponse> {
        Self.guarded(request) { () throws in
            let id = try RESTResourceID.service(request.parameters)
            let key = try RESTResourceID.realServer(request.parameters)
            drainedWeights.forget(DrainedWeights.Key(service: id, realServer: key))
            return apply(.deleteRealServer(id, key), on: request)
        }
    }

    /// `PUT …/weight` with `{"weight": N}`: `-e` with every other parameter kept.
    func setWeight(_ request: HTTPRouteRequest) -> EventLoopFuture<HTTPResponse> {
        Self.guarded(request) { () throws in
            let body = JSONMembers(members: try JSONInput.object(from: Array(buffer: request.body)))
            try body.onlyKnown(["weight"])
            guard let weight = try body.integer("weight", in: 0...65535) else {
                throw RESTError.badRequest("the body is {\"weight\": N} with N from 0 to 65535")
            }
            return changeWeight(request) { _ in Int32(weight) }
        }
    }

    /// `POST …/drain`: weight 0, remembering the weight for `restore`. The response's
    /// `drained_idle` turns true once no connection is left (poll the real server).
    func drain(_ request: HTTPRouteRequest) -> EventLoopFuture<HTTPResponse> {
        changeWeight(request) { current in
            drainedWeights.remember(current.weight, for: current.key)
            return 0
        }
    }

    /// `POST …/restore`: the weight from before the drain, or `{"weight": N}` when given.
    func restore(_ request: HTTPRouteRequest) -> EventLoopFuture<HTTPResponse> {
        Self.guarded(request) { () throws in
            var explicit: Int32?
            if request.body.readableBytes > 0 {
                let body = JSONMembers(members: try JSONInput.object(from: Array(buffer: request.body)))
                try body.onlyKnown(["weight"])
                explicit = try body.integer("weight", in: 0...65535).map { Int32($0) }
            }
            let given = explicit
            return changeWeight(request) { (current) throws in
                let remembered = drainedWeights.take(current.key)
                guard let weight = given ?? remembered else {
                    throw RESTError.badRequest(
                        "no weight from a drain through this endpoint is remembered: send {\"weight\": N}")
                }
                return weight
            }
        }
    }

    struct CurrentWeight {
        var key: DrainedWeights.Key
        var weight: Int32
    }

    /// Reads the real server, edits it with the weight `choose` returns, and shows it afterwards.
    /// (Read and edit are two requests: a change made in between by someone else is overwritten,
    /// as with a read-modify-write of `lvsadm -e`.)
    func changeWeight(
        _ request: HTTPRouteRequest, _ choose: @escaping @Sendable (CurrentWeight) throws -> Int32
    ) -> EventLoopFuture<HTTPResponse> {
        withService(request) { service in
            let server = try Self.realServer(service, request.parameters)
            var config = server.config
            let key = DrainedWeights.Key(service: service.config.id, realServer: config.key)
            config.weight = try choose(CurrentWeight(key: key, weight: config.weight))
            return (service.config.id, config)
        }.flatMap { result in
            switch result {
            case .failure(let error): return request.respond(error.response)
            case .success(let (id, config)):
                return applyThenShow(
                    .editRealServer(id, config), service: id, realServer: config.key, status: .ok, on: request)
            }
        }
    }

    /// `PUT /timeouts` with any of `tcp`, `tcp_fin`, `udp` (a missing one or 0 keeps the value,
    /// as `--set` does).
    func setTimeouts(_ request: HTTPRouteRequest) -> EventLoopFuture<HTTPResponse> {
        Self.guarded(request) { () throws in
            let body = JSONMembers(members: try JSONInput.object(from: Array(buffer: request.body)))
            try body.onlyKnown(["tcp", "tcp_fin", "udp"])
            let range = 0...Int64(TimeoutSettings.maximum)
            let settings = TimeoutSettings(
                tcpEstablished: UInt32(try body.integer("tcp", in: range) ?? 0),
                tcpFinWait: UInt32(try body.integer("tcp_fin", in: range) ?? 0),
                udp: UInt32(try body.integer("udp", in: range) ?? 0))
            return call(.apply(.setTimeouts(settings)), on: request).flatMap { result in
                if case .failure(let error) = result { return request.respond(error.response) }
                return read(.getTimeouts) { reply, _ in try self.timeouts(reply) }(request)
            }
        }
    }

    func reload(_ request: HTTPRouteRequest) -> EventLoopFuture<HTTPResponse> {
        call(.reload, on: request).map { result in
            Self.respond { () throws in try self.encoded(try result.get()) }
        }
    }

    /// Applies `command`, then answers with the service (or its real server) as it is now.
    func applyThenShow(
        _ command: AdminCommand, service: VirtualServiceID, realServer: RealServerKey? = nil,
        status: HTTPResponseStatus, on request: HTTPRouteRequest
    ) -> EventLoopFuture<HTTPResponse> {
        call(.apply(command), on: request).flatMap { result in
            if case .failure(let error) = result { return request.respond(error.response) }
            return call(.getTable, on: request).map { result in
                Self.respond { () throws in
                    guard case .table(let table) = try result.get(),
                        let snapshot = table.services.first(where: { $0.config.id == service })
                    else { throw RESTError.notFound("No such service") }
                    guard let realServer else { return .json(status, formatter.jsonValue(service: snapshot)) }
                    guard let server = snapshot.realServers.first(where: { $0.config.key == realServer }) else {
                        throw RESTError.notFound("No such destination")
                    }
                    return .json(status, realServerJSON(server))
                }
            }
        }
    }
}
