import LVSCore

// The VRRP items of `global_defs` (keepalived 2.2 global_parser.c): defaults of every instance.
extension ConfigurationBuilder {
    /// global_defs VRRP keywords lvsd recognises but will not implement.
    static let unsupportedGlobalVRRP: Set<String> = [
        "vrrp_iptables", "vrrp_ipsets", "vrrp_cpu_affinity", "vrrp_rlimit_rttime", "vrrp_rlimit_rtime",
        "vrrp_netlink_cmd_rcv_bufs", "vrrp_netlink_cmd_rcv_bufs_force", "vrrp_netlink_monitor_rcv_bufs",
        "vrrp_netlink_monitor_rcv_bufs_force", "vrrp_rx_bufs_policy", "vrrp_rx_bufs_multiplier", "vrrp_process_name",
        "vrrp_delay_after_boot", "vrrp_notify_priority_changes", "vrrp_owner_ignore_adverts", "vrrp_vmac_garp_intvl",
    ]

    /// Parses one VRRP item of global_defs; false when `node` is not one.
    mutating func parseGlobalVRRP(_ node: ConfigurationNode, into g: inout GlobalDefinitions) -> Bool {
        if garpKeyword(node, prefix: "vrrp_", into: &g.vrrp.gratuitousARP) { return true }
        switch node.name {
        case "default_interface":
            if let t = value(node, example: "eth0"), interfaceName(t, what: "default_interface") {
                g.defaultInterface = t.text
            }
        case "notify_fifo":
            if let t = value(node, example: "/run/keepalived.fifo") { g.notifyFifo = t.text }
        case "notify_fifo_script":
            if let s = script(node) { g.notifyFifoScript = s }
        case "vrrp_notify_fifo":
            if let t = value(node, example: "/run/keepalived-vrrp.fifo") { g.vrrp.notifyFifo = t.text }
        case "vrrp_notify_fifo_script":
            if let s = script(node) { g.vrrp.notifyFifoScript = s }
        case "vrrp_version":
            guard let t = value(node, example: "3") else { return true }
            switch t.text {
            case "2": g.vrrp.version = .v2
            case "3": g.vrrp.version = .v3
            default: log.error(t.location, "vrrp_version \"\(t.text)\" is not a VRRP version; use 2 or 3")
            }
        case "vrrp_mcast_group4", "vrrp_mcast_group6":
            let v4 = node.name == "vrrp_mcast_group4"
            guard let t = value(node, example: v4 ? "224.0.0.18" : "ff02::12"),
                let ip = address(t, what: node.name)
            else { return true }
            let ok =
                v4 ? ip.family == .inet && (ip.ipv4Value >> 28) == 0xE : ip.family == .inet6 && (ip.high >> 56) == 0xFF
            guard ok else {
                log.error(t.location, "\(node.name) \(t.text) is not an \(v4 ? "IPv4" : "IPv6") multicast address")
                return true
            }
            if v4 { g.vrrp.multicastGroup4 = ip } else { g.vrrp.multicastGroup6 = ip }
        case "vrrp_garp_interval", "vrrp_gna_interval":
            guard let t = value(node, example: "0.001"),
                let d = boundedTimer(t, .microseconds(1)...(.seconds(4294)), what: node.name)
            else { return true }
            if node.name == "vrrp_garp_interval" { g.vrrp.garpInterval = d } else { g.vrrp.gnaInterval = d }
        case "vrrp_min_garp":
            if let on = yesNo(node) { g.vrrp.minimalGARP = on }
        case "vrrp_garp_extra_if":
            garpExtraInterface(node, into: &g.vrrp)
        case "vrrp_lower_prio_no_advert":
            if let on = yesNo(node) { g.vrrp.lowerPriorityNoAdvert = on }
        case "vrrp_higher_prio_send_advert":
            if let on = yesNo(node) { g.vrrp.higherPrioritySendAdvert = on }
        case "vrrp_skip_check_adv_addr":
            if let on = yesNo(node) { g.vrrp.skipCheckAdvertisementAddresses = on }
        case "vrrp_check_unicast_src":
            if flag(node) { g.vrrp.checkUnicastSource = true }
        case "vrrp_strict":
            if let on = yesNo(node) { g.vrrp.strict = on }
        case "vrrp_down_timer_adverts":
            if let t = value(node, example: "3"), let n = number(t, 1...100, what: node.name) {
                g.vrrp.downTimerAdverts = UInt8(n)
            }
        case "vrrp_priority":
            guard let t = value(node, example: "-10") else { return true }
            guard let n = Int8(t.text), (-20...19).contains(n) else {
                log.error(t.location, "vrrp_priority \"\(t.text)\" is not a nice value; use -20 to 19")
                return true
            }
            g.vrrp.processPriority = n
        case "vrrp_no_swap":
            if flag(node) { g.vrrp.noSwap = true }
        case "vrrp_rt_priority":
            if let t = value(node, example: "50"), let n = number(t, 1...99, what: node.name) {
                g.vrrp.realtimePriority = UInt8(n)
            }
        case "vrrp_startup_delay":
            if let t = value(node, example: "5"),
                let d = boundedTimer(t, .milliseconds(1)...(.seconds(4294)), what: node.name)
            {
                g.vrrp.startupDelay = d
            }
        default:
            guard Self.unsupportedGlobalVRRP.contains(node.name) else { return false }
            log.warning(node.location, "global_defs \(node.name) is not supported by lvsd; ignored")
        }
        return true
    }

    /// `vrrp_garp_extra_if SECONDS [all]` (1…86400 s).
    private mutating func garpExtraInterface(_ node: ConfigurationNode, into vrrp: inout VRRPGlobalDefinitions) {
        guard let args = arguments(node, 1, 2, usage: "seconds and optional all, e.g. vrrp_garp_extra_if 60 all")
        else { return }
        var seconds: UInt64?
        var all = false
        for word in args {
            if word.text == "all" {
                all = true
            } else {
                guard let n = number(word, 1...86400, what: node.name) else { return }
                seconds = n
            }
        }
        guard let seconds else {
            log.error(node.location, "\(node.name) needs a number of seconds")
            return
        }
        vrrp.garpExtraInterface = VRRPExtraInterfaceGARP(interval: .seconds(seconds), allInterfaces: all)
    }
}
