import LVSContentSwitch
import LVSControl
import LVSCore
import LVSProxy
import LVSSharedDirector

// `lvsadm --content`: the content-switched services, their groups and hits per rule
// (docs/design/0019-content-switching-engine.md).
extension DirectorHost {
    static func contentSummaries(_ engine: ProxyEngine) -> [ContentSwitchSummary]? {
        let services = engine.shared.contentServices
        guard !services.isEmpty else { return nil }
        return services.keys.sorted().compactMap { id in
            guard let content = services[id] else { return nil }
            let hits = content.hitCounts()
            let persistence: String
            switch content.persistence {
            case .none: persistence = "none"
            case .insertCookie(let cookie): persistence = "cookie " + String(decoding: cookie.name, as: UTF8.self)
            case .prefixCookie(let prefix):
                persistence = "cookie_prefix " + String(decoding: prefix.cookieName, as: UTF8.self)
            case .hash(let source): persistence = "hash " + Self.describe(source)
            }
            return ContentSwitchSummary(
                service: "TCP \(id.address.bracketedIfIPv6):\(id.port)", mode: content.mode.rawValue,
                persistence: persistence,
                groups: content.groups.sorted { $0.key < $1.key }.map { .init(name: $0.key, firewallMark: $0.value) },
                rules: content.ruleSet.rules.enumerated().map { .init(name: $1.name, group: $1.group, hits: hits[$0]) },
                defaultGroup: content.ruleSet.defaultGroup, defaultHits: hits.last ?? 0)
        }
    }

    /// A hash key source as written after `hash_by` (docs/configuration.md).
    static func describe(_ source: HashKeySource) -> String {
        switch source {
        case .uri: "uri"
        case .path: "path"
        case .header(let name): "header " + String(decoding: name, as: UTF8.self)
        case .cookie(let name): "cookie " + String(decoding: name, as: UTF8.self)
        case .queryParameter(let name): "query " + String(decoding: name, as: UTF8.self)
        case .capture(let part, let pattern): describe(part) + " regex " + pattern.source
        }
    }
}
