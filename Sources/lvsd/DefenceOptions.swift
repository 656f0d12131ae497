import ArgumentParser
import LVSCore

/// IPVS's defence strategies under their sysctl names (reference §4.12, §10), and our entry cap
/// and rate limits (docs/configuration.md "Defences", docs/design/0030-ipvs-defences.md). Each
/// one given here wins over keepalived.conf's `global_defs`.
struct DefenceOptions: ParsableArguments {
    @Option(
        name: .customLong("drop-entry"),
        help: ArgumentHelp(
            "drop_entry: delete connection entries at random under memory pressure; 0 off, 1 automatic, 3 always.",
            valueName: "0-3"))
    var dropEntry: UInt8?

    @Option(
        name: .customLong("drop-packet"),
        help: ArgumentHelp(
            "drop_packet: drop one of every rate connection-starting packets; 0 off, 1 automatic, 3 always (rate --am-droprate).",
            valueName: "0-3"))
    var dropPacket: UInt8?

    @Option(
        name: .customLong("secure-tcp"),
        help: ArgumentHelp(
            "secure_tcp: use the secure TCP state table; 0 off, 1 automatic, 3 always.", valueName: "0-3"))
    var secureTCP: UInt8?

    @Option(
        name: .customLong("amemthresh"),
        help: ArgumentHelp(
            "amemthresh: available memory (free + buffers) below which the automatic modes turn on; default 1024.",
            valueName: "pages"))
    var memoryThreshold: UInt32?

    @Option(
        name: .customLong("am-droprate"),
        help: ArgumentHelp("am_droprate: drop_packet's rate in mode 3; default 10.", valueName: "n"))
    var dropRate: UInt32?

    @Option(
        name: .customLong("max-connection-entries"),
        help: ArgumentHelp(
            "Most connection entries and templates at once; at the limit embryonic entries are evicted first, then new connections refused (0 = no limit).",
            valueName: "n"))
    var maxConnectionEntries: UInt32?

    @Option(
        name: .customLong("service-rate-limit"),
        help: ArgumentHelp(
            "New connections per second per virtual service, with an optional burst (default: the rate).",
            valueName: "rate[:burst]"))
    var serviceRateLimit: String?

    @Option(
        name: .customLong("source-rate-limit"),
        help: ArgumentHelp(
            "New connections per second per client address (IPv6: per /64), with an optional burst.",
            valueName: "rate[:burst]"))
    var sourceRateLimit: String?

    @Option(
        name: .customLong("source-rate-slots"),
        help: ArgumentHelp(
            "Slots of the per-source rate table (16 bytes each, fixed); default 65536.", valueName: "n"))
    var sourceRateSlots: UInt32?

    /// The options given, or a usage error naming the bad one.
    func overrides() throws -> DefenceSettingsOverrides {
        var result = DefenceSettingsOverrides()
        result.dropEntry = try Self.mode(dropEntry, "--drop-entry")
        result.dropPacket = try Self.mode(dropPacket, "--drop-packet")
        result.secureTCP = try Self.mode(secureTCP, "--secure-tcp")
        result.memoryThresholdPages = memoryThreshold
        result.dropRate = dropRate
        result.maxConnectionEntries = maxConnectionEntries
        result.serviceRateLimit = try Self.rateLimit(serviceRateLimit, "--service-rate-limit")
        result.sourceRateLimit = try Self.rateLimit(sourceRateLimit, "--source-rate-limit")
        if let sourceRateSlots {
            guard sourceRateSlots >= 1 && sourceRateSlots <= DefenceSettings.maximumSourceRateSlots else {
                throw ValidationError("--source-rate-slots takes 1...\(DefenceSettings.maximumSourceRateSlots)")
            }
            result.sourceRateSlots = sourceRateSlots
        }
        return result
    }

    private static func mode(_ value: UInt8?, _ name: String) throws -> DefenceMode? {
        guard let value else { return nil }
        guard let mode = DefenceMode(rawValue: value) else { throw ValidationError("\(name) takes 0, 1, 2 or 3") }
        return mode
    }

    private static func rateLimit(_ text: String?, _ name: String) throws -> NewConnectionRateLimit? {
        guard let text else { return nil }
        guard let limit = NewConnectionRateLimit(parsing: Substring(text)) else {
            throw ValidationError("\(name) takes RATE or RATE:BURST, positive numbers (e.g. 1000:200)")
        }
        return limit
    }
}
