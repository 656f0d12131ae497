import LVSConfig
import LVSContentSwitch
import LVSCore
import LVSProxy
import LVSSharedDirector

/// Compiles the `content_switch { … }` blocks of a configuration into the proxy engine's
/// content-switched services (docs/configuration.md "Content switching", docs/design/0019).
/// Every mistake is a diagnostic at its token; nothing is applied while one remains.
struct ContentSwitchConfiguration {
    private(set) var diagnostics: [ConfigurationDiagnostic] = []
    private var marks: Set<UInt32> = []

    /// The services, or every diagnostic found (then the services are not to be used).
    static func services(
        for configuration: KeepalivedConfiguration
    ) -> (services: [ContentSwitchService], diagnostics: [ConfigurationDiagnostic]) {
        var compiler = ContentSwitchConfiguration()
        for vs in configuration.virtualServers {
            if case .firewallMark(let mark) = vs.address { compiler.marks.insert(mark) }
        }
        var services: [ContentSwitchService] = []
        for vs in configuration.virtualServers {
            guard let node = vs.contentSwitch else { continue }
            if let service = compiler.compile(node, of: vs) { services.append(service) }
        }
        return (services, compiler.diagnostics)
    }

    private mutating func error(_ location: ConfigurationLocation, _ message: String) {
        diagnostics.append(ConfigurationDiagnostic(.error, location, message))
    }

    private mutating func compile(_ node: ConfigurationNode, of vs: VirtualServer) -> ContentSwitchService? {
        guard case .endpoint(let address, let port) = vs.address, port != 0, vs.protocolNumber == .tcp else {
            error(
                node.location, "content_switch needs a virtual_server with an address, a port and protocol TCP")
            return nil
        }
        if let method = vs.forwarding?.method, method != .proxy {
            error(node.location, "content_switch needs lb_kind PROXY: only the proxy engine reads requests")
        }
        if !vs.realServers.isEmpty {
            error(
                vs.realServers[0].location,
                "a content_switch virtual_server has no real_server of its own: put them in the groups' fwmark virtual_servers"
            )
        }
        let id = VirtualServiceID(protocol: .tcp, address: address, port: port)
        var groups: [String: UInt32] = [:]
        var rules: [ContentRule] = []
        var defaultGroup: (String, ConfigurationLocation)?
        var mode = ContentSwitchMode.http
        var forwarded = ForwardedHeader.xForwardedFor
        var persistence = ContentPersistence.none
        var headerTimeout: UInt64 = 10_000
        var bodyTimeout: UInt64 = 30_000
        var requestLine = 8192
        var headerCount = 100
        var headSize = 16384
        var uses: [(String, ConfigurationLocation)] = []
        for statement in node.block ?? [] {
            let args = statement.arguments.map(\.text)
            switch (statement.name, args.count) {
            case ("mode", 1):
                guard let value = ContentSwitchMode(rawValue: args[0]) else {
                    error(statement.arguments[0].location, "unknown mode \"\(args[0])\"; use http or tls")
                    continue
                }
                mode = value
            case ("group", 2):
                guard let mark = UInt32(args[1]), mark > 0 else {
                    error(statement.arguments[1].location, "group \(args[0]) needs a firewall mark above 0")
                    continue
                }
                if !marks.contains(mark) {
                    error(
                        statement.arguments[1].location,
                        "group \(args[0]) names fwmark \(mark), but no virtual_server fwmark \(mark) holds its real servers"
                    )
                }
                groups[args[0]] = mark
            case ("default_group", 1):
                defaultGroup = (args[0], statement.arguments[0].location)
            case ("rule", 1):
                guard let block = statement.block else {
                    error(
                        statement.location, "rule \(args[0]) needs a block: rule NAME { path_prefix /api  use_group G }"
                    )
                    continue
                }
                var target: String?
                var conditions: [ContentCondition] = []
                for inner in block {
                    if inner.name == "use_group", inner.arguments.count == 1 {
                        target = inner.arguments[0].text
                        uses.append((inner.arguments[0].text, inner.arguments[0].location))
                    } else if let condition = condition(inner) {
                        conditions.append(condition)
                    }
                }
                guard let target else {
                    error(statement.location, "rule \(args[0]) names no group: add use_group NAME")
                    continue
                }
                let all: ContentCondition = conditions.count == 1 ? conditions[0] : .all(conditions)
                rules.append(ContentRule(name: args[0], condition: conditions.isEmpty ? .always : all, group: target))
            case ("forwarded_header", 1):
                guard let value = ForwardedHeader(rawValue: args[0]) else {
                    error(statement.arguments[0].location, "forwarded_header is x-forwarded-for, forwarded or none")
                    continue
                }
                forwarded = value
            case ("cookie_insert", 0), ("cookie_insert", 1):
                persistence = .insertCookie(PersistenceCookie(name: args.first ?? "SERVERID"))
            case ("cookie_prefix", 1):
                persistence = .prefixCookie(CookiePrefix(cookieName: args[0]))
            case ("hash_by", 1...4):
                guard let source = hashSource(statement) else { continue }
                persistence = .hash(source)
            case ("header_timeout", 1), ("body_timeout", 1):
                guard let seconds = UInt64(args[0]), seconds > 0, seconds <= 3600 else {
                    error(statement.arguments[0].location, "\(statement.name) is seconds from 1 to 3600")
                    continue
                }
                if statement.name == "header_timeout" {
                    headerTimeout = seconds * 1000
                } else {
                    bodyTimeout = seconds * 1000
                }
            case ("max_request_line", 1), ("max_headers", 1), ("max_head_size", 1):
                guard let value = Int(args[0]), value >= 1, value <= 1_048_576 else {
                    error(statement.arguments[0].location, "\(statement.name) is a number from 1 to 1048576")
                    continue
                }
                switch statement.name {
                case "max_request_line": requestLine = value
                case "max_headers": headerCount = value
                default: headSize = value
                }
            default:
                error(statement.location, "unknown or malformed content_switch statement \"\(statement.name)\"")
            }
        }
        guard let (defaultName, defaultLocation) = defaultGroup else {
            error(node.location, "content_switch needs default_group NAME")
            return nil
        }
        for (name, location) in uses + [(defaultName, defaultLocation)] where groups[name] == nil {
            error(location, "unknown group \"\(name)\"; declare it with group \(name) MARK")
        }
        return ContentSwitchService(
            service: id, mode: mode, ruleSet: ContentRuleSet(rules: rules, defaultGroup: defaultName), groups: groups,
            forwardedHeader: forwarded, persistence: persistence,
            limits: HTTPParserLimits(
                maximumRequestLineLength: requestLine, maximumHeaderCount: headerCount, maximumHeadLength: headSize),
            headerTimeoutMilliseconds: headerTimeout, bodyTimeoutMilliseconds: bodyTimeout)
    }

    /// One condition statement (docs/configuration.md lists them).
    private mutating func condition(_ node: ConfigurationNode) -> ContentCondition? {
        let args = node.arguments.map(\.text)
        if let block = node.block, ["any", "all", "not"].contains(node.name) {
            let inner = block.compactMap { condition($0) }
            switch node.name {
            case "any": return .any(inner)
            case "all": return .all(inner)
            default: return .not(inner.count == 1 ? inner[0] : .all(inner))
            }
        }
        do throws(ContentSwitchConfigurationError) {
            switch (node.name, args.count) {
            case ("host", 1): return .host(.exact(args[0].lowercased()))
            case ("host_suffix", 1): return .host(.suffix(args[0].lowercased()))
            case ("host_regex", 1): return .host(.regex(try CompiledPattern(args[0], ignoringCase: true)))
            case ("path", 1): return .path(.exact(args[0]))
            case ("path_prefix", 1): return .path(.prefix(args[0]))
            case ("path_regex", 1): return .path(.regex(try CompiledPattern(args[0])))
            case ("method", 1): return .method(Array(args[0].utf8))
            case ("header", 1), ("cookie", 1), ("query", 1):
                return named(node.name, args[0], .exists)
            case ("header", 2), ("cookie", 2), ("query", 2):
                return named(node.name, args[0], .equals(args[1]))
            case ("header_regex", 2), ("cookie_regex", 2), ("query_regex", 2):
                return named(String(node.name.dropLast(6)), args[0], .regex(try CompiledPattern(args[1])))
            case ("client", 1...):
                return .clientAddress(
                    try args.map { (text) throws(ContentSwitchConfigurationError) in try AddressBlock(parsing: text) })
            case ("sni", 1): return .serverName(.exact(args[0].lowercased()))
            case ("sni_suffix", 1): return .serverName(.suffix(args[0].lowercased()))
            case ("sni_regex", 1): return .serverName(.regex(try CompiledPattern(args[0], ignoringCase: true)))
            case ("alpn", 1): return .alpn(Array(args[0].utf8))
            default:
                error(node.location, "unknown or malformed condition \"\(node.name)\" (see docs/configuration.md)")
                return nil
            }
        } catch {
            let text: String
            switch error {
            case .invalidRegex(let source): text = "invalid regular expression \"\(source)\""
            case .invalidCIDR(let source): text = "invalid address block \"\(source)\"; write e.g. 10.0.0.0/8"
            case .unknownGroup(let name): text = "unknown group \"\(name)\""
            }
            self.error(node.location, text)
            return nil
        }
    }

    private func named(_ kind: String, _ name: String, _ match: ValueMatch) -> ContentCondition {
        switch kind {
        case "header": .header(name: Array(name.lowercased().utf8), match)
        case "cookie": .cookie(name: Array(name.utf8), match)
        default: .queryParameter(name: Array(name.utf8), match)
        }
    }

    /// `hash_by PART [NAME] [regex PATTERN]`: with `regex`, the pattern's first capture group
    /// (or its whole match) in that part is the key.
    private mutating func hashSource(_ node: ConfigurationNode) -> HashKeySource? {
        var args = node.arguments.map(\.text)
        if args.count >= 3, args[args.count - 2] == "regex" {
            let pattern: CompiledPattern
            do throws(ContentSwitchConfigurationError) {
                pattern = try CompiledPattern(args[args.count - 1])
            } catch {
                self.error(
                    node.arguments[args.count - 1].location, "invalid regular expression \"\(args[args.count - 1])\"")
                return nil
            }
            args.removeLast(2)
            guard let part = hashPart(args, node) else { return nil }
            return .capture(part, pattern)
        }
        return hashPart(args, node)
    }

    private mutating func hashPart(_ args: [String], _ node: ConfigurationNode) -> HashKeySource? {
        switch (args[0], args.count) {
        case ("uri", 1): return .uri
        case ("path", 1): return .path
        case ("header", 2): return .header(Array(args[1].lowercased().utf8))
        case ("cookie", 2): return .cookie(Array(args[1].utf8))
        case ("query", 2): return .queryParameter(Array(args[1].utf8))
        default:
            error(
                node.location,
                "hash_by is uri, path, header NAME, cookie NAME or query NAME, optionally followed by regex PATTERN")
            return nil
        }
    }
}
