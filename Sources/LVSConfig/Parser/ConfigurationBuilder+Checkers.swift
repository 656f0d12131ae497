import LVSCore

// Health checker blocks (reference §8.5). They are only read here; LVSHealth runs them.
extension ConfigurationBuilder {
    mutating func parseChecker(_ node: ConfigurationNode, kind: HealthChecker.Kind) -> HealthChecker? {
        if !node.arguments.isEmpty {
            log.warning(node.arguments[0].location, "\(kind.rawValue): words after the checker name are ignored")
        }
        var checker = HealthChecker(kind: kind, location: node.location)
        var http = HTTPCheck()
        var udp = UDPCheck()
        var dns = DNSCheck()
        var smtp = SMTPCheck()
        var misc = MiscCheck()
        var file = FileCheck()
        var bfdName: String?
        for statement in node.block ?? [] {
            if commonCheckerStatement(statement, kind: kind, into: &checker) { continue }
            switch kind {
            case .http, .ssl: httpStatement(statement, kind: kind, into: &http)
            case .udp: udpStatement(statement, into: &udp)
            case .dns: dnsStatement(statement, into: &dns)
            case .smtp:
                if statement.name == "helo_name", let t = value(statement, example: "director.example.com") {
                    smtp.heloName = t.text
                } else if statement.name != "helo_name" {
                    unknown(statement, in: kind.rawValue)
                }
            case .misc: miscStatement(statement, into: &misc)
            case .file: fileStatement(statement, into: &file)
            case .bfd:
                if statement.name == "name", let t = value(statement, example: "bfd_rs1") {
                    bfdName = t.text
                } else if statement.name != "name" {
                    unknown(statement, in: kind.rawValue)
                }
            case .tcp, .ping:
                unknown(statement, in: kind.rawValue)
            }
        }
        switch kind {
        case .tcp, .ping: checker.detail = .none
        case .http, .ssl:
            if http.urls.isEmpty {
                log.error(node.location, "\(kind.rawValue) needs at least one url { path / } block")
                return nil
            }
            checker.detail = .http(http)
        case .udp: checker.detail = .udp(udp)
        case .dns: checker.detail = .dns(dns)
        case .smtp: checker.detail = .smtp(smtp)
        case .misc:
            guard let path = misc.path, !path.command.isEmpty else {
                log.error(node.location, "MISC_CHECK needs misc_path, e.g. misc_path \"/usr/local/bin/check.sh\"")
                return nil
            }
            checker.detail = .misc(misc)
        case .file:
            guard file.trackFile != nil else {
                log.error(node.location, "FILE_CHECK needs track_file NAME")
                return nil
            }
            checker.detail = .file(file)
        case .bfd: checker.detail = .bfd(name: bfdName)
        }
        return checker
    }

    /// Keywords of every checker but MISC_CHECK, FILE_CHECK and BFD_CHECK, which take only the
    /// timing ones (reference §8.5).
    private mutating func commonCheckerStatement(
        _ node: ConfigurationNode, kind: HealthChecker.Kind, into checker: inout HealthChecker
    ) -> Bool {
        if checkerParameter(node, into: &checker.parameters) { return true }
        if node.name == "log_all_failures" {
            if flag(node) { checker.logAllFailures = true }
            return true
        }
        switch kind {
        case .misc, .file, .bfd: return false
        case .tcp, .http, .ssl, .udp, .dns, .smtp, .ping: break
        }
        switch node.name {
        case "connect_ip":
            if let t = value(node, example: "192.0.2.10"), let ip = address(t, what: "connect_ip") {
                checker.connectIP = ip
            }
        case "connect_port":
            if let t = value(node, example: "80"), let p = port(t, what: "connect_port") { checker.connectPort = p }
        case "bindto":
            if let t = value(node, example: "192.0.2.2"), let ip = address(t, what: "bindto") { checker.bindTo = ip }
        case "bind_port":
            if let t = value(node, example: "40000"), let p = port(t, what: "bind_port") { checker.bindPort = p }
        case "bind_if":
            if let t = value(node, example: "eth0") { checker.bindInterface = t.text }
        case "fwmark":
            if let t = value(node, example: "7"), let m = uint32(t, 0...UInt32.max, what: "fwmark") {
                checker.firewallMark = m
            }
        default:
            return false
        }
        return true
    }

    private mutating func httpStatement(_ node: ConfigurationNode, kind: HealthChecker.Kind, into http: inout HTTPCheck)
    {
        switch node.name {
        case "url":
            guard let block = requireBlock(node) else { return }
            var url = URLCheck(location: node.location)
            for statement in block { urlStatement(statement, into: &url) }
            if url.path == nil {
                log.error(node.location, "url needs a path, e.g. url { path /health }")
                return
            }
            http.urls.append(url)
        case "virtualhost":
            if let t = value(node, example: "www.example.com") { http.virtualhost = t.text }
        case "http_protocol":
            guard let t = value(node, example: "1.1") else { return }
            guard ["1.0", "1.0C", "1.1"].contains(t.text) else {
                log.error(t.location, "unknown http_protocol \"\(t.text)\"; use 1.0, 1.0C or 1.1")
                return
            }
            http.httpProtocol = t.text
        case "enable_sni":
            if flag(node) { http.enableSNI = true }
        case "fast_recovery":
            if flag(node) { http.fastRecovery = true }
        default:
            unknown(node, in: kind.rawValue)
        }
    }

    private mutating func urlStatement(_ node: ConfigurationNode, into url: inout URLCheck) {
        switch node.name {
        case "path":
            if let t = value(node, example: "/health") { url.path = t.text }
        case "digest":
            guard let t = value(node, example: "9b3a0c85a887a256d6939da88aabd8cd") else { return }
            let digest = t.text.lowercased()
            guard digest.count == 32, digest.allSatisfy({ $0.isHexDigit }) else {
                log.error(
                    t.location,
                    "digest \"\(t.text)\" is not an MD5 digest; write 32 hexadecimal digits (genhash prints it)")
                return
            }
            url.digest = digest
        case "status_code":
            guard let args = arguments(node, 1, 64, usage: "codes or ranges, e.g. status_code 200 300-399") else {
                return
            }
            for token in args {
                if let range = statusRange(token) { url.statusCodes.append(range) }
            }
        case "virtualhost":
            if let t = value(node, example: "www.example.com") { url.virtualhost = t.text }
        case "regex":
            if let t = value(node, example: "\"OK\"") { url.regex = t.text }
        case "regex_no_match":
            if flag(node) { url.regexNoMatch = true }
        default:
            unknown(node, in: "url")
        }
    }

    /// `200` or `200-299`, within 100…599.
    private mutating func statusRange(_ token: ConfigurationToken) -> ClosedRange<UInt16>? {
        let parts = token.text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        let values = parts.map { part -> UInt16? in
            guard part.count == 3, part.allSatisfy({ $0.isASCII && $0.isNumber }), let v = UInt16(part),
                (100...599).contains(v)
            else { return nil }
            return v
        }
        guard let low = values.first ?? nil, let high = values.last ?? nil, low <= high else {
            log.error(
                token.location,
                "status_code \"\(token.text)\" is not a status code or range; use codes from 100 to 599, e.g. 200 or 200-299"
            )
            return nil
        }
        return low...high
    }

    private mutating func udpStatement(_ node: ConfigurationNode, into udp: inout UDPCheck) {
        switch node.name {
        case "payload":
            guard let t = value(node, example: "0102abcd") else { return }
            guard let bytes = Self.hexBytes(t.text) else {
                log.error(
                    t.location, "payload \"\(t.text)\" is not hexadecimal bytes; write an even number of hex digits")
                return
            }
            udp.payload = bytes
        case "require_reply":
            guard let args = arguments(node, 0, 1, usage: "an optional hex pattern") else { return }
            udp.requireReply = true
            if let pattern = args.first {
                guard pattern.text.allSatisfy({ $0.isHexDigit || $0 == "X" || $0 == "x" }) else {
                    log.error(
                        pattern.location,
                        "require_reply \"\(pattern.text)\" is not a hex pattern; use hex digits and X for any nibble")
                    return
                }
                udp.replyPattern = pattern.text
            }
        case "min_reply_length":
            if let t = value(node, example: "4"), let n = uint32(t, 0...65535, what: "min_reply_length") {
                udp.minReplyLength = n
            }
        case "max_reply_length":
            if let t = value(node, example: "255"), let n = uint32(t, 0...65535, what: "max_reply_length") {
                udp.maxReplyLength = n
            }
        default:
            unknown(node, in: "UDP_CHECK")
        }
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text)
        guard !digits.isEmpty, digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = 0
        while index + 1 < digits.count {
            guard let high = digits[index].hexDigitValue, let low = digits[index + 1].hexDigitValue else { return nil }
            bytes.append(UInt8(high << 4 | low))
            index += 2
        }
        return bytes
    }

    private mutating func dnsStatement(_ node: ConfigurationNode, into dns: inout DNSCheck) {
        switch node.name {
        case "type":
            guard let t = value(node, example: "A") else { return }
            let type = t.text.uppercased()
            guard DNSCheck.types.contains(type) else {
                log.error(
                    t.location, "unknown DNS type \"\(t.text)\"; use one of \(DNSCheck.types.joined(separator: ", "))")
                return
            }
            dns.type = type
        case "name":
            if let t = value(node, example: "www.example.com") { dns.name = t.text }
        default:
            unknown(node, in: "DNS_CHECK")
        }
    }

    private mutating func miscStatement(_ node: ConfigurationNode, into misc: inout MiscCheck) {
        switch node.name {
        case "misc_path":
            if let t = value(node, example: "\"/usr/local/bin/check.sh 192.0.2.10\"") {
                misc.path = ScriptCommand(command: t.text, user: misc.path?.user, group: misc.path?.group)
            }
        case "misc_timeout":
            if let t = value(node, example: "5"), let d = timer(t, what: "misc_timeout") { misc.timeout = d }
        case "misc_dynamic":
            if flag(node) { misc.dynamic = true }
        case "user":
            guard let args = arguments(node, 1, 2, usage: "a user and optional group, e.g. user nobody") else { return }
            var path = misc.path ?? ScriptCommand(command: "")
            path.user = args[0].text
            path.group = args.count > 1 ? args[1].text : nil
            misc.path = path.command.isEmpty ? ScriptCommand(command: "", user: path.user, group: path.group) : path
        default:
            unknown(node, in: "MISC_CHECK")
        }
    }

    private mutating func fileStatement(_ node: ConfigurationNode, into file: inout FileCheck) {
        switch node.name {
        case "track_file":
            if let t = value(node, example: "rs1_state") { file.trackFile = t.text }
        case "weight":
            guard let args = arguments(node, 1, 2, usage: "a weight, e.g. weight -10 reverse") else { return }
            guard let w = Int32(args[0].text), (-254...254).contains(w) else {
                log.error(args[0].location, "weight \"\(args[0].text)\" is out of range; use -254 to 254")
                return
            }
            file.weight = w
            file.reverse = args.count > 1 && args[1].text == "reverse"
        case "dynamic":
            if flag(node) { file.dynamic = true }
        default:
            unknown(node, in: "FILE_CHECK")
        }
    }
}
