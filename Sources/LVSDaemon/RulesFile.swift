import Foundation
import IPVSAdmin
import LVSCore

/// An ipvsadm-save file given to `lvsd --rules FILE` (DESIGN.md §5): each line one ipvsadm
/// command, as `ipvsadm -S` writes them and `ipvsadm -R` reads them (reference §1.9).
///
/// Unlike `ipvsadm -R`, blank lines and lines starting with `#` are comments (as in
/// `ipvsadm-restore`), every line must change the configuration, and the whole file is applied
/// as one batch: any bad line leaves the daemon unstarted, and the error names file and line.
public struct RulesFile: Sendable, Hashable {
    /// One command and the 1-based line it came from.
    public struct Entry: Sendable, Hashable {
        public var line: Int
        public var command: AdminCommand
    }

    public var path: String
    public var entries: [Entry]

    /// Reads and parses the rules file at `path`.
    public static func load(path: String, resolver: any NameResolver) throws(RulesFileError) -> RulesFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw RulesFileError(path: path, line: nil, message: "cannot read: \((error as NSError).localizedDescription)")
        }
        // Placeholder until the ipvsadm parser lands: only comment-only files are accepted.
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            throw RulesFileError(path: path, line: index + 1, message: "rules files need the ipvsadm parser")
        }
        return RulesFile(path: path, entries: [])
    }
}

/// A rules file the daemon refuses, naming where.
public struct RulesFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    /// 1-based; nil when the file as a whole is the problem.
    public var line: Int?
    public var message: String

    public init(path: String, line: Int?, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        line.map { "\(path):\($0): \(message)" } ?? "\(path): \(message)"
    }
}
