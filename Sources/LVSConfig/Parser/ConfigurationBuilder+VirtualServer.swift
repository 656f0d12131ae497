import LVSCore

// `virtual_server` and `virtual_server_group` blocks (reference §8.2, §8.3).
extension ConfigurationBuilder {
    mutating func parseVirtualServer(_ node: ConfigurationNode) {
        let address = virtualServerAddress(node)
        guard let block = requireBlock(node) else { return }
        // A bad header still gets its block read, so its other mistakes are reported too.
        var server = VirtualServer(location: node.location, address: address ?? .firewallMark(0))
        var flagTokens: [ConfigurationToken] = []
        for statement in block {
            if Self.schedulerFlagKeywords[statement.name] != nil { flagTokens.append(statement.keyword) }
            parseVirtualServerStatement(statement, into: &server)
        }
        checkSchedulerFlags(flagTokens, in: &server)
        if address != nil { configuration.virtualServers.append(server) }
    }

    private mutating func virtualServerAddress(_ node: ConfigurationNode) -> VirtualServerAddress? {
        let usage = "an address and port, fwmark N or group NAME, e.g. virtual_server 192.0.2.1 80 {"
        guard let first = node.arguments.first else {
            log.error(node.location, "virtual_server needs \(usage)")
            return nil
        }
        if node.arguments.count > 2 {
            log.warning(
                node.arguments[2].location,
                "virtual_server: extra words from \"\(node.arguments[2].text)\" on are ignored")
        }
        let second = node.arguments.count > 1 ? node.arguments[1] : nil
        switch first.text {
        case "fwmark":
            guard let second else {
                log.error(first.location, "virtual_server fwmark needs a mark, e.g. virtual_server fwmark 1 {")
                return nil
            }
            return uint32(second, 1...UInt32.max, what: "firewall mark").map { .firewallMark($0) }
        case "group":
            guard let second else {
                log.error(first.location, "virtual_server group needs a group name, e.g. virtual_server group WEB {")
                return nil
            }
            return .group(second.text)
        default:
            guard let ip = address(first, what: "virtual_server address") else { return nil }
            guard let second else { return .endpoint(ip, port: 0) }
            return port(second).map { .endpoint(ip, port: $0) }
        }
    }

    /// `sh-*` flags only mean something to sh, `mh-*` only to mh: keepalived ignores them with a
    /// warning elsewhere (reference §8.3).
    private mutating func checkSchedulerFlags(_ tokens: [ConfigurationToken], in vs: inout VirtualServer) {
        let scheduler = vs.scheduler ?? VirtualServiceConfig.defaultScheduler
        for token in tokens {
            let prefix = token.text.prefix(3)
            guard prefix == "sh-" || prefix == "mh-", prefix.dropLast() != scheduler else { continue }
            log.warning(
                token.location,
                "\(token.text) only applies to the \(prefix.dropLast()) scheduler, not \(scheduler); it is ignored")
            vs.schedulerFlags.remove(Self.schedulerFlagKeywords[token.text] ?? [])
        }
    }

    private static let schedulerFlagKeywords: [String: SchedulerFlags] = [
        "flag-1": .flag1, "flag-2": .flag2, "flag-3": .flag3, "sh-fallback": .flag1, "sh-port": .flag2,
        "mh-fallback": .flag1, "mh-port": .flag2,
    ]

    private mutating func parseVirtualServerStatement(_ node: ConfigurationNode, into vs: inout VirtualServer) {
        if checkerParameter(node, into: &vs.checkerParameters) { return }
        if let bits = Self.schedulerFlagKeywords[node.name] {
            if flag(node) { vs.schedulerFlags.insert(bits) }
            return
        }
        switch node.name {
        case "real_server":
            if let server = parseRealServer(node) { vs.realServers.append(server) }
        case "lb_algo", "lvs_sched":
            guard let t = value(node, example: "wlc") else { return }
            if SchedulerRegistry.names.contains(t.text) && t.text != "none" {
                vs.scheduler = t.text
            } else {
                let names = SchedulerRegistry.names.filter { $0 != "none" }.joined(separator: ", ")
                log.error(t.location, "unknown \(node.name) \"\(t.text)\"; use one of \(names)")
            }
        case "lb_kind", "lvs_method":
            if let spec = forwarding(node) { vs.forwarding = spec }
        case "persistence_timeout":
            guard let args = arguments(node, 0, 1, usage: "seconds") else { return }
            if let t = args.first {
                if let seconds = uint32(
                    t, 1...VirtualServiceConfig.maximumPersistenceTimeout, what: "persistence_timeout")
                {
                    vs.persistenceTimeout = seconds
                }
            } else {
                vs.persistenceTimeout = VirtualServiceConfig.defaultPersistenceTimeout
            }
        case "persistence_granularity":
            guard let t = value(node, example: "255.255.255.0") else { return }
            if let mask = Self.persistenceMask(t.text) {
                vs.persistenceGranularity = mask
            } else {
                log.error(
                    t.location,
                    "persistence_granularity \"\(t.text)\" is neither an IPv4 netmask nor an IPv6 prefix length; write e.g. 255.255.255.0 or 64"
                )
            }
        case "persistence_engine":
            guard let t = value(node, example: "sip") else { return }
            guard t.text == "sip" else {
                log.error(t.location, "unknown persistence_engine \"\(t.text)\"; the only engine is sip")
                return
            }
            vs.persistenceEngine = t.text
        case "protocol":
            guard let t = value(node, example: "TCP") else { return }
            switch t.text.uppercased() {
            case "TCP": vs.protocolNumber = .tcp
            case "UDP": vs.protocolNumber = .udp
            case "SCTP": vs.protocolNumber = .sctp
            default: log.error(t.location, "unknown protocol \"\(t.text)\"; use TCP, UDP or SCTP")
            }
        case "ops":
            if flag(node) { vs.onePacketScheduling = true }
        case "hashed":
            if flag(node) { vs.hashed = true }
        case "ip_family":
            guard let t = value(node, example: "inet6") else { return }
            switch t.text {
            case "inet": vs.ipFamily = .inet
            case "inet6": vs.ipFamily = .inet6
            default: log.error(t.location, "unknown ip_family \"\(t.text)\"; use inet or inet6")
            }
        case "content_switch":
            if requireBlock(node) != nil { vs.contentSwitch = node }
        case "virtualhost":
            if let t = value(node, example: "www.example.com") { vs.virtualhost = t.text }
        case "omega":
            if flag(node) { vs.omega = true }
        case "quorum":
            if let t = value(node, example: "2"), let q = uint32(t, 1...UInt32(Int32.max), what: "quorum") {
                vs.quorum = q
            }
        case "hysteresis":
            if let t = value(node, example: "1"), let h = uint32(t, 0...UInt32(Int32.max), what: "hysteresis") {
                vs.hysteresis = h
            }
        case "quorum_up":
            if let s = script(node) { vs.quorumUp = s }
        case "quorum_down":
            if let s = script(node) { vs.quorumDown = s }
        case "sorry_server":
            guard
                let args = arguments(node, 1, 2, usage: "an address and optional port, e.g. sorry_server 192.0.2.99 80")
            else { return }
            guard let ip = address(args[0], what: "sorry_server address") else { return }
            var sorry = SorryServer(address: ip, forwarding: vs.sorryServer?.forwarding)
            if args.count == 2 {
                guard let p = port(args[1], what: "sorry_server port") else { return }
                sorry.port = p
            }
            vs.sorryServer = sorry
        case "sorry_server_inhibit":
            if flag(node) { vs.sorryServerInhibit = true }
        case "sorry_server_lvs_method":
            guard let spec = forwarding(node) else { return }
            guard vs.sorryServer != nil else {
                log.error(node.location, "sorry_server_lvs_method must follow the sorry_server line it applies to")
                return
            }
            vs.sorryServer?.forwarding = spec
        case "ha_suspend":
            if flag(node) { vs.haSuspend = true }
        case "inhibit_on_failure":
            if flag(node) { vs.inhibitOnFailure = true }
        case "weight":
            if let t = value(node, example: "1"), let w = weight(t, what: "weight") { vs.weight = w }
        case "proxy_protocol":
            if let version = proxyProtocol(node) { vs.proxyProtocol = version }
        case "transparent_source":
            if flag(node) { vs.transparentSource = true }
        case "smtp_alert":
            if let on = yesNo(node) { vs.smtpAlert = on }
        case "snmp_name", "retry_on_failure":
            log.warning(node.location, "virtual_server \(node.name) is not yet supported; it is ignored")
        default:
            unknown(node, in: "virtual_server")
        }
    }

    /// An IPv4 netmask (`255.255.255.0`) or an IPv6 prefix length (`64`).
    static func persistenceMask(_ text: String) -> PersistenceNetmask? {
        if text.contains(".") {
            return IPAddress.parseDottedQuad(Substring(text)).map { .ipv4(mask: $0.ipv4Value) }
        }
        guard text.allSatisfy({ $0.isASCII && $0.isNumber }), let length = UInt8(text), (1...128).contains(length)
        else { return nil }
        return .ipv6(prefixLength: length)
    }

    // MARK: virtual_server_group

    mutating func parseVirtualServerGroup(_ node: ConfigurationNode) {
        guard let nameToken = node.arguments.first else {
            log.error(node.location, "virtual_server_group needs a name, e.g. virtual_server_group WEB {")
            _ = requireBlock(node)
            return
        }
        guard let block = requireBlock(node) else { return }
        if let previous = configuration.group(named: nameToken.text) {
            log.error(
                nameToken.location,
                "virtual_server_group \"\(nameToken.text)\" is defined twice (first at \(previous.location)); rename or merge one"
            )
            return
        }
        var group = VirtualServerGroup(name: nameToken.text, location: node.location)
        for entry in block {
            if let parsed = groupEntry(entry) { group.entries.append(parsed) }
        }
        configuration.virtualServerGroups.append(group)
    }

    /// `<IP> [<PORT>]`, `<IP-RANGE> [<PORT>]` (`a.b.c.d-e`, `a.b.c.d/nn`), `fwmark <INT> [inet|inet6]`.
    private mutating func groupEntry(_ node: ConfigurationNode) -> VirtualServerGroup.Entry? {
        if node.name == "fwmark" {
            guard let args = arguments(node, 1, 2, usage: "a mark, e.g. fwmark 1") else { return nil }
            guard let mark = uint32(args[0], 1...UInt32.max, what: "firewall mark") else { return nil }
            var family: AddressFamily?
            if args.count == 2 {
                switch args[1].text {
                case "inet": family = .inet
                case "inet6": family = .inet6
                default:
                    log.error(args[1].location, "unknown family \"\(args[1].text)\"; use inet or inet6")
                    return nil
                }
            }
            return .firewallMark(mark, family: family)
        }
        guard let args = arguments(node, 0, 1, usage: "a port") else { return nil }
        guard let (first, last) = addressRange(node.keyword) else { return nil }
        var entryPort: UInt16 = 0
        if let portToken = args.first {
            guard let p = port(portToken) else { return nil }
            entryPort = p
        }
        return .addressRange(first: first, last: last, port: entryPort)
    }

    /// The first and last address of `a.b.c.d`, `a.b.c.d-e`, `a.b.c.d-e.f.g.h`, `a.b.c.d/nn`, or an
    /// IPv6 address whose last group is a range (`2001:db8::1-ff`).
    private mutating func addressRange(_ token: ConfigurationToken) -> (IPAddress, IPAddress)? {
        let text = token.text
        let howTo = "write an address, a range such as 192.0.2.1-10 or a prefix such as 192.0.2.0/28"
        if let slash = text.firstIndex(of: "/") {
            guard let base = IPAddress(String(text[..<slash])), base.family == .inet,
                let length = Int(text[text.index(after: slash)...]), (1...32).contains(length)
            else {
                log.error(token.location, "\"\(text)\" is not an address range; \(howTo)")
                return nil
            }
            guard length >= 16 else {
                log.error(token.location, "address range \"\(text)\" holds more than 65536 addresses; split it")
                return nil
            }
            let first = base.masked(prefixLength: length)
            let size: UInt32 = length == 32 ? 0 : (UInt32.max >> UInt32(length))
            return (first, IPAddress(ipv4: first.ipv4Value | size))
        }
        guard let dash = text.firstIndex(of: "-") else {
            guard let ip = address(token, what: "virtual_server_group address") else { return nil }
            return (ip, ip)
        }
        let startText = String(text[..<dash])
        let endText = String(text[text.index(after: dash)...])
        guard let start = IPAddress(startText) else {
            log.error(token.location, "\"\(text)\" is not an address range; \(howTo)")
            return nil
        }
        var end: IPAddress?
        switch start.family {
        case .inet:
            if let full = IPAddress.parseDottedQuad(Substring(endText)) {
                end = full
            } else if let last = UInt32(endText), last <= 255, endText.allSatisfy({ $0.isASCII && $0.isNumber }) {
                end = IPAddress(ipv4: start.ipv4Value & 0xFFFF_FF00 | last)
            }
        case .inet6:
            if let last = UInt64(endText, radix: 16), last <= 0xFFFF, endText.count <= 4 {
                end = IPAddress(ipv6High: start.high, low: start.low & ~0xFFFF | last)
            }
        }
        guard let end else {
            log.error(token.location, "\"\(text)\" is not an address range; \(howTo)")
            return nil
        }
        guard start <= end else {
            log.error(token.location, "address range \"\(text)\" ends before it starts; write the lower address first")
            return nil
        }
        // Bound the expansion: every address becomes a virtual service.
        let count = start.family == .inet ? UInt64(end.ipv4Value - start.ipv4Value) : (end.low &- start.low)
        guard count < 65536 else {
            log.error(token.location, "address range \"\(text)\" holds more than 65536 addresses; split it")
            return nil
        }
        return (start, end)
    }
}
