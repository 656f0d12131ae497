import LVSCore

// Value parsing shared by every block. Each helper reports its own diagnostic and returns nil
// on bad input, so a caller simply skips the statement and parsing goes on.
extension ConfigurationBuilder {
    /// The arguments of `node` when there are `minimum…maximum` of them. Too few is an error
    /// naming the expected form; extra words are ignored with a warning. A block given to a
    /// keyword that takes none is ignored with a warning.
    mutating func arguments(
        _ node: ConfigurationNode, _ minimum: Int, _ maximum: Int, usage: String
    ) -> [ConfigurationToken]? {
        if let location = node.blockLocation {
            log.warning(location, "\(node.name) takes no block; the block is ignored")
        }
        if node.arguments.count < minimum {
            log.error(node.location, "\(node.name) needs \(usage)")
            return nil
        }
        if node.arguments.count > maximum {
            let extra = node.arguments[maximum]
            log.warning(extra.location, "\(node.name): extra words from \"\(extra.text)\" on are ignored")
            return Array(node.arguments.prefix(maximum))
        }
        return node.arguments
    }

    /// A keyword that stands alone (`alpha`, `lvs_flush`, …).
    mutating func flag(_ node: ConfigurationNode) -> Bool {
        arguments(node, 0, 0, usage: "no value") != nil
    }

    /// A single value.
    mutating func value(_ node: ConfigurationNode, example: String) -> ConfigurationToken? {
        arguments(node, 1, 1, usage: "a value, e.g. \(node.name) \(example)")?.first
    }

    /// The rest of the line as one string (script command lines, notification texts).
    mutating func text(_ node: ConfigurationNode, example: String) -> String? {
        if let location = node.blockLocation {
            log.warning(location, "\(node.name) takes no block; the block is ignored")
        }
        guard !node.arguments.isEmpty else {
            log.error(node.location, "\(node.name) needs a value, e.g. \(node.name) \(example)")
            return nil
        }
        return node.arguments.map(\.text).joined(separator: " ")
    }

    /// An unsigned whole number in `range`, reported as `what`.
    mutating func number(_ token: ConfigurationToken, _ range: ClosedRange<UInt64>, what: String) -> UInt64? {
        guard !token.text.isEmpty, token.text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            log.error(
                token.location,
                "\(what) \"\(token.text)\" is not a number; use a whole number from \(range.lowerBound) to \(range.upperBound)"
            )
            return nil
        }
        guard let value = UInt64(token.text), range.contains(value) else {
            log.error(
                token.location, "\(what) \(token.text) is out of range; use \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return value
    }

    mutating func uint32(_ token: ConfigurationToken, _ range: ClosedRange<UInt32>, what: String) -> UInt32? {
        number(token, UInt64(range.lowerBound)...UInt64(range.upperBound), what: what).map { UInt32($0) }
    }

    mutating func weight(_ token: ConfigurationToken, what: String) -> Int32? {
        number(token, 0...UInt64(Int32.max), what: what).map { Int32($0) }
    }

    mutating func port(_ token: ConfigurationToken, what: String = "port") -> UInt16? {
        number(token, 0...65535, what: what).map { UInt16($0) }
    }

    /// keepalived's `<TIMER>`: seconds with an optional fraction, kept to the microsecond.
    mutating func timer(_ token: ConfigurationToken, what: String) -> Duration? {
        if let duration = Self.parseTimer(token.text) { return duration }
        log.error(token.location, "\(what) \"\(token.text)\" is not a time; write seconds such as 6 or 2.5")
        return nil
    }

    static func parseTimer(_ text: String) -> Duration? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.count <= 9,
            whole.allSatisfy({ $0.isASCII && $0.isNumber }),
            let seconds = Int64(whole)
        else { return nil }
        var micros: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard !fraction.isEmpty, fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            // Beyond microseconds is dropped, as keepalived keeps timers in microseconds.
            let digits = String(fraction.prefix(6)).padding(toLength: 6)
            micros = Int64(digits) ?? 0
        }
        return .seconds(seconds) + .microseconds(micros)
    }

    mutating func address(_ token: ConfigurationToken, what: String) -> IPAddress? {
        if let address = IPAddress(token.text) { return address }
        log.error(
            token.location,
            "\(what) \"\(token.text)\" is not an IP address; write an IPv4 address such as 192.0.2.10 or an IPv6 address such as 2001:db8::10"
        )
        return nil
    }

    /// `<STRING> [user [group]]`: a command line (quoted when it has arguments) and who runs it.
    mutating func script(_ node: ConfigurationNode) -> ScriptCommand? {
        guard let args = arguments(node, 1, 3, usage: "a script, e.g. \(node.name) \"/usr/local/bin/notify.sh arg\"")
        else { return nil }
        return ScriptCommand(
            command: args[0].text, user: args.count > 1 ? args[1].text : nil, group: args.count > 2 ? args[2].text : nil
        )
    }

    /// `smtp_alert [yes|no|true|false|on|off]`: bare means yes.
    mutating func yesNo(_ node: ConfigurationNode) -> Bool? {
        guard let args = arguments(node, 0, 1, usage: "yes or no") else { return nil }
        guard let word = args.first else { return true }
        switch word.text.lowercased() {
        case "yes", "true", "on": return true
        case "no", "false", "off": return false
        default:
            log.error(
                word.location,
                "\(node.name) \"\(word.text)\" is not yes or no; write \(node.name) yes or \(node.name) no")
            return nil
        }
    }

    /// `lb_kind`/`lvs_method` arguments: `NAT | DR | TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum] | PROXY`.
    mutating func forwarding(_ node: ConfigurationNode) -> ForwardingSpecification? {
        guard let args = arguments(node, 1, 6, usage: "a method: NAT, DR, TUN or PROXY") else { return nil }
        let kind = args[0]
        switch kind.text.uppercased() {
        case "NAT":
            return ensureAlone(args, node) ? ForwardingSpecification(method: .masquerading) : nil
        case "DR":
            return ensureAlone(args, node) ? ForwardingSpecification(method: .directRouting) : nil
        case "PROXY":
            return ensureAlone(args, node) ? ForwardingSpecification(method: .proxy) : nil
        case "TUN":
            return tunnel(args.dropFirst(), kind: kind)
        default:
            log.error(kind.location, "unknown \(node.name) \"\(kind.text)\"; use NAT, DR, TUN or PROXY")
            return nil
        }
    }

    private mutating func ensureAlone(_ args: [ConfigurationToken], _ node: ConfigurationNode) -> Bool {
        guard args.count > 1 else { return true }
        log.error(
            args[1].location, "\(node.name) \(args[0].text) takes no options; only TUN has type and checksum options")
        return false
    }

    /// The TUN options (reference §8.3: GUE requires a port; ipip takes no checksum option; gre no remcsum).
    private mutating func tunnel(_ options: ArraySlice<ConfigurationToken>, kind: ConfigurationToken)
        -> ForwardingSpecification?
    {
        var spec = ForwardingSpecification(method: .tunnelling)
        var checksumToken: ConfigurationToken?
        var index = options.startIndex
        while index < options.endIndex {
            let option = options[index]
            switch option.text {
            case "type":
                guard index + 1 < options.endIndex else {
                    log.error(option.location, "TUN type needs ipip, gue or gre")
                    return nil
                }
                let name = options[index + 1]
                switch name.text {
                case "ipip": spec.tunnelType = .ipip
                case "gue": spec.tunnelType = .gue
                case "gre": spec.tunnelType = .gre
                default:
                    log.error(name.location, "unknown tunnel type \"\(name.text)\"; use ipip, gue or gre")
                    return nil
                }
                index += 2
            case "port":
                guard index + 1 < options.endIndex, let p = port(options[index + 1], what: "tunnel port"), p > 0 else {
                    if index + 1 >= options.endIndex {
                        log.error(option.location, "TUN port needs a number from 1 to 65535")
                    } else if Self.isZero(options[index + 1]) {
                        log.error(options[index + 1].location, "tunnel port 0 is out of range; use 1 to 65535")
                    }
                    return nil
                }
                spec.tunnelPort = p
                index += 2
            case "nocsum", "csum", "remcsum":
                spec.tunnelChecksum =
                    option.text == "nocsum" ? .none : (option.text == "csum" ? .checksum : .remoteChecksum)
                checksumToken = option
                index += 1
            default:
                log.error(
                    option.location,
                    "unknown TUN option \"\(option.text)\"; use type ipip|gue|gre, port N, nocsum, csum or remcsum")
                return nil
            }
        }
        switch spec.tunnelType {
        case .gue:
            if spec.tunnelPort == 0 {
                log.error(kind.location, "TUN type gue needs a port, e.g. lb_kind TUN type gue port 6080")
                return nil
            }
        case .ipip, .gre:
            if spec.tunnelPort != 0 {
                log.error(kind.location, "TUN port is only for type gue; remove it")
                return nil
            }
            if let checksum = checksumToken, spec.tunnelType == .ipip || spec.tunnelChecksum == .remoteChecksum {
                log.error(
                    checksum.location,
                    "\(checksum.text) is not available for TUN type \(spec.tunnelType.name); remove it")
                return nil
            }
        }
        return spec
    }

    private static func isZero(_ token: ConfigurationToken) -> Bool { UInt64(token.text) == 0 }

    /// `proxy_protocol v1|v2` (our extension).
    mutating func proxyProtocol(_ node: ConfigurationNode) -> ProxyProtocolVersion? {
        guard let token = value(node, example: "v2") else { return nil }
        switch token.text.lowercased() {
        case "v1": return .v1
        case "v2": return .v2
        default:
            log.error(token.location, "unknown proxy_protocol \"\(token.text)\"; use v1 or v2")
            return nil
        }
    }

    /// The checker timing keywords, shared by virtual server, real server and checker blocks.
    /// Returns false when `node` is not one of them.
    mutating func checkerParameter(_ node: ConfigurationNode, into parameters: inout CheckerParameters) -> Bool {
        switch node.name {
        case "delay_loop":
            if let t = value(node, example: "6") {
                parameters.delayLoop = timer(t, what: "delay_loop") ?? parameters.delayLoop
            }
        case "connect_timeout":
            if let t = value(node, example: "3") {
                parameters.connectTimeout = timer(t, what: "connect_timeout") ?? parameters.connectTimeout
            }
        case "retry", "nb_get_retry":
            if let t = value(node, example: "3") {
                parameters.retry = uint32(t, 0...UInt32.max, what: node.name) ?? parameters.retry
            }
        case "delay_before_retry":
            if let t = value(node, example: "3") {
                parameters.delayBeforeRetry = timer(t, what: "delay_before_retry") ?? parameters.delayBeforeRetry
            }
        case "warmup":
            if let t = value(node, example: "5") { parameters.warmup = timer(t, what: "warmup") ?? parameters.warmup }
        case "alpha":
            if flag(node) { parameters.alpha = true }
        default:
            return false
        }
        return true
    }
}

extension String {
    /// The string cut or right-padded with zeros to `length` characters.
    fileprivate func padding(toLength length: Int) -> String {
        count >= length ? String(prefix(length)) : self + String(repeating: "0", count: length - count)
    }
}
