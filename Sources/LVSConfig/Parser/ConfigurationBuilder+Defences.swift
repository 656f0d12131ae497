import LVSCore

// `global_defs` items of the defence strategies (ours: keepalived leaves them to sysctl; the
// names are the sysctls' with keepalived's `lvs_` prefix; docs/configuration.md "Defences").
extension ConfigurationBuilder {
    /// Parses one defence item into `g.lvsDefences`; false when `node` is not one.
    mutating func parseGlobalDefence(_ node: ConfigurationNode, into g: inout GlobalDefinitions) -> Bool {
        var d = g.lvsDefences ?? DefenceSettingsOverrides()
        switch node.name {
        case "lvs_drop_entry":
            guard let mode = defenceMode(node) else { return true }
            d.dropEntry = mode
        case "lvs_drop_packet":
            guard let mode = defenceMode(node) else { return true }
            d.dropPacket = mode
        case "lvs_secure_tcp":
            guard let mode = defenceMode(node) else { return true }
            d.secureTCP = mode
        case "lvs_amemthresh":
            guard let t = value(node, example: "1024"), let pages = uint32(t, 0...UInt32.max, what: node.name)
            else { return true }
            d.memoryThresholdPages = pages
        case "lvs_am_droprate":
            guard let t = value(node, example: "10"), let rate = uint32(t, 0...UInt32.max, what: node.name)
            else { return true }
            d.dropRate = rate
        case "lvs_max_connection_entries":
            guard let t = value(node, example: "1000000"), let count = uint32(t, 0...UInt32.max, what: node.name)
            else { return true }
            d.maxConnectionEntries = count
        case "lvs_service_rate_limit":
            guard let limit = rateLimit(node) else { return true }
            d.serviceRateLimit = limit
        case "lvs_source_rate_limit":
            guard let limit = rateLimit(node) else { return true }
            d.sourceRateLimit = limit
        case "lvs_source_rate_slots":
            guard let t = value(node, example: "65536"),
                let slots = uint32(t, 1...DefenceSettings.maximumSourceRateSlots, what: node.name)
            else { return true }
            d.sourceRateSlots = slots
        default:
            return false
        }
        g.lvsDefences = d
        return true
    }

    /// `lvs_drop_entry 0|1|2|3` (the sysctl's values; 2 is taken as automatic).
    private mutating func defenceMode(_ node: ConfigurationNode) -> DefenceMode? {
        guard let t = value(node, example: "1"), let n = number(t, 0...3, what: node.name) else { return nil }
        return DefenceMode(rawValue: UInt8(n))
    }

    /// `lvs_service_rate_limit RATE [BURST]`: new connections per second, burst default RATE.
    private mutating func rateLimit(_ node: ConfigurationNode) -> NewConnectionRateLimit? {
        guard let args = arguments(node, 1, 2, usage: "a rate and optional burst, e.g. \(node.name) 1000 200"),
            let rate = uint32(args[0], 1...UInt32.max, what: "\(node.name) rate")
        else { return nil }
        guard args.count == 2 else { return NewConnectionRateLimit(rate: rate, burst: rate) }
        guard let burst = uint32(args[1], 1...UInt32.max, what: "\(node.name) burst") else { return nil }
        return NewConnectionRateLimit(rate: rate, burst: burst)
    }
}
