import Foundation
import LVSCore

/// The control protocol's constants and its JSON-lines codec (docs/control-protocol.md).
///
/// One JSON object per line, UTF-8, terminated by `\n`. JSONEncoder escapes control characters
/// inside strings, so an encoded message never contains a raw newline.
public enum ControlProtocol {
    /// The protocol version this build speaks (`"v"` of every message).
    public static let version = 1
    /// Longest accepted line, newline excluded. A whole table of a large director fits easily.
    public static let maximumLineLength = 8 * 1024 * 1024

    // MARK: - Requests

    /// One request as a line, newline included.
    public static func encode(_ request: ControlRequest) -> [UInt8] {
        var wire = RequestWire(v: version, id: request.id, type: request.body.typeName)
        switch request.body {
        case .apply(let command): wire.command = command
        case .applyBatch(let commands): wire.commands = commands
        case .getEvents(let since, let limit):
            wire.since = since
            wire.limit = limit
        case .explain(let query): wire.query = query
        case .getTable, .getConnections, .getTimeouts, .getDaemons, .getEngineStats, .ping, .reload, .getHealth,
            .getVRRP, .getSync, .getAnnouncements:
            break
        }
        return encodeLine(wire)
    }

    /// Reads one request line (without its newline). A failure carries the id when the line got
    /// that far, so the error reply can name it.
    public static func decodeRequest(_ line: some Collection<UInt8>) -> Result<ControlRequest, ControlDecodingError> {
        let data = Data(line)
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: data)
        } catch {
            return .failure(ControlDecodingError(id: nil, failure: malformed("not a JSON object with v, id and type")))
        }
        guard let v = envelope.v else {
            return .failure(ControlDecodingError(id: envelope.id, failure: malformed("missing protocol version \"v\"")))
        }
        guard v == version else {
            return .failure(
                ControlDecodingError(
                    id: envelope.id,
                    failure: ControlFailure(
                        kind: .unsupportedVersion,
                        message: "unsupported control protocol version \(v) (this daemon speaks \(version))")))
        }
        guard let id = envelope.id, let type = envelope.type else {
            return .failure(ControlDecodingError(id: envelope.id, failure: malformed("missing \"id\" or \"type\"")))
        }
        let wire: RequestWire
        do {
            wire = try JSONDecoder().decode(RequestWire.self, from: data)
        } catch {
            return .failure(
                ControlDecodingError(id: id, failure: malformed("invalid \(type) request: \(describe(error))")))
        }
        let body: ControlRequestBody
        switch type {
        case "apply":
            guard let command = wire.command else {
                return .failure(ControlDecodingError(id: id, failure: malformed("apply needs \"command\"")))
            }
            body = .apply(command)
        case "applyBatch":
            guard let commands = wire.commands else {
                return .failure(ControlDecodingError(id: id, failure: malformed("applyBatch needs \"commands\"")))
            }
            body = .applyBatch(commands)
        case "getTable": body = .getTable
        case "getConnections": body = .getConnections
        case "getTimeouts": body = .getTimeouts
        case "getDaemons": body = .getDaemons
        case "getEngineStats": body = .getEngineStats
        case "ping": body = .ping
        case "reload": body = .reload
        case "getHealth": body = .getHealth
        case "getVRRP": body = .getVRRP
        case "getSync": body = .getSync
        case "getAnnouncements": body = .getAnnouncements
        case "getEvents": body = .getEvents(since: wire.since, limit: wire.limit)
        case "explain":
            guard let query = wire.query else {
                return .failure(ControlDecodingError(id: id, failure: malformed("explain needs \"query\"")))
            }
            body = .explain(query)
        default:
            return .failure(ControlDecodingError(id: id, failure: malformed("unknown request type \"\(type)\"")))
        }
        return .success(ControlRequest(id: id, body: body))
    }

    // MARK: - Replies

    /// One reply as a line, newline included.
    public static func encode(_ reply: ControlReply) -> [UInt8] {
        var wire = ReplyWire(v: version, id: reply.id, type: reply.body.typeName)
        switch reply.body {
        case .ok: break
        case .failure(let failure): wire.error = failure
        case .table(let table): wire.table = table
        case .connections(let connections): wire.connections = connections
        case .timeouts(let timeouts): wire.timeouts = timeouts
        case .daemons(let daemons): wire.daemons = daemons
        case .pong(let info): wire.server = info
        case .engineStats(let statistics): wire.engineStats = statistics
        case .reloaded(let report): wire.reload = report
        case .health(let status): wire.health = status
        case .vrrp(let report): wire.vrrp = report
        case .sync(let report): wire.sync = report
        case .announcements(let report): wire.announcements = report
        case .events(let events): wire.events = events
        case .explanation(let explanation): wire.explanation = explanation
        }
        return encodeLine(wire)
    }

    /// Reads one reply line (without its newline).
    public static func decodeReply(_ line: some Collection<UInt8>) throws(ControlFailure) -> ControlReply {
        let wire: ReplyWire
        do {
            wire = try JSONDecoder().decode(ReplyWire.self, from: Data(line))
        } catch {
            throw malformed("unreadable reply from lvsd: \(describe(error))")
        }
        guard wire.v == version else {
            throw ControlFailure(kind: .unsupportedVersion, message: "lvsd replied with protocol version \(wire.v)")
        }
        func missing(_ member: String) -> ControlFailure { malformed("reply \(wire.type) without \"\(member)\"") }
        let body: ControlReplyBody
        switch wire.type {
        case "ok": body = .ok
        case "error":
            guard let failure = wire.error else { throw missing("error") }
            body = .failure(failure)
        case "table":
            guard let table = wire.table else { throw missing("table") }
            body = .table(table)
        case "connections":
            guard let connections = wire.connections else { throw missing("connections") }
            body = .connections(connections)
        case "timeouts":
            guard let timeouts = wire.timeouts else { throw missing("timeouts") }
            body = .timeouts(timeouts)
        case "daemons":
            guard let daemons = wire.daemons else { throw missing("daemons") }
            body = .daemons(daemons)
        case "pong":
            guard let server = wire.server else { throw missing("server") }
            body = .pong(server)
        case "engineStats":
            guard let statistics = wire.engineStats else { throw missing("engineStats") }
            body = .engineStats(statistics)
        case "reloaded":
            guard let report = wire.reload else { throw missing("reload") }
            body = .reloaded(report)
        case "health":
            guard let status = wire.health else { throw missing("health") }
            body = .health(status)
        case "vrrp":
            guard let report = wire.vrrp else { throw missing("vrrp") }
            body = .vrrp(report)
        case "sync":
            guard let report = wire.sync else { throw missing("sync") }
            body = .sync(report)
        case "announcements":
            guard let report = wire.announcements else { throw missing("announcements") }
            body = .announcements(report)
        case "events":
            guard let events = wire.events else { throw missing("events") }
            body = .events(events)
        case "explanation":
            guard let explanation = wire.explanation else { throw missing("explanation") }
            body = .explanation(explanation)
        default:
            throw malformed("unknown reply type \"\(wire.type)\"")
        }
        return ControlReply(id: wire.id, body: body)
    }

    // MARK: - Wire shapes

    /// Only the members every request has; decoded first so that an error reply can echo the id.
    private struct Envelope: Decodable {
        var v: Int?
        var id: Int?
        var type: String?
    }

    private struct RequestWire: Codable {
        var v: Int
        var id: Int
        var type: String
        var command: AdminCommand?
        var commands: [AdminCommand]?
        var since: Int?
        var limit: Int?
        var query: ExplainQuery?
    }

    private struct ReplyWire: Codable {
        var v: Int
        var id: Int?
        var type: String
        var error: ControlFailure?
        var table: TableSnapshot?
        var connections: [ConnectionSnapshot]?
        var timeouts: TimeoutSettings?
        var daemons: [SyncDaemonSnapshot]?
        var server: ControlServerInfo?
        var engineStats: EngineStatistics?
        var reload: ReloadReport?
        var health: HealthReport?
        var vrrp: VRRPReport?
        var sync: SyncReport?
        var announcements: AnnouncementReport?
        var events: [DaemonEvent]?
        var explanation: Explanation?
    }

    private static func encodeLine(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            var bytes = [UInt8](try encoder.encode(value))
            bytes.append(UInt8(ascii: "\n"))
            return bytes
        } catch {
            // Our own value types always encode; should one not, the peer still gets a line.
            return Array(
                "{\"v\":\(version),\"type\":\"error\",\"error\":{\"kind\":\"malformedRequest\",\"message\":\"internal encoding failure\"}}\n"
                    .utf8)
        }
    }

    static func malformed(_ why: String) -> ControlFailure {
        ControlFailure(kind: .malformedRequest, message: "malformed control message: \(why)")
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context), DecodingError.keyNotFound(_, let context),
            DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default:
            return String(describing: error)
        }
    }
}

/// A request line that could not be read: the reply to send back.
public struct ControlDecodingError: Error, Sendable, Hashable {
    /// The request's id when the line got far enough to have one.
    public var id: Int?
    public var failure: ControlFailure

    public init(id: Int?, failure: ControlFailure) {
        self.id = id
        self.failure = failure
    }

    public var reply: ControlReply { ControlReply(id: id, body: .failure(failure)) }
}
