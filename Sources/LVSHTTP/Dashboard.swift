import LVSControl
import NIOCore
import NIOHTTP1
import Synchronization

/// The live dashboard (docs/http-api.md, "Dashboard"): `GET /` is one self-contained page
/// (`DashboardPage`, no resource from outside the daemon), and `GET /api/v1/stream` feeds it
/// server-sent events: a snapshot of the table, health and VRRP every second, and the event log's
/// new entries as they appear. Drain and restore go through the REST API like any client's.
public struct Dashboard: Sendable {
    let handler: any ControlRequestHandler
    let streams: DashboardStreams

    /// At most `maximumStreams` pages are fed at once; one more gets 503.
    public init(handler: any ControlRequestHandler, maximumStreams: Int = 16) {
        self.handler = handler
        self.streams = DashboardStreams(limit: maximumStreams)
    }

    public var routes: [HTTPRoute] {
        [
            HTTPRoute(.GET, "/") { request in
                var response = HTTPResponse(status: .ok, body: Array(DashboardPage.html.utf8))
                response.headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
                response.headers.add(name: "Cache-Control", value: "no-store")
                return request.respond(response)
            },
            HTTPRoute(.GET, "/api/v1/stream") { request in request.respond(stream()) },
        ]
    }

    /// The event stream's response, or 503 when `maximumStreams` are open.
    func stream() -> HTTPResponse {
        guard streams.reserve() else {
            return .error(
                .serviceUnavailable, kind: "too_many_streams",
                message: "\(streams.limit) dashboard streams are open already; close one and retry")
        }
        var response = HTTPResponse(status: .ok)
        response.headers.add(name: "Content-Type", value: "text/event-stream")
        response.headers.add(name: "Cache-Control", value: "no-store")
        let handler = self.handler
        let streams = self.streams
        response.stream = HTTPStreamBody(
            start: { writer in
                streams.opened(writer)
                DashboardStream(handler: handler, writer: writer).run()
            },
            cancel: { streams.release() })
        return response
    }

    /// Ends every open stream (the endpoint stops).
    public func closeStreams() { streams.closeAll() }
}

/// The open streams: a bounded count, and their writers so that stopping the endpoint ends them.
final class DashboardStreams: Sendable {
    let limit: Int
    private let state = Mutex<(count: Int, writers: [ObjectIdentifier: HTTPStreamWriter])>((0, [:]))

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Takes a slot; false when all are taken.
    func reserve() -> Bool {
        state.withLock { state in
            guard state.count < limit else { return false }
            state.count += 1
            return true
        }
    }

    func release() { state.withLock { $0.count -= 1 } }

    var count: Int { state.withLock { $0.count } }

    /// A reserved slot's stream started: its slot is released when its connection closes.
    func opened(_ writer: HTTPStreamWriter) {
        let key = ObjectIdentifier(writer.channel)
        state.withLock { $0.writers[key] = writer }
        writer.closed.whenComplete { _ in
            self.state.withLock { state in
                state.writers[key] = nil
                state.count -= 1
            }
        }
    }

    func closeAll() {
        for writer in state.withLock({ Array($0.writers.values) }) { writer.finish() }
    }
}
