import Foundation
import LVSControl

/// The output of `lvsadm --content` (docs/lvsadm.md): per content-switched service its mode and
/// persistence, its groups (the firewall-mark services `-L -n` lists), and its rules in order
/// with the requests each decided, the default group last; or one JSON document.
enum ContentListing {
    static func text(_ services: [ContentSwitchSummary]) -> String {
        guard !services.isEmpty else { return "lvsd has no content-switched virtual service\n" }
        var text = ""
        for service in services {
            text += "\(service.service) content \(service.mode) persistence \(service.persistence)\n"
            let marks = Dictionary(service.groups.map { ($0.name, $0.firewallMark) }, uniquingKeysWith: { a, _ in a })
            for group in service.groups { text += "  group \(group.name) FWM \(group.firewallMark)\n" }
            for rule in service.rules {
                text += "  rule \(rule.name) -> \(rule.group) (FWM \(marks[rule.group] ?? 0)) hits \(rule.hits)\n"
            }
            let mark = marks[service.defaultGroup] ?? 0
            text += "  default -> \(service.defaultGroup) (FWM \(mark)) hits \(service.defaultHits)\n"
        }
        return text
    }

    static func json(_ services: [ContentSwitchSummary]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(services) else { return "[]\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
