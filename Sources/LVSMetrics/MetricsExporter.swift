import LVSControl
import LVSCore
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// Renders the daemon's state as Prometheus metrics (docs/metrics.md), for the HTTP endpoint's
/// `/metrics`.
///
/// It asks the daemon with the same control requests `lvsadm` sends (`ping`, `getTable`,
/// `getEngineStats`, `getHealth`, `getVRRP`, `getSync`), so it needs only a
/// `ControlRequestHandler` and reads what an operator would read. A request that fails leaves
/// its families out and shows as `lvsd_exporter_request_success{request="…"} 0`; the rest is
/// still rendered.
///
/// Contract: `render()` may be called concurrently from any task; each call gathers afresh.
/// `render(on:)` is the same for NIO code (the HTTP handler): the future completes on `eventLoop`.
public struct MetricsExporter: Sendable {
    public let handler: any ControlRequestHandler
    /// Seconds since the Unix epoch now: `_timestamp_seconds` families are computed from it and
    /// the ages the replies carry (tests inject a fixed clock).
    public let wallClock: @Sendable () -> Double

    public init(handler: any ControlRequestHandler, wallClock: @escaping @Sendable () -> Double = Self.systemTime) {
        self.handler = handler
        self.wallClock = wallClock
    }

    /// Gathers and renders the exposition text (format 0.0.4, `PrometheusTextWriter.contentType`).
    public func render() async -> String {
        MetricsRendering.render(await gather(), now: wallClock())
    }

    /// `render()` for an event loop's caller, chained on the handler's futures alone: no Swift
    /// concurrency task, so a scrape never waits for a cooperative thread (a busy or blocked
    /// pool must not stall the HTTP endpoint).
    public func render(on eventLoop: any EventLoop) -> EventLoopFuture<String> {
        var gathered = eventLoop.makeSucceededFuture(MetricsSnapshot())
        for request in MetricsSnapshot.requests {
            gathered = gathered.flatMap { snapshot in
                self.handler.handle(request).hop(to: eventLoop).map { Optional($0) }
                    .recover { _ in nil }
                    .map { reply in
                        var next = snapshot
                        let accepted = next.accept(reply, for: request)
                        next.requestSucceeded.append((request.typeName, accepted))
                        return next
                    }
            }
        }
        return gathered.map { MetricsRendering.render($0, now: self.wallClock()) }
    }

    /// Asks every request once, one after the other (a scrape is rare; the daemon's lock is
    /// taken briefly by each).
    public func gather() async -> MetricsSnapshot {
        var snapshot = MetricsSnapshot()
        for request in MetricsSnapshot.requests {
            let reply = try? await handler.handle(request).get()
            let accepted = snapshot.accept(reply, for: request)
            snapshot.requestSucceeded.append((request.typeName, accepted))
        }
        return snapshot
    }

    /// CLOCK_REALTIME in seconds.
    public static let systemTime: @Sendable () -> Double = {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}

/// The replies one scrape gathered; nil where a request failed.
public struct MetricsSnapshot: Sendable {
    public var server: ControlServerInfo?
    public var table: TableSnapshot?
    public var engine: EngineStatistics?
    public var health: HealthReport?
    public var vrrp: VRRPReport?
    public var sync: SyncReport?
    /// Each request's type name and whether it answered as expected, in the order asked.
    public var requestSucceeded: [(String, Bool)] = []

    public init() {}

    static let requests: [ControlRequestBody] = [.ping, .getTable, .getEngineStats, .getHealth, .getVRRP, .getSync]

    /// Keeps `reply` if it is the answer `request` expects; false otherwise.
    mutating func accept(_ reply: ControlReplyBody?, for request: ControlRequestBody) -> Bool {
        switch reply {
        case .pong(let info)?: server = info
        case .table(let value)?: table = value
        case .engineStats(let value)?: engine = value
        case .health(let value)?: health = value
        case .vrrp(let value)?: vrrp = value
        case .sync(let value)?: sync = value
        case .ok?, .failure?, .connections?, .timeouts?, .daemons?, .reloaded?, .events?, .explanation?,
            .announcements?, nil:
            return false
        }
        return true
    }
}
