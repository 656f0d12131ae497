import LVSControl
import LVSCore
import NIOCore

// The event log and explain (docs/http-api.md, "Events" and "Explain"): `lvsadm --events` and
// `lvsadm --explain` over HTTP, answered with the replies' JSON encodings as `--json` prints them.
extension RESTAPI {
    /// `GET /api/v1/events?since=SEQ&limit=N`: the kept events after `since` (all when absent),
    /// oldest first, at most `limit`; a poller passes the last `seq` it saw.
    func events(_ request: HTTPRouteRequest) -> EventLoopFuture<HTTPResponse> {
        Self.guarded(request) { () throws in
            var since: Int?
            var limit: Int?
            if request.query["since"] != nil {
                since = try Self.queryInteger(request, "since", default: 0, in: 0...Int.max)
            }
            if request.query["limit"] != nil {
                limit = try Self.queryInteger(request, "limit", default: 1, in: 1...Self.maximumPageSize)
            }
            return read(.getEvents(since: since, limit: limit)) { reply, _ in try self.encoded(reply) }(request)
        }
    }

    /// `GET /api/v1/explain?…&client=ADDR[&client_port=P]`: where a new packet from the client
    /// would go now, and why. It only reads.
    func explain(_ request: HTTPRouteRequest) -> EventLoopFuture<HTTPResponse> {
        Self.guarded(request) { () throws in
            let query = try Self.explainQuery(request.query)
            return read(.explain(query)) { reply, _ in try self.encoded(reply) }(request)
        }
    }

    /// The service named as a resource id is in a path (`RESTResourceID`): `protocol`, `address`
    /// and `port`, or `fwmark` (IPv4) or `fwmark6` (IPv6) with the mark; then `client` and an
    /// optional `client_port` (0, unknown, matches no connection entry).
    static func explainQuery(_ query: [String: String]) throws(RESTError) -> ExplainQuery {
        let marks = ["fwmark", "fwmark6"].filter { query[$0] != nil }
        let byAddress = ["protocol", "address", "port"].filter { query[$0] != nil }
        var parameters: [String: String] = [:]
        switch (marks.count, byAddress.count) {
        case (0, 3):
            for name in byAddress { parameters[name] = query[name] }
        case (1, 0):
            parameters = ["kind": marks[0], "mark": query[marks[0]] ?? ""]
        default:
            throw .badRequest(
                "name the service with ?protocol=tcp|udp|sctp&address=ADDR&port=PORT, or with ?fwmark=N or ?fwmark6=N")
        }
        let service = try RESTResourceID.service(parameters)
        guard let clientText = query["client"] else { throw .badRequest("name the client with ?client=ADDR") }
        let client = try RESTResourceID.address(clientText)
        guard client.family == service.family else {
            throw .badRequest("the client's address family differs from the service's")
        }
        var clientPort: UInt16 = 0
        if let text = query["client_port"] { clientPort = try RESTResourceID.port(text) }
        return ExplainQuery(service: service, clientAddress: client, clientPort: clientPort)
    }
}
