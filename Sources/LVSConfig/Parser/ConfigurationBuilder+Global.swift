import LVSCore

// `global_defs` (reference §8.1): the items a director needs; the VRRP ones are in
// ConfigurationBuilder+VRRPGlobal.swift; SNMP and others are recognised and reported as not yet supported.
extension ConfigurationBuilder {
    /// global_defs keywords of capabilities not built yet (besides every `vrrp_*`).
    static let unsupportedGlobal: Set<String> = [
        "checker_priority", "checker_no_swap", "checker_rt_priority", "enable_snmp_checker", "enable_snmp_vrrp",
        "enable_snmp_keepalived", "enable_snmp_rfc", "enable_traps", "snmp_socket", "dynamic_interfaces",
        "max_auto_priority", "enable_dbus", "script_max_file_size", "process_names", "bfd_priority",
        "lvs_sync_daemon_inteface",
        "lvs_netlink_cmd_rcv_bufs", "lvs_netlink_monitor_rcv_bufs", "smtp_alert_checker", "smtp_alert_vrrp",
        "smtp_alert", "checker_log_all_failures", "umask", "reload_check_config", "nftables", "nftables_priority",
    ]

    mutating func parseGlobalDefinitions(_ block: [ConfigurationNode]) {
        var g = configuration.globalDefinitions
        for node in block {
            if parseGlobalVRRP(node, into: &g) { continue }
            if parseGlobalDefence(node, into: &g) { continue }
            switch node.name {
            case "router_id":
                if let t = value(node, example: "LVS_DIRECTOR_1") { g.routerID = t.text }
            case "lvs_sync_daemon":
                if let settings = syncDaemon(node) {
                    g.lvsSyncDaemon = settings
                    vrrpNotes.syncDaemonInstanceToken = syncDaemonInstanceToken(node)
                }
            case "lvs_timeouts":
                if let timeouts = lvsTimeouts(node) { g.lvsTimeouts = timeouts }
            case "lvs_sync_key_file":
                if let t = value(node, example: "/etc/lvsd/sync.key") { g.lvsSyncKeyFile = t.text }
            case "lvs_ftp_ports":
                if let ports = ftpPorts(node) { g.lvsFTPPorts = ports }
            case "lvs_flush":
                if flag(node) { g.lvsFlush = true }
            case "lvs_flush_on_stop":
                guard let args = arguments(node, 0, 1, usage: "nothing or VS") else { continue }
                if let word = args.first {
                    guard word.text == "VS" else {
                        log.error(word.location, "lvs_flush_on_stop takes nothing or VS, not \"\(word.text)\"")
                        continue
                    }
                    g.lvsFlushOnStop = .virtualServers
                } else {
                    g.lvsFlushOnStop = .all
                }
            case "notification_email":
                guard let addresses = requireBlock(node) else { continue }
                for entry in addresses {
                    g.notificationEmail.append(([entry.keyword] + entry.arguments).map(\.text).joined(separator: " "))
                }
            case "notification_email_from":
                if let t = value(node, example: "lvs@example.com") { g.notificationEmailFrom = t.text }
            case "smtp_server":
                guard
                    let args = arguments(node, 1, 2, usage: "a host and optional port, e.g. smtp_server 192.0.2.25 25")
                else { continue }
                var server = SMTPServer(host: args[0].text)
                if args.count == 2 {
                    guard let p = port(args[1], what: "smtp_server port") else { continue }
                    server.port = p
                }
                g.smtpServer = server
            case "smtp_helo_name":
                if let t = value(node, example: "director.example.com") { g.smtpHeloName = t.text }
            case "smtp_connect_timeout":
                if let t = value(node, example: "30"), let d = timer(t, what: "smtp_connect_timeout") {
                    g.smtpConnectTimeout = d
                }
            case "lvs_notify_fifo":
                if let t = value(node, example: "/run/keepalived-lvs.fifo") { g.lvsNotifyFifo = t.text }
            case "lvs_notify_fifo_script":
                if let s = script(node) { g.lvsNotifyFifoScript = s }
            case "script_user":
                guard
                    let args = arguments(
                        node, 1, 2, usage: "a user and optional group, e.g. script_user keepalived_script")
                else { continue }
                g.scriptUser = ScriptCommand(
                    command: "", user: args[0].text, group: args.count > 1 ? args[1].text : nil)
            case "enable_script_security":
                if flag(node) { g.enableScriptSecurity = true }
            default:
                if Self.unsupportedGlobal.contains(node.name) {
                    log.warning(node.location, "global_defs \(node.name) is not yet supported; it is ignored")
                } else {
                    unknown(node, in: "global_defs")
                }
            }
        }
        configuration.globalDefinitions = g
    }

    /// The word naming the VRRP instance in `lvs_sync_daemon IF [inst] NAME …`.
    private func syncDaemonInstanceToken(_ node: ConfigurationNode) -> ConfigurationToken? {
        let args = node.arguments
        if let inst = args.firstIndex(where: { $0.text == "inst" }), inst + 1 < args.count { return args[inst + 1] }
        let options: Set<String> = ["id", "maxlen", "port", "ttl", "group"]
        if args.count > 1, !options.contains(args[1].text) { return args[1] }
        return nil
    }

    /// `lvs_timeouts [tcp S] [tcpfin S] [udp S]`; an omitted one stays 0 ("unchanged", as `--set`).
    private mutating func lvsTimeouts(_ node: ConfigurationNode) -> TimeoutSettings? {
        guard let args = arguments(node, 2, 6, usage: "timeouts, e.g. lvs_timeouts tcp 900 tcpfin 120 udp 300")
        else { return nil }
        var timeouts = TimeoutSettings(tcpEstablished: 0, tcpFinWait: 0, udp: 0)
        var index = 0
        var ok = true
        while index < args.count {
            let name = args[index]
            guard index + 1 < args.count else {
                log.error(name.location, "lvs_timeouts \(name.text) needs a number of seconds")
                return nil
            }
            let seconds = uint32(args[index + 1], 1...TimeoutSettings.maximum, what: "lvs_timeouts \(name.text)")
            switch name.text {
            case "tcp": timeouts.tcpEstablished = seconds ?? 0
            case "tcpfin": timeouts.tcpFinWait = seconds ?? 0
            case "udp": timeouts.udp = seconds ?? 0
            default:
                log.error(name.location, "unknown lvs_timeouts item \"\(name.text)\"; use tcp, tcpfin or udp")
                ok = false
            }
            if seconds == nil { ok = false }
            index += 2
        }
        return ok ? timeouts : nil
    }

    /// `lvs_sync_daemon <IFNAME> [[inst] <VRRP_INSTANCE>] [id N] [maxlen N] [port N] [ttl N] [group ADDR]`.
    private mutating func syncDaemon(_ node: ConfigurationNode) -> LVSSyncDaemonSettings? {
        guard let args = arguments(node, 1, 14, usage: "an interface, e.g. lvs_sync_daemon eth1 VI_1 id 7") else {
            return nil
        }
        var settings = LVSSyncDaemonSettings(interface: args[0].text)
        var index = 1
        while index < args.count {
            let word = args[index]
            let next = index + 1 < args.count ? args[index + 1] : nil
            switch word.text {
            case "inst", "id", "maxlen", "port", "ttl", "group":
                guard let next else {
                    log.error(word.location, "lvs_sync_daemon \(word.text) needs a value")
                    return nil
                }
                switch word.text {
                case "inst": settings.vrrpInstance = next.text
                case "id": settings.syncID = number(next, 0...255, what: "lvs_sync_daemon id").map { UInt8($0) }
                case "maxlen":
                    settings.maxLength = number(next, 1...65507, what: "lvs_sync_daemon maxlen").map { UInt16($0) }
                case "port": settings.port = number(next, 1...65535, what: "lvs_sync_daemon port").map { UInt16($0) }
                case "ttl": settings.ttl = number(next, 1...255, what: "lvs_sync_daemon ttl").map { UInt8($0) }
                default: settings.group = address(next, what: "lvs_sync_daemon group")
                }
                index += 2
            default:
                // A bare word after the interface names the VRRP instance (the `inst` is optional).
                if index == 1 {
                    settings.vrrpInstance = word.text
                    index += 1
                } else {
                    log.error(
                        word.location,
                        "unknown lvs_sync_daemon option \"\(word.text)\"; use inst, id, maxlen, port, ttl or group")
                    return nil
                }
            }
        }
        return settings
    }
}

extension ConfigurationBuilder {
    /// `lvs_ftp_ports 21 2121` (up to 8 ports, as ip_vs_ftp's `ports`) or `lvs_ftp_ports none`.
    mutating func ftpPorts(_ node: ConfigurationNode) -> Set<UInt16>? {
        guard let args = arguments(node, 1, 8, usage: "up to 8 TCP ports or none, e.g. lvs_ftp_ports 21 2121")
        else { return nil }
        if args.count == 1 && args[0].text == "none" { return [] }
        var ports = Set<UInt16>()
        for token in args {
            guard let value = port(token, what: "lvs_ftp_ports port") else { return nil }
            guard value > 1 else {
                log.error(token.location, "lvs_ftp_ports: port \(value) has no data port below it (vport − 1)")
                return nil
            }
            ports.insert(value)
        }
        return ports
    }
}
