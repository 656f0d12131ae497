/// Every option ipvsadm 1.31 accepts, plus our `--proxy` and `--json`, as popt sees them: a
/// long name, an optional one-letter name and whether a value follows.

/// What an option means to the parser (ipvsadm's option "tags").
enum OptionTag: Sendable, Equatable {
    // Commands (only accepted as the first option, reference §1.1).
    case addService, editService, deleteService, clear, list, zero
    case addServer, editServer, deleteServer
    case setTimeouts, startDaemon, stopDaemon, restore, save
    case help, version
    // Virtual-service selectors.
    case tcpService, udpService, sctpService, fwmarkService, ipv6
    // Service parameters.
    case scheduler, persistent, netmask, persistenceEngine, schedulerFlags, onePacket
    // Real-server parameters.
    case realServer, masquerading, ipip, gatewaying, proxy, weight, upperThreshold, lowerThreshold
    case tunnelType, tunnelPort, tunnelNoChecksum, tunnelChecksum, tunnelRemoteChecksum
    case proxyProtocol, transparent
    // List options.
    case numeric, connection, timeout, daemon, stats, rate, thresholds, persistentConnections
    case noSort, sort, exact, tunnelInfo, json
    // Sync-daemon options.
    case mcastInterface, syncID, mcastGroup, mcastPort, mcastTTL, syncMaxLength
}

/// How popt treats the text after an option.
enum OptionArgument: Sendable, Equatable {
    case none
    case required
    /// `POPT_ARGFLAG_OPTIONAL`: taken only from `--opt=value`, the rest of a bundle, or a next
    /// word that does not start with `-` (popt's rule; the value need not be numeric).
    case optional
}

struct OptionSpec: Sendable {
    let longName: String?
    let shortName: Character?
    let argument: OptionArgument
    let tag: OptionTag
}

enum OptionTable {
    /// In ipvsadm's table order: popt takes the first entry that matches, which only matters for
    /// `--list`, listed for both `-L` and `-l`.
    static let all: [OptionSpec] = [
        OptionSpec(longName: "add-service", shortName: "A", argument: .none, tag: .addService),
        OptionSpec(longName: "edit-service", shortName: "E", argument: .none, tag: .editService),
        OptionSpec(longName: "delete-service", shortName: "D", argument: .none, tag: .deleteService),
        OptionSpec(longName: "clear", shortName: "C", argument: .none, tag: .clear),
        OptionSpec(longName: "list", shortName: "L", argument: .none, tag: .list),
        OptionSpec(longName: "list", shortName: "l", argument: .none, tag: .list),
        OptionSpec(longName: "zero", shortName: "Z", argument: .none, tag: .zero),
        OptionSpec(longName: "add-server", shortName: "a", argument: .none, tag: .addServer),
        OptionSpec(longName: "edit-server", shortName: "e", argument: .none, tag: .editServer),
        OptionSpec(longName: "delete-server", shortName: "d", argument: .none, tag: .deleteServer),
        OptionSpec(longName: "set", shortName: nil, argument: .none, tag: .setTimeouts),
        OptionSpec(longName: "help", shortName: "h", argument: .none, tag: .help),
        OptionSpec(longName: "version", shortName: "v", argument: .none, tag: .version),
        OptionSpec(longName: "restore", shortName: "R", argument: .none, tag: .restore),
        OptionSpec(longName: "save", shortName: "S", argument: .none, tag: .save),
        OptionSpec(longName: "start-daemon", shortName: nil, argument: .required, tag: .startDaemon),
        OptionSpec(longName: "stop-daemon", shortName: nil, argument: .required, tag: .stopDaemon),
        OptionSpec(longName: "tcp-service", shortName: "t", argument: .required, tag: .tcpService),
        OptionSpec(longName: "udp-service", shortName: "u", argument: .required, tag: .udpService),
        OptionSpec(longName: "sctp-service", shortName: nil, argument: .required, tag: .sctpService),
        OptionSpec(longName: "fwmark-service", shortName: "f", argument: .required, tag: .fwmarkService),
        OptionSpec(longName: "scheduler", shortName: "s", argument: .required, tag: .scheduler),
        OptionSpec(longName: "persistent", shortName: "p", argument: .optional, tag: .persistent),
        OptionSpec(longName: "netmask", shortName: "M", argument: .required, tag: .netmask),
        OptionSpec(longName: "real-server", shortName: "r", argument: .required, tag: .realServer),
        OptionSpec(longName: "masquerading", shortName: "m", argument: .none, tag: .masquerading),
        OptionSpec(longName: "ipip", shortName: "i", argument: .none, tag: .ipip),
        OptionSpec(longName: "gatewaying", shortName: "g", argument: .none, tag: .gatewaying),
        OptionSpec(longName: "weight", shortName: "w", argument: .required, tag: .weight),
        OptionSpec(longName: "u-threshold", shortName: "x", argument: .required, tag: .upperThreshold),
        OptionSpec(longName: "l-threshold", shortName: "y", argument: .required, tag: .lowerThreshold),
        OptionSpec(longName: "numeric", shortName: "n", argument: .none, tag: .numeric),
        OptionSpec(longName: "connection", shortName: "c", argument: .none, tag: .connection),
        OptionSpec(longName: "mcast-interface", shortName: nil, argument: .required, tag: .mcastInterface),
        OptionSpec(longName: "syncid", shortName: nil, argument: .required, tag: .syncID),
        OptionSpec(longName: "timeout", shortName: nil, argument: .none, tag: .timeout),
        OptionSpec(longName: "daemon", shortName: nil, argument: .none, tag: .daemon),
        OptionSpec(longName: "stats", shortName: nil, argument: .none, tag: .stats),
        OptionSpec(longName: "rate", shortName: nil, argument: .none, tag: .rate),
        OptionSpec(longName: "thresholds", shortName: nil, argument: .none, tag: .thresholds),
        OptionSpec(longName: "persistent-conn", shortName: nil, argument: .none, tag: .persistentConnections),
        OptionSpec(longName: "nosort", shortName: nil, argument: .none, tag: .noSort),
        OptionSpec(longName: "sort", shortName: nil, argument: .none, tag: .sort),
        OptionSpec(longName: "exact", shortName: "X", argument: .none, tag: .exact),
        OptionSpec(longName: "ipv6", shortName: "6", argument: .none, tag: .ipv6),
        OptionSpec(longName: "ops", shortName: "o", argument: .none, tag: .onePacket),
        OptionSpec(longName: "pe", shortName: nil, argument: .required, tag: .persistenceEngine),
        OptionSpec(longName: "sched-flags", shortName: "b", argument: .required, tag: .schedulerFlags),
        OptionSpec(longName: "mcast-group", shortName: nil, argument: .required, tag: .mcastGroup),
        OptionSpec(longName: "mcast-port", shortName: nil, argument: .required, tag: .mcastPort),
        OptionSpec(longName: "mcast-ttl", shortName: nil, argument: .required, tag: .mcastTTL),
        OptionSpec(longName: "sync-maxlen", shortName: nil, argument: .required, tag: .syncMaxLength),
        OptionSpec(longName: "tun-info", shortName: nil, argument: .none, tag: .tunnelInfo),
        OptionSpec(longName: "tun-type", shortName: nil, argument: .required, tag: .tunnelType),
        OptionSpec(longName: "tun-port", shortName: nil, argument: .required, tag: .tunnelPort),
        OptionSpec(longName: "tun-nocsum", shortName: nil, argument: .none, tag: .tunnelNoChecksum),
        OptionSpec(longName: "tun-csum", shortName: nil, argument: .none, tag: .tunnelChecksum),
        OptionSpec(longName: "tun-remcsum", shortName: nil, argument: .none, tag: .tunnelRemoteChecksum),
        // Our additions (long form only, so no ipvsadm short letter is taken).
        OptionSpec(longName: "proxy", shortName: nil, argument: .none, tag: .proxy),
        OptionSpec(longName: "json", shortName: nil, argument: .none, tag: .json),
        OptionSpec(longName: "proxy-protocol", shortName: nil, argument: .required, tag: .proxyProtocol),
        OptionSpec(longName: "transparent", shortName: nil, argument: .none, tag: .transparent),
    ]

    /// popt matches long names exactly (no abbreviations).
    static func option(longName: Substring) -> OptionSpec? {
        all.first { $0.longName.map { Substring($0) == longName } ?? false }
    }

    static func option(shortName: Character) -> OptionSpec? {
        all.first { $0.shortName == shortName }
    }
}
