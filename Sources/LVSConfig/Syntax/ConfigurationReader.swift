/// Reads a configuration file and everything it includes into a tree of statements.
///
/// Contract: never throws and never stops at the first problem; every problem becomes a
/// diagnostic with its file, line and column, and reading goes on with the rest.
struct ConfigurationReader {
    let fileSystem: any ConfigurationFileSystem
    /// How deep `include` may nest (the top file is depth 0).
    let maximumIncludeDepth: Int
    /// keepalived's `-i`/`--config-id`: a line `@ID …` counts only when ID is this, a line
    /// `@^ID …` only when it is not; with none, `@ID` lines never count and `@^ID` lines always do.
    var configurationID: String? = nil

    /// The statements of `path` (and of its includes, spliced where they were included).
    func read(path: String, diagnostics: inout DiagnosticLog) -> [ConfigurationNode] {
        var lines: [[ConfigurationToken]] = []
        switch fileSystem.read(path: path) {
        case .success(let text):
            collectLines(
                text: text, file: path, stack: [Self.normalized(path)], into: &lines, diagnostics: &diagnostics)
        case .failure(let error):
            diagnostics.error(
                ConfigurationLocation(file: path, line: 1, column: 1),
                "cannot read the configuration file: \(error.reason); check the path and its permissions")
        }
        return ConfigurationTreeBuilder.build(lines: lines, diagnostics: &diagnostics)
    }

    /// The statements of an in-memory text named `file` (includes are read from the file system).
    func read(text: String, file: String, diagnostics: inout DiagnosticLog) -> [ConfigurationNode] {
        var lines: [[ConfigurationToken]] = []
        collectLines(text: text, file: file, stack: [Self.normalized(file)], into: &lines, diagnostics: &diagnostics)
        return ConfigurationTreeBuilder.build(lines: lines, diagnostics: &diagnostics)
    }

    /// Tokenizes `text` and replaces every `include` line by the lines of the files it names.
    /// `stack` holds the normalized paths of the files being read, outermost first.
    private func collectLines(
        text: String, file: String, stack: [String], into lines: inout [[ConfigurationToken]],
        diagnostics: inout DiagnosticLog
    ) {
        let tokenizer = ConfigurationTokenizer(file: file)
        for whole in tokenizer.lines(of: text, diagnostics: &diagnostics) {
            guard let line = applyingConfigurationID(whole) else { continue }
            guard let first = line.first, !first.isQuoted, first.text == "include" else {
                lines.append(line)
                continue
            }
            guard line.count == 2 else {
                diagnostics.error(
                    first.location,
                    line.count < 2
                        ? "include needs a file name or pattern, e.g. include /etc/keepalived/conf.d/*.conf"
                        : "include takes one file name or pattern; quote a name that contains blanks")
                continue
            }
            include(line[1], from: file, stack: stack, into: &lines, diagnostics: &diagnostics)
        }
    }

    /// The line without its `@ID` prefix when it applies to this system, the line itself when it
    /// has none, nil when it is for another system (keepalived's parser.c rules).
    private func applyingConfigurationID(_ line: [ConfigurationToken]) -> [ConfigurationToken]? {
        guard let first = line.first, !first.isQuoted, first.text.hasPrefix("@") else { return line }
        let reversed = first.text.hasPrefix("@^")
        let id = first.text.dropFirst(reversed ? 2 : 1)
        let matches = configurationID.map { $0 == id } ?? false
        guard matches != reversed, line.count > 1 else { return nil }
        return Array(line.dropFirst())
    }

    private func include(
        _ pattern: ConfigurationToken, from file: String, stack: [String], into lines: inout [[ConfigurationToken]],
        diagnostics: inout DiagnosticLog
    ) {
        // Relative patterns are taken from the directory of the including file.
        let resolved = pattern.text.hasPrefix("/") ? pattern.text : Self.directory(of: file) + pattern.text
        let matches = fileSystem.glob(pattern: resolved)
        if matches.isEmpty {
            if Self.hasGlobCharacters(pattern.text) {
                diagnostics.warning(pattern.location, "include pattern \"\(resolved)\" matches no file")
            } else {
                diagnostics.error(
                    pattern.location, "cannot read included file \"\(resolved)\": no such file; check the path")
            }
            return
        }
        for path in matches {
            let key = Self.normalized(path)
            if let cycleStart = stack.firstIndex(of: key) {
                let cycle = (stack[cycleStart...] + [key]).joined(separator: " -> ")
                diagnostics.error(pattern.location, "include cycle \(cycle); remove one of these includes")
                continue
            }
            guard stack.count <= maximumIncludeDepth else {
                diagnostics.error(
                    pattern.location,
                    "includes nested deeper than \(maximumIncludeDepth) levels at \"\(path)\"; flatten the includes")
                continue
            }
            switch fileSystem.read(path: path) {
            case .success(let text):
                collectLines(text: text, file: path, stack: stack + [key], into: &lines, diagnostics: &diagnostics)
            case .failure(let error):
                diagnostics.error(
                    pattern.location, "cannot read included file \"\(path)\": \(error.reason); check the path")
            }
        }
    }

    static func hasGlobCharacters(_ text: String) -> Bool {
        text.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }

    /// `dir/` of `dir/file`, or "" for a bare name.
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[...slash])
    }

    /// The path with `.` and `dir/..` components and repeated slashes removed, so that one file
    /// reached by two spellings is recognised in a cycle.
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
                continue
            }
            parts.append(part)
        }
        return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
    }
}

/// Builds the statement tree from logical lines: a statement is a keyword with the words that
/// follow it on its line; a `{` on the same line or at the start of a following line opens
/// its block; `}` closes the innermost block.
enum ConfigurationTreeBuilder {
    private struct Frame {
        var node: ConfigurationNode?
        var children: [ConfigurationNode] = []
        var openLocation: ConfigurationLocation?
    }

    static func build(lines: [[ConfigurationToken]], diagnostics: inout DiagnosticLog) -> [ConfigurationNode] {
        var stack = [Frame()]
        // Whether the last statement of the innermost frame may still take a block.
        var lastCanTakeBlock = false
        for line in lines {
            var index = 0
            while index < line.count {
                let token = line[index]
                if token.isOpenBrace {
                    var owner: ConfigurationNode
                    if lastCanTakeBlock, let last = stack[stack.count - 1].children.popLast() {
                        owner = last
                    } else {
                        diagnostics.error(
                            token.location,
                            "\"{\" without a keyword before it; put the block after the keyword it belongs to")
                        owner = ConfigurationNode(keyword: ConfigurationToken(text: "", location: token.location))
                    }
                    owner.blockLocation = token.location
                    stack.append(Frame(node: owner, openLocation: token.location))
                    lastCanTakeBlock = false
                    index += 1
                } else if token.isCloseBrace {
                    if stack.count > 1, let frame = stack.popLast(), var node = frame.node {
                        node.block = frame.children
                        // A statement whose `{` stood alone had no keyword; its contents are dropped.
                        if !node.keyword.text.isEmpty { stack[stack.count - 1].children.append(node) }
                    } else {
                        diagnostics.error(token.location, "\"}\" closes no block; remove it or add the matching \"{\"")
                    }
                    lastCanTakeBlock = false
                    index += 1
                } else {
                    var end = index + 1
                    while end < line.count && !line[end].isOpenBrace && !line[end].isCloseBrace { end += 1 }
                    let node = ConfigurationNode(keyword: token, arguments: Array(line[(index + 1)..<end]))
                    stack[stack.count - 1].children.append(node)
                    lastCanTakeBlock = true
                    index = end
                }
            }
        }
        while stack.count > 1, let frame = stack.popLast() {
            if let location = frame.openLocation {
                let name = frame.node?.keyword.text ?? ""
                diagnostics.error(location, "block of \"\(name)\" is never closed; add \"}\" at its end")
            }
            if var node = frame.node, !node.keyword.text.isEmpty {
                node.block = frame.children
                stack[stack.count - 1].children.append(node)
            }
        }
        return stack[0].children
    }
}
