import Foundation
import IPVSAdmin
import LVSControl
import LVSCore
import NIOCore

// The read routes (docs/http-api.md, "Reading"): the `-L --json` documents of docs/json.md, and
// the daemon's own reports as `lvsadm --health|--vrrp|--sync|--engine-stats --json` print them.
extension RESTAPI {
    static let defaultPageSize = 100
    static let maximumPageSize = 1000

    func services(_ reply: ControlReplyBody) throws(RESTError) -> HTTPResponse {
        guard case .table(let table) = reply else { throw Self.unexpected(reply) }
        return .json(.ok, formatter.jsonServices(table, options: ListOptions()) ?? "{}")
    }

    /// A page of `-L -c --json`'s entries, with `total` and the page's `offset` and `limit`.
    func connections(_ reply: ControlReplyBody, _ request: HTTPRouteRequest) throws -> HTTPResponse {
        guard case .connections(let entries) = reply else { throw Self.unexpected(reply) }
        let offset = try Self.queryInteger(request, "offset", default: 0, in: 0...Int.max)
        let limit = try Self.queryInteger(request, "limit", default: Self.defaultPageSize, in: 1...Self.maximumPageSize)
        let page =
            offset >= entries.count ? [] : entries[offset..<min(entries.count, offset + min(limit, entries.count))]
        return .json(
            .ok,
            .object([
                ("version", .unsigned(IPVSAdminFormatter.jsonSchemaVersion)), ("kind", .string("connections")),
                ("total", .number(UInt64(entries.count))), ("offset", .number(UInt64(offset))),
                ("limit", .number(UInt64(limit))),
                ("connections", .array(page.map { formatter.jsonValue(connection: $0) })),
            ]))
    }

    static func queryInteger(
        _ request: HTTPRouteRequest, _ name: String, default value: Int, in range: ClosedRange<Int>
    )
        throws(RESTError) -> Int
    {
        guard let text = request.query[name] else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw .badRequest("?\(name)= takes an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    func timeouts(_ reply: ControlReplyBody) throws(RESTError) -> HTTPResponse {
        guard case .timeouts(let timeouts) = reply else { throw Self.unexpected(reply) }
        return .json(.ok, formatter.jsonTimeouts(timeouts))
    }

    func daemons(_ reply: ControlReplyBody) throws(RESTError) -> HTTPResponse {
        guard case .daemons(let daemons) = reply else { throw Self.unexpected(reply) }
        return .json(.ok, formatter.jsonDaemons(daemons))
    }

    func info(_ reply: ControlReplyBody) throws(RESTError) -> HTTPResponse { try encoded(reply) }

    /// The reports that travel the control protocol as Codable values, with sorted keys.
    func encoded(_ reply: ControlReplyBody) throws(RESTError) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let data: Data?
        switch reply {
        case .health(let report): data = try? encoder.encode(report)
        case .vrrp(let report): data = try? encoder.encode(report)
        case .sync(let report): data = try? encoder.encode(report)
        case .announcements(let report): data = try? encoder.encode(report)
        case .engineStats(let statistics): data = try? encoder.encode(statistics)
        case .pong(let info): data = try? encoder.encode(info)
        case .reloaded(let report): data = try? encoder.encode(report)
        case .events(let events): data = try? encoder.encode(events)
        case .explanation(let explanation): data = try? encoder.encode(explanation)
        case .ok, .failure, .table, .connections, .timeouts, .daemons: data = nil
        }
        guard let data else { throw Self.unexpected(reply) }
        return .json(.ok, String(decoding: data, as: UTF8.self))
    }

    /// The service a request names, from a fresh table.
    func withService<T: Sendable>(
        _ request: HTTPRouteRequest,
        _ body: @escaping @Sendable (VirtualServiceSnapshot) throws -> T
    ) -> EventLoopFuture<Result<T, RESTError>> {
        let id: VirtualServiceID
        do {
            id = try RESTResourceID.service(request.parameters)
        } catch {
            return request.eventLoop.makeSucceededFuture(.failure(error))
        }
        return call(.getTable, on: request).map { result in
            Self.catching { () throws -> T in
                guard case .table(let table) = try result.get() else { throw Self.unexpected(.ok) }
                guard let service = table.services.first(where: { $0.config.id == id }) else {
                    throw RESTError.notFound("No such service")
                }
                return try body(service)
            }
        }
    }

    static func realServer(_ service: VirtualServiceSnapshot, _ parameters: [String: String]) throws(RESTError)
        -> RealServerSnapshot
    {
        let key = try RESTResourceID.realServer(parameters)
        guard let server = service.realServers.first(where: { $0.config.key == key }) else {
            throw .notFound("No such destination")
        }
        return server
    }

    /// A real server as `-L --json` lists it, plus `drained_idle`: weight 0 and no active or
    /// inactive connection left, so it can be taken down without cutting anyone off.
    func realServerJSON(_ server: RealServerSnapshot) -> JSONValue {
        guard case .object(var members) = formatter.jsonValue(realServer: server) else { return .null }
        let idle = server.config.weight == 0 && server.activeConnections == 0 && server.inactiveConnections == 0
        members.append(("drained_idle", .bool(idle)))
        return .object(members)
    }

    func getService(_ request: HTTPRouteRequest) -> EventLoopFuture<HTTPResponse> {
        withService(request) { service in formatter.jsonValue(service: service) }.map { result in
            Self.respond { () throws in .json(.ok, try result.get()) }
        }
    }

    func listRealServers(_ request: HTTPRouteRequest) -> EventLoopFuture<HTTPResponse> {
        withService(request) { service in
            JSONValue.object([
                ("real_servers", .array(formatter.orderedRealServers(of: service).map(realServerJSON)))
            ])
        }.map { result in Self.respond { () throws in .json(.ok, try result.get()) } }
    }

    func getRealServer(_ request: HTTPRouteRequest) -> EventLoopFuture<HTTPResponse> {
        withService(request) { service in realServerJSON(try Self.realServer(service, request.parameters)) }.map {
            result in Self.respond { () throws in .json(.ok, try result.get()) }
        }
    }
}
