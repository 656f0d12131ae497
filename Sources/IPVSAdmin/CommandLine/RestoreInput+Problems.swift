extension RestoreInput {
    /// What is wrong with one line of `-R` input or of a rules file, in words that stand alone
    /// after `line N:` (docs/lvsadm.md, "-R is atomic").
    ///
    /// ipvsadm's own texts are kept where they already say what is wrong (`illegal weight
    /// specified`); its bare hint ``Try `ipvsadm -h' …``, printed when a line does not start with
    /// a command, and popt's `WORD: unknown option` are replaced by a sentence naming the word.
    public static func problem(with error: IPVSAdminUsageError, tokens: [String]) -> String {
        switch error.kind {
        case .validation:
            return error.message
        case .optionError:
            if let word = word(in: error.message, before: ": unknown option") {
                return "unknown option '\(word)'"
            }
            if let word = word(in: error.message, before: ": missing argument") {
                return "option '\(word)' needs a value"
            }
            return error.message
        case .usage:
            return firstWordProblem(tokens)
        }
    }

    /// Why the first word did not start a command.
    private static func firstWordProblem(_ tokens: [String]) -> String {
        guard let first = tokens.first else { return "the line holds no command" }
        let commands = "a line starts with a command such as -A, -E, -D, -a, -e, -d, -C or --set"
        // popt skips words without a dash and reads on, so look at the first word itself first.
        guard first.hasPrefix("-") else { return "'\(first)' is not a command; \(commands)" }
        var scanner = OptionScanner(arguments: tokens)
        switch scanner.nextOption() {
        case .unknownOption: return "unknown option '\(scanner.lastConsumedWord)'"
        case .missingArgument: return "option '\(scanner.lastConsumedWord)' needs a value"
        case .option, .end: return "'\(first)' is not a command; \(commands)"
        }
    }

    private static func word(in message: String, before suffix: String) -> String? {
        guard message.hasSuffix(suffix) else { return nil }
        return String(message.dropLast(suffix.count))
    }
}
