import LVSCore

/// ipvsadm's command × option legality table (reference §1.8) and its tunnel-type table
/// (reference §1.5), checked in ipvsadm's column order so the first complaint is the same.

/// The commands in ipvsadm's order; `name` is what its messages call them.
enum CommandKind: Int, Sendable, CaseIterable {
    case addService, editService, deleteService, flush, list, addServer, deleteServer, editServer
    case setTimeouts, startDaemon, stopDaemon, restore, save, zero

    var name: String {
        switch self {
        case .addService: return "add-service"
        case .editService: return "edit-service"
        case .deleteService: return "delete-service"
        case .flush: return "flush"
        case .list: return "list"
        case .addServer: return "add-server"
        case .deleteServer: return "delete-server"
        case .editServer: return "edit-server"
        case .setTimeouts: return "set"
        case .startDaemon: return "start-daemon"
        case .stopDaemon: return "stop-daemon"
        case .restore: return "restore"
        case .save: return "save"
        case .zero: return "zero"
        }
    }
}

/// The option columns of the table, in ipvsadm's bit order, plus our `json` at the end.
enum OptionColumn: Int, Sendable, CaseIterable {
    case numeric, connection, serviceAddress, scheduler, persistent, netmask, realServer
    case forwardingMethod, weight, upperThreshold, lowerThreshold, mcastInterface, timeout, daemon
    case stats, rate, thresholds, persistentConnections, noSort, syncID, exact, onePacket
    case persistenceEngine, schedulerFlags, mcastGroup, mcastPort, mcastTTL, syncMaxLength
    case tunnelInfo, tunnelType, tunnelPort, tunnelNoChecksum, tunnelChecksum, tunnelRemoteChecksum
    case json
    /// Our proxy-method options for `-a`/`-e`: `--proxy-protocol v1|v2`, `--transparent`.
    case proxyProtocol, transparent

    /// The name used in ipvsadm's messages (`multiple 'weight' options specified`).
    var name: String {
        switch self {
        case .numeric: return "numeric"
        case .connection: return "connection"
        case .serviceAddress: return "service-address"
        case .scheduler: return "scheduler"
        case .persistent: return "persistent"
        case .netmask: return "netmask"
        case .realServer: return "real-server"
        case .forwardingMethod: return "forwarding-method"
        case .weight: return "weight"
        case .upperThreshold: return "u-threshold"
        case .lowerThreshold: return "l-threshold"
        case .mcastInterface: return "mcast-interface"
        case .timeout: return "timeout"
        case .daemon: return "daemon"
        case .stats: return "stats"
        case .rate: return "rate"
        case .thresholds: return "thresholds"
        case .persistentConnections: return "persistent-conn"
        case .noSort: return "nosort"
        case .syncID: return "syncid"
        case .exact: return "exact"
        case .onePacket: return "ops"
        case .persistenceEngine: return "pe"
        case .schedulerFlags: return "sched-flags"
        case .mcastGroup: return "mcast-group"
        case .mcastPort: return "mcast-port"
        case .mcastTTL: return "mcast-ttl"
        case .syncMaxLength: return "sync-maxlen"
        case .tunnelInfo: return "tun-info"
        case .tunnelType: return "tun-type"
        case .tunnelPort: return "tun-port"
        case .tunnelNoChecksum: return "tun-nocsum"
        case .tunnelChecksum: return "tun-csum"
        case .tunnelRemoteChecksum: return "tun-remcsum"
        case .json: return "json"
        case .proxyProtocol: return "proxy-protocol"
        case .transparent: return "transparent"
        }
    }
}

/// The set of option columns given on one command line.
struct OptionColumns: Sendable, Equatable {
    private(set) var bits: UInt64 = 0

    func contains(_ column: OptionColumn) -> Bool { bits & (1 << UInt64(column.rawValue)) != 0 }
    mutating func insert(_ column: OptionColumn) { bits |= 1 << UInt64(column.rawValue) }
}

enum OptionMatrix {
    /// One row per command, one character per `OptionColumn`: `+` required, `x` illegal,
    /// `1` member of the exclusive group, `o` optional (ipvsadm's `commands_v_options`).
    static let rows: [CommandKind: [Character]] = {
        // Columns a row does not spell out (our additions at the end) are illegal.
        func row(_ segments: [(Character, Int)]) -> [Character] {
            let given = segments.flatMap { Array(repeating: $0.0, count: $0.1) }
            return given + Array(repeating: "x", count: max(0, OptionColumn.allCases.count - given.count))
        }
        let serviceCommand = row([("x", 2), ("+", 1), ("o", 3), ("x", 15), ("o", 3), ("x", 10), ("x", 1)])
        let serverCommand = row([
            ("x", 2), ("+", 1), ("x", 3), ("+", 1), ("o", 4), ("x", 18), ("o", 5), ("x", 1), ("o", 2),
        ])
        let allIllegal = row([("x", 35)])
        return [
            .addService: serviceCommand,
            .editService: serviceCommand,
            .deleteService: row([("x", 2), ("+", 1), ("x", 32)]),
            .flush: allIllegal,
            .list: row([
                ("o", 1), ("1", 2), ("x", 9), ("1", 2), ("o", 7), ("x", 3), ("x", 4), ("o", 1), ("x", 5), ("o", 1),
            ]),
            .addServer: serverCommand,
            .deleteServer: row([("x", 2), ("+", 1), ("x", 3), ("+", 1), ("x", 28)]),
            .editServer: serverCommand,
            .setTimeouts: allIllegal,
            .startDaemon: row([("x", 11), ("o", 1), ("x", 7), ("o", 1), ("x", 4), ("o", 4), ("x", 6), ("x", 1)]),
            .stopDaemon: row([("x", 19), ("o", 1), ("x", 15)]),
            .restore: allIllegal,
            .save: row([("o", 1), ("x", 34)]),
            .zero: row([("x", 2), ("o", 1), ("x", 32)]),
        ]
    }()

    static func rule(_ command: CommandKind, _ column: OptionColumn) -> Character {
        guard let row = rows[command], column.rawValue < row.count else { return "x" }
        return row[column.rawValue]
    }

    /// ipvsadm's `generic_opt_check`: the first column (in order) that breaks the rules decides
    /// the message.
    static func check(_ command: CommandKind, _ given: OptionColumns) -> IPVSAdminUsageError? {
        var firstExclusive: OptionColumn?
        for column in OptionColumn.allCases {
            let rule = rule(command, column)
            if !given.contains(column) {
                if rule == "+" {
                    return .validation(
                        "You need to supply the '\(column.name)' option for the '\(command.name)' command")
                }
                continue
            }
            if rule == "x" {
                return .validation("Illegal '\(column.name)' option with the '\(command.name)' command")
            }
            if rule == "1" {
                if let first = firstExclusive {
                    return .validation(
                        "The option '\(column.name)' conflicts with the '\(first.name)' option in the '\(command.name)' command"
                    )
                }
                firstExclusive = column
            }
        }
        return nil
    }

    /// ipvsadm's `tunnel_opt_check` (reference §1.5): port, nocsum, csum, remcsum per tunnel type.
    static func checkTunnel(_ type: TunnelType, _ given: OptionColumns) -> IPVSAdminUsageError? {
        let columns: [OptionColumn] = [.tunnelPort, .tunnelNoChecksum, .tunnelChecksum, .tunnelRemoteChecksum]
        let rules: [Character]
        switch type {
        case .ipip: rules = ["x", "x", "x", "x"]
        case .gue: rules = ["+", "1", "1", "1"]
        case .gre: rules = ["x", "1", "1", "x"]
        }
        var firstExclusive: OptionColumn?
        for (column, rule) in zip(columns, rules) {
            if !given.contains(column) {
                if rule == "+" {
                    return .validation(
                        "You need to supply the '\(column.name)' option for the '\(type.name)' tunnel type")
                }
                continue
            }
            if rule == "x" {
                return .validation("Illegal '\(column.name)' option with the '\(type.name)' tunnel type")
            }
            if rule == "1" {
                if let first = firstExclusive {
                    return .validation(
                        "The option '\(column.name)' conflicts with the '\(first.name)' option in the '\(type.name)' tunnel type"
                    )
                }
                firstExclusive = column
            }
        }
        return nil
    }
}
