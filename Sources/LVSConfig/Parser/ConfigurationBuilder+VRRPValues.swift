import LVSCore

// Values shared by the VRRP blocks and the VRRP items of global_defs.
extension ConfigurationBuilder {
    /// `garp_*` (prefix "") in an instance or `vrrp_garp_*` (prefix "vrrp_") in global_defs;
    /// false when `node` is not one of them. Delays are whole seconds, as keepalived reads them.
    mutating func garpKeyword(_ node: ConfigurationNode, prefix: String, into garp: inout VRRPGratuitousARPSettings)
        -> Bool
    {
        guard node.name.hasPrefix(prefix) else { return false }
        let name = node.name.dropFirst(prefix.count)
        switch name {
        case "garp_master_delay", "garp_master_refresh", "garp_lower_prio_delay":
            guard let t = value(node, example: "5"), let n = number(t, 0...UInt64(UInt32.max), what: node.name)
            else { return true }
            switch name {
            case "garp_master_delay": garp.masterDelay = .seconds(n)
            case "garp_master_refresh": garp.masterRefresh = .seconds(n)
            default: garp.lowerPriorityDelay = .seconds(n)
            }
        case "garp_master_repeat", "garp_master_refresh_repeat", "garp_lower_prio_repeat":
            guard let t = value(node, example: "5"), var n = uint32(t, 0...UInt32.max, what: node.name) else {
                return true
            }
            switch name {
            case "garp_master_repeat", "garp_master_refresh_repeat":
                if n == 0 {
                    // keepalived ≥ 2.0.7: at least one message.
                    log.warning(t.location, "\(node.name) 0 means nothing would be sent; 1 is used")
                    n = 1
                }
                if name == "garp_master_repeat" { garp.masterRepeat = n } else { garp.masterRefreshRepeat = n }
            default: garp.lowerPriorityRepeat = n
            }
        default:
            return false
        }
        return true
    }

    /// A `<TIMER>` within `range`.
    mutating func boundedTimer(_ token: ConfigurationToken, _ range: ClosedRange<Duration>, what: String) -> Duration? {
        guard let d = timer(token, what: what) else { return nil }
        guard range.contains(d) else {
            log.error(
                token.location,
                "\(what) \(token.text) is out of range; use \(Self.seconds(range.lowerBound)) to \(Self.seconds(range.upperBound)) seconds"
            )
            return nil
        }
        return d
    }

    /// `2.5`, `0.01`, `255` for messages.
    static func seconds(_ d: Duration) -> String {
        let micros = VRRPInstanceDefinition.microseconds(d)
        let whole = micros / 1_000_000
        var fraction = String(micros % 1_000_000)
        guard fraction != "0" else { return String(whole) }
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(whole).\(fraction)"
    }

    /// An interface name the kernel accepts (net/core/dev.c dev_valid_name: 1…15 characters,
    /// no `/`, `:` or blank, not `.` or `..`).
    mutating func interfaceName(_ token: ConfigurationToken, what: String) -> Bool {
        let name = token.text
        let valid =
            !name.isEmpty && name.utf8.count < 16 && name != "." && name != ".."
            && !name.contains(where: { $0 == "/" || $0 == ":" || $0.isWhitespace })
        if !valid {
            log.error(
                token.location, "\(what) \"\(name)\" is not an interface name; use 1 to 15 characters without / or :")
        }
        return valid
    }

    static func familyName(_ family: AddressFamily) -> String {
        switch family {
        case .inet: return "IPv4"
        case .inet6: return "IPv6"
        }
    }
}
