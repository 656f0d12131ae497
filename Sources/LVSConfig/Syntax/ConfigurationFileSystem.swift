/// The file access the configuration reader needs, injected so that the parser runs on
/// in-memory files in tests (STYLE.md: side effects go through small protocols).
public protocol ConfigurationFileSystem: Sendable {
    /// The whole content of the file at `path`, or a human-readable reason it cannot be read.
    func read(path: String) -> Result<String, ConfigurationFileError>
    /// The paths matching a shell pattern (`*`, `?`, `[…]`), sorted; empty when none match.
    func glob(pattern: String) -> [String]
}

/// Why a configuration file could not be read.
public struct ConfigurationFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Files held in memory: for tests and for configurations handed over as text.
public struct InMemoryFileSystem: ConfigurationFileSystem {
    public var files: [String: String]

    public init(_ files: [String: String] = [:]) {
        self.files = files
    }

    public func read(path: String) -> Result<String, ConfigurationFileError> {
        if let text = files[path] ?? files[ConfigurationReader.normalized(path)] { return .success(text) }
        return .failure(ConfigurationFileError("No such file or directory"))
    }

    public func glob(pattern: String) -> [String] {
        // Paths are compared in normal form, so `./a.conf` finds `a.conf` as glob(3) would.
        let normalPattern = Array(ConfigurationReader.normalized(pattern))
        return files.keys.filter {
            GlobPattern.matches(pattern: normalPattern, name: Array(ConfigurationReader.normalized($0)))
        }
        .sorted()
    }
}

/// fnmatch(3) without flags, enough for in-memory globbing: `*` and `?` match any character
/// including `/` (FNM_PATHNAME is not set), `[…]`/`[!…]` sets with ranges, `\` escapes.
enum GlobPattern {
    static func matches(pattern: [Character], name: [Character]) -> Bool {
        var p = 0
        var n = 0
        var starP = -1
        var starN = 0
        while n < name.count {
            if p < pattern.count {
                switch pattern[p] {
                case "*":
                    starP = p
                    starN = n
                    p += 1
                    continue
                case "?":
                    p += 1
                    n += 1
                    continue
                case "[":
                    if let (matched, next) = matchSet(pattern, from: p, character: name[n]) {
                        if matched {
                            p = next
                            n += 1
                            continue
                        }
                    } else if name[n] == "[" {
                        p += 1
                        n += 1
                        continue
                    }
                case "\\" where p + 1 < pattern.count:
                    if pattern[p + 1] == name[n] {
                        p += 2
                        n += 1
                        continue
                    }
                default:
                    if pattern[p] == name[n] {
                        p += 1
                        n += 1
                        continue
                    }
                }
            }
            guard starP >= 0 else { return false }
            starN += 1
            n = starN
            p = starP + 1
        }
        while p < pattern.count && pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }

    /// Whether `character` is in the set starting at `pattern[start] == "["`, and the index after
    /// the set; nil when the set is not closed (then `[` is literal).
    private static func matchSet(_ pattern: [Character], from start: Int, character: Character) -> (Bool, Int)? {
        var i = start + 1
        var negate = false
        if i < pattern.count && (pattern[i] == "!" || pattern[i] == "^") {
            negate = true
            i += 1
        }
        var matched = false
        var first = true
        while i < pattern.count {
            let c = pattern[i]
            if c == "]" && !first { return (matched != negate, i + 1) }
            first = false
            if i + 2 < pattern.count && pattern[i + 1] == "-" && pattern[i + 2] != "]" {
                if c <= character && character <= pattern[i + 2] { matched = true }
                i += 3
            } else {
                if c == character { matched = true }
                i += 1
            }
        }
        return nil
    }
}
