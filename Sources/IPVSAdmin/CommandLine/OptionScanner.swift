/// Splits an argument list into options the way popt (as ipvsadm 1.31 configures it) does, one
/// option per call, so the parser can act on each in order exactly when ipvsadm would.
///
/// popt's rules reproduced here:
/// - A word not starting with `-`, and a lone `-`, is a leftover argument; parsing goes on after it.
/// - `--` makes every later word a leftover.
/// - `--name` and `--name=value` are long options; names must match exactly. A value after `=`
///   given to an option without argument is ignored.
/// - `-abc` is a bundle of short options; a short option that takes a value takes the rest of the
///   bundle (`-w5`, `-t10.0.0.1:80`), skipping one `=` (`-w=5`); otherwise the next word, whatever
///   it starts with.
/// - An optional value (`-p`) is taken from `=value`, the rest of a bundle, or the next word
///   unless that word starts with `-`.
/// - popt's `!#:+` argument expansion is not reproduced (see docs in the parser).
struct OptionScanner {
    enum Event: Equatable {
        case option(OptionTag, argument: String?)
        case end
        case unknownOption
        case missingArgument
    }

    private let arguments: [String]
    private var next = 0
    /// popt's `nextCharArg`: the unprocessed rest of a short-option bundle.
    private var pendingShort: Substring?
    private var restAreLeftovers = false
    private(set) var leftovers: [String] = []

    init(arguments: [String]) {
        self.arguments = arguments
    }

    /// popt's `poptBadOption`: the whole word last consumed (an option, a bundle, or the value
    /// taken by the last option).
    var lastConsumedWord: String {
        next > 0 && next <= arguments.count ? arguments[next - 1] : ""
    }

    mutating func nextOption() -> Event {
        var found: OptionSpec?
        var inlineValue: Substring?

        while found == nil {
            if pendingShort == nil {
                guard next < arguments.count else { return .end }
                let word = arguments[next]
                next += 1
                if restAreLeftovers || !word.hasPrefix("-") || word == "-" {
                    leftovers.append(word)
                    continue
                }
                if word == "--" {
                    restAreLeftovers = true
                    continue
                }
                let body = word.dropFirst()
                if body.hasPrefix("-") {
                    let nameAndValue = body.dropFirst()
                    let name: Substring
                    if let equals = nameAndValue.firstIndex(of: "=") {
                        name = nameAndValue[..<equals]
                        inlineValue = nameAndValue[nameAndValue.index(after: equals)...]
                    } else {
                        name = nameAndValue
                    }
                    guard let spec = OptionTable.option(longName: name) else { return .unknownOption }
                    found = spec
                    break
                }
                // One dash: no option of ipvsadm's table has a one-dash long form, so popt
                // reads the word as a bundle of short options.
                pendingShort = body
            }
            if let bundle = pendingShort {
                pendingShort = nil
                guard let letter = bundle.first, let spec = OptionTable.option(shortName: letter) else {
                    return .unknownOption
                }
                found = spec
                let rest = bundle.dropFirst()
                if !rest.isEmpty {
                    pendingShort = rest.first == "=" ? rest.dropFirst() : rest
                }
            }
        }
        guard let spec = found else { return .unknownOption }

        switch spec.argument {
        case .none:
            return .option(spec.tag, argument: nil)
        case .required, .optional:
            if let value = inlineValue {
                return .option(spec.tag, argument: String(value))
            }
            if let rest = pendingShort {
                pendingShort = nil
                return .option(spec.tag, argument: String(rest))
            }
            guard next < arguments.count else {
                return spec.argument == .optional ? .option(spec.tag, argument: nil) : .missingArgument
            }
            if spec.argument == .optional && arguments[next].hasPrefix("-") {
                return .option(spec.tag, argument: nil)
            }
            let value = arguments[next]
            next += 1
            return .option(spec.tag, argument: value)
        }
    }
}
