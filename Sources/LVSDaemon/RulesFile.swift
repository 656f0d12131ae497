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

    /// Parses the text of a rules file; `path` only names it in errors.
    public static func parse(
        _ text: String, path: String, resolver: any NameResolver
    ) throws(RulesFileError) -> RulesFile {
        let parser = IPVSAdminParser(resolver: resolver, programName: "lvsd")
        var entries: [Entry] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = String(rawLine)
            if line.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("#") { continue }
            let tokens = RestoreInput.tokenize(line: line)
            if tokens.isEmpty { continue }
            switch parser.parse(tokens, readingRestoreInput: true) {
            case .failure(let error):
                throw RulesFileError(
                    path: path, line: lineNumber, message: RestoreInput.problem(with: error, tokens: tokens))
            case .success(.command(let command)):
                entries.append(Entry(line: lineNumber, command: command))
            case .success(.list), .success(.save), .success(.restore), .success(.help), .success(.version):
                throw RulesFileError(
                    path: path, line: lineNumber,
                    message: "only commands that change the configuration belong in a rules file")
            }
        }
        return RulesFile(path: path, entries: entries)
    }

    /// Reads and parses the rules file at `path`.
    public static func load(path: String, resolver: any NameResolver) throws(RulesFileError) -> RulesFile {
        // open(2) directly, for errno's words: Foundation's text for a missing file or a pipe
        // (`/dev/stdin`) is a vague "operation could not be completed" (issue 13).
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw RulesFileError(path: path, line: nil, message: "cannot read: \(String(cString: strerror(errno)))")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        let data: Data
        do {
            data = try handle.readToEnd() ?? Data()
        } catch {
            throw RulesFileError(path: path, line: nil, message: "cannot read: \(String(cString: strerror(errno)))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RulesFileError(path: path, line: nil, message: "is not UTF-8 text")
        }
        return try parse(text, path: path, resolver: resolver)
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
