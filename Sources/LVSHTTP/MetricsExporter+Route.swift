import LVSMetrics
import NIOHTTP1

// `/metrics` on the HTTP endpoint (docs/metrics.md): the exporter gathers with control requests,
// so the route needs nothing but the handler the REST API already has.
extension MetricsExporter {
    /// `GET /metrics`: the exposition text, `PrometheusTextWriter.contentType`. A read: off
    /// loopback it needs the token only with `--http-auth-reads` (docs/http-api.md).
    public var route: HTTPRoute {
        HTTPRoute(.GET, "/metrics") { request in
            self.render(on: request.eventLoop).map { text in
                var headers = HTTPHeaders()
                headers.add(name: "Content-Type", value: PrometheusTextWriter.contentType)
                return HTTPResponse(status: .ok, headers: headers, body: Array(text.utf8))
            }
        }
    }
}
