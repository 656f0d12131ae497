import Foundation
import LVSControl
import Logging
import Synchronization

/// The daemon's event log: the last `capacity` state changes in a ring, each also logged as one
/// JSON line (docs/control-protocol.md, `getEvents`). Safe from any thread (one mutex).
public final class EventLog: Sendable {
    public static let defaultCapacity = 1024

    private struct State {
        var events: [DaemonEvent] = []
        /// Position of the oldest event once the ring is full.
        var start = 0
        var lastSeq = 0
    }

    public let capacity: Int
    private let state = Mutex(State())
    private let logger: Logger
    private let wallClock: @Sendable () -> Date

    public init(
        capacity: Int = EventLog.defaultCapacity, logger: Logger, wallClock: @escaping @Sendable () -> Date = Date.init
    ) {
        self.capacity = max(1, capacity)
        self.logger = logger
        self.wallClock = wallClock
    }

    /// Records an event and logs it; returns it.
    @discardableResult
    public func record(_ kind: DaemonEvent.Kind, _ reason: String, fields: [String: String] = [:]) -> DaemonEvent {
        let time = Self.rfc3339(wallClock())
        let event = state.withLock { state in
            state.lastSeq += 1
            let event = DaemonEvent(seq: state.lastSeq, time: time, kind: kind, reason: reason, fields: fields)
            if state.events.count < capacity {
                state.events.append(event)
            } else {
                state.events[state.start] = event
                state.start = (state.start + 1) % capacity
            }
            return event
        }
        logger.notice("event \(Self.jsonLine(event))")
        return event
    }

    /// The events with `seq` greater than `since` (all kept ones when nil), oldest first, at most
    /// `limit` of them (the oldest ones), so a client polls with the last `seq` it saw.
    public func events(since: Int? = nil, limit: Int? = nil) -> [DaemonEvent] {
        let ordered = state.withLock { state in
            Array(state.events[state.start...] + state.events[..<state.start])
        }
        let after = ordered.filter { $0.seq > (since ?? 0) }
        guard let limit else { return after }
        return Array(after.prefix(max(0, limit)))
    }

    /// `2026-12-07T14:49:17.123Z`.
    static func rfc3339(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// The event as one line of JSON, keys sorted.
    public static func jsonLine(_ event: DaemonEvent) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(event) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
