import LVSCore

// `real_server` blocks (reference §8.4).
extension ConfigurationBuilder {
    mutating func parseRealServer(_ node: ConfigurationNode) -> RealServer? {
        let header = arguments(
            ConfigurationNode(keyword: node.keyword, arguments: node.arguments), 1, 2,
            usage: "an address and optional port, e.g. real_server 192.0.2.10 80 {")
        var server: RealServer?
        if let header, let ip = address(header[0], what: "real_server address") {
            if header.count == 2 {
                if let p = port(header[1], what: "real_server port") {
                    server = RealServer(location: node.location, address: ip, port: p)
                }
            } else {
                server = RealServer(location: node.location, address: ip)
            }
        }
        // keepalived accepts a real server without a block: weight 1, no checker.
        var parsed = server ?? RealServer(location: node.location, address: .ipv4Any)
        for statement in node.block ?? [] { parseRealServerStatement(statement, into: &parsed) }
        if let upper = parsed.upperThreshold, let lower = parsed.lowerThreshold, lower > upper {
            log.error(
                node.location, "lthreshold \(lower) is above uthreshold \(upper); make lthreshold the smaller one")
        } else if parsed.upperThreshold == nil, let lower = parsed.lowerThreshold, lower > 0 {
            log.error(node.location, "lthreshold \(lower) needs an uthreshold above it; add uthreshold")
        }
        return server == nil ? nil : parsed
    }

    private mutating func parseRealServerStatement(_ node: ConfigurationNode, into rs: inout RealServer) {
        if checkerParameter(node, into: &rs.checkerParameters) { return }
        if let kind = HealthChecker.Kind(rawValue: node.name) {
            if let checker = parseChecker(node, kind: kind) { rs.checkers.append(checker) }
            return
        }
        switch node.name {
        case "weight":
            if let t = value(node, example: "1"), let w = weight(t, what: "weight") { rs.weight = w }
        case "lb_kind", "lvs_method":
            if let spec = forwarding(node) { rs.forwarding = spec }
        case "uthreshold":
            if let t = value(node, example: "1000"), let n = uint32(t, 0...UInt32(Int32.max), what: "uthreshold") {
                rs.upperThreshold = n
            }
        case "lthreshold":
            if let t = value(node, example: "800"), let n = uint32(t, 0...UInt32(Int32.max), what: "lthreshold") {
                rs.lowerThreshold = n
            }
        case "inhibit_on_failure":
            if flag(node) { rs.inhibitOnFailure = true }
        case "notify_up":
            if let s = script(node) { rs.notifyUp = s }
        case "notify_down":
            if let s = script(node) { rs.notifyDown = s }
        case "virtualhost":
            if let t = value(node, example: "www.example.com") { rs.virtualhost = t.text }
        case "smtp_alert":
            if let on = yesNo(node) { rs.smtpAlert = on }
        case "proxy_protocol":
            if let version = proxyProtocol(node) { rs.proxyProtocol = version }
        case "transparent_source":
            if flag(node) { rs.transparentSource = true }
        case "snmp_name":
            log.warning(node.location, "real_server snmp_name is not yet supported; it is ignored")
        default:
            unknown(node, in: "real_server")
        }
    }
}
