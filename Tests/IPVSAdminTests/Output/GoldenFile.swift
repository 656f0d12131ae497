import Foundation
import Testing

/// Expected outputs kept byte for byte (trailing spaces included) in `Golden/`.
enum GoldenFile {
    static func text(_ name: String) throws -> String {
        let dot = try #require(name.lastIndex(of: "."))
        let url = try #require(
            Bundle.module.url(
                forResource: String(name[..<dot]), withExtension: String(name[name.index(after: dot)...]),
                subdirectory: "Golden"),
            "missing golden file \(name)")
        let data = try Data(contentsOf: url)
        return try #require(String(data: data, encoding: .utf8))
    }

    /// Compares byte for byte; on a mismatch records a line diff with `␣` for trailing spaces.
    static func expectMatches(
        _ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let expected = try text(name)
        if actual == expected { return }
        let report = "\(name) differs (- expected, + actual; ␣ = space at line end):\n" + diff(expected, actual)
        Issue.record(Comment(rawValue: report), sourceLocation: sourceLocation)
    }

    static func visible(_ line: Substring) -> String {
        var text = String(line)
        var trailing = 0
        while text.hasSuffix(" ") {
            text.removeLast()
            trailing += 1
        }
        return text + String(repeating: "␣", count: trailing)
    }

    static func diff(_ expected: String, _ actual: String) -> String {
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        var out = ""
        for i in 0..<max(e.count, a.count) {
            let el = i < e.count ? e[i] : nil
            let al = i < a.count ? a[i] : nil
            if el == al {
                out += "  \(visible(el ?? ""))\n"
                continue
            }
            if let el { out += "- \(visible(el))\n" }
            if let al { out += "+ \(visible(al))\n" }
        }
        return out
    }
}
