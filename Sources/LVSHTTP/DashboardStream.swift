import Foundation
import LVSControl
import NIOCore

/// One page's event stream (docs/http-api.md, "Live stream"): every second a `snapshot` event,
/// then an `events` event with the event log's entries newer than the last one sent; a comment
/// line every `heartbeatTicks` seconds keeps proxies from timing the connection out. Ends when
/// the client goes away (a write fails or the connection closes).
struct DashboardStream: Sendable {
    static let interval = TimeAmount.seconds(1)
    static let heartbeatTicks = 15
    /// The first batch: the most recent entries of the log, so the page opens with a history.
    static let initialEvents = 50
    static let maximumEventsPerTick = 200

    let handler: any ControlRequestHandler
    let writer: HTTPStreamWriter

    /// What the loop remembers between ticks; only touched on the connection's event loop.
    final class Progress {
        var lastSeq: Int?
        var ticks = 0
    }

    func run() {
        let eventLoop = writer.eventLoop
        let progress = NIOLoopBound(Progress(), eventLoop: eventLoop)
        // The page's EventSource reconnects after `retry` milliseconds when the stream drops.
        _ = writer.write("retry: 2000\n\n")
        let task = eventLoop.scheduleRepeatedAsyncTask(initialDelay: .zero, delay: Self.interval) { _ in
            tick(progress.value)
        }
        writer.closed.whenComplete { _ in task.cancel() }
    }

    /// One round: the four reads, then the frames; never fails (a failed write closes the stream).
    private func tick(_ progress: Progress) -> EventLoopFuture<Void> {
        let eventLoop = writer.eventLoop
        progress.ticks += 1
        let since = progress.lastSeq
        let events: ControlRequestBody =
            since == nil
            ? .getEvents(since: nil, limit: nil) : .getEvents(since: since, limit: Self.maximumEventsPerTick)
        let table = handler.handle(.getTable).hop(to: eventLoop)
        let health = handler.handle(.getHealth).hop(to: eventLoop)
        let vrrp = handler.handle(.getVRRP).hop(to: eventLoop)
        let log = handler.handle(events).hop(to: eventLoop)
        let writer = self.writer
        return table.and(health).and(vrrp).and(log).flatMap { replies in
            let (((table, health), vrrp), log) = replies
            // A multi-line document is several `data:` lines; the page gets them joined by newlines.
            let snapshot = DashboardSnapshot(table: table, health: health, vrrp: vrrp).json()
            var text = "event: snapshot\n"
            for line in snapshot.split(separator: "\n", omittingEmptySubsequences: false) { text += "data: \(line)\n" }
            text += "\n"
            if case .events(var entries) = log {
                if since == nil { entries = Array(entries.suffix(Self.initialEvents)) }
                if let last = entries.last { progress.lastSeq = last.seq }
                if since == nil && entries.isEmpty { progress.lastSeq = 0 }
                if !entries.isEmpty { text += "event: events\ndata: \(Self.encode(entries))\n\n" }
            }
            if progress.ticks % Self.heartbeatTicks == 0 { text += ": heartbeat\n\n" }
            return writer.write(text)
        }.flatMapErrorThrowing { _ in
            writer.finish()
        }
    }

    /// One line of JSON (a `data:` field ends at a newline).
    static func encode(_ events: [DaemonEvent]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(events) else { return "[]" }
        return String(decoding: data, as: UTF8.self)
    }
}
