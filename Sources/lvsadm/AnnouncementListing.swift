import Foundation
import LVSControl

/// The output of `lvsadm --announcements` (docs/lvsadm.md): the speaker, then one line per VIP
/// with what lvsd decided, whether the speaker has taken it, and why. Or the report as JSON.
enum AnnouncementListing {
    static let notRunning = "lvsd announces no VIP (no bgp_announce block)\n"

    static func text(_ report: AnnouncementReport) -> String {
        guard report.running else { return notRunning }
        var text = "Speaker: \(report.speaker ?? "?") (socket \(report.controlSocket ?? "?")"
        text += ", routes in \(report.includeFile ?? "?")"
        if let pid = report.supervisedProcess { text += ", supervised process \(pid)" }
        text += ")\n"
        let rows = report.addresses.map { entry -> [String] in
            let state = entry.announced ? "announced" : "withdrawn"
            let speaker = entry.acceptedBySpeaker == entry.announced ? "" : " (speaker pending)"
            return ["\(entry.address)", state + speaker, entry.reason]
        }
        let header = ["VIP", "State", "Reason"]
        let width0 = max(header[0].count, rows.map { $0[0].count }.max() ?? 0)
        let width1 = max(header[1].count, rows.map { $0[1].count }.max() ?? 0)
        for row in [header] + rows {
            text += pad(row[0], width0) + "  " + pad(row[1], width1) + "  " + row[2] + "\n"
        }
        return text
    }

    static func json(_ report: AnnouncementReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(report) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
