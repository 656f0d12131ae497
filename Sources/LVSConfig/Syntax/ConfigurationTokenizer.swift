/// Splits the text of one file into logical lines of tokens (keepalived.conf(5) lexical rules).
///
/// - Words are separated by blanks; `{` and `}` are words of their own even when written
///   against another word (`url {`, `80{`).
/// - `#` and `!` start a comment when they begin a word, anywhere on a line; inside a word or
///   a quoted string they are ordinary characters.
/// - `"…"` is one word that may hold blanks, braces and comment characters; `\"` and `\\`
///   inside it stand for `"` and `\`.
/// - A `\` at the end of a line (outside quotes and comments) joins the next line to it, as
///   keepalived 2 allows for long lines.
struct ConfigurationTokenizer {
    let file: String

    /// Logical lines: each a non-empty list of tokens.
    func lines(of text: String, diagnostics: inout DiagnosticLog) -> [[ConfigurationToken]] {
        var result: [[ConfigurationToken]] = []
        var current: [ConfigurationToken] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var physical = Array(rawLine)
            if physical.last == "\r" { physical.removeLast() }
            let continues = scan(physical, line: lineNumber, into: &current, diagnostics: &diagnostics)
            if !continues && !current.isEmpty {
                result.append(current)
                current = []
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    /// Appends the tokens of one physical line; returns true when the line ends in a continuation.
    private func scan(
        _ chars: [Character], line: Int, into tokens: inout [ConfigurationToken], diagnostics: inout DiagnosticLog
    ) -> Bool {
        var i = 0
        var word = ""
        var wordStart = 0
        func location(_ index: Int) -> ConfigurationLocation {
            ConfigurationLocation(file: file, line: line, column: index + 1)
        }
        func flush() {
            if !word.isEmpty {
                tokens.append(ConfigurationToken(text: word, location: location(wordStart)))
                word = ""
            }
        }
        while i < chars.count {
            let c = chars[i]
            if c == " " || c == "\t" || c == "\u{0B}" || c == "\u{0C}" {
                flush()
                i += 1
                continue
            }
            if word.isEmpty && (c == "#" || c == "!") { break }
            if c == "{" || c == "}" {
                flush()
                tokens.append(ConfigurationToken(text: String(c), location: location(i)))
                i += 1
                continue
            }
            if c == "\\" && word.isEmpty && chars[(i + 1)...].allSatisfy({ $0 == " " || $0 == "\t" }) {
                return true
            }
            if c == "\\" && !word.isEmpty && chars[(i + 1)...].allSatisfy({ $0 == " " || $0 == "\t" }) {
                flush()
                return true
            }
            if c == "\"" && word.isEmpty {
                let start = i
                var text = ""
                i += 1
                var closed = false
                while i < chars.count {
                    let q = chars[i]
                    if q == "\\" && i + 1 < chars.count && (chars[i + 1] == "\"" || chars[i + 1] == "\\") {
                        text.append(chars[i + 1])
                        i += 2
                        continue
                    }
                    if q == "\"" {
                        closed = true
                        i += 1
                        break
                    }
                    text.append(q)
                    i += 1
                }
                if !closed {
                    diagnostics.error(
                        location(start), "unterminated quoted string; add the closing \" on the same line")
                }
                tokens.append(ConfigurationToken(text: text, location: location(start), isQuoted: true))
                continue
            }
            if word.isEmpty { wordStart = i }
            word.append(c)
            i += 1
        }
        flush()
        return false
    }
}
