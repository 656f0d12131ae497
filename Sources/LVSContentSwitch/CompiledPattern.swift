/// A regular expression compiled once at configuration time (docs/design/0018). Swift's `Regex`
/// lives in the standard library's _StringProcessing module, so this needs no Foundation.
public struct CompiledPattern: Sendable {
    /// The source text, for listings and errors.
    public let source: String
    let box: Box

    /// Holds the `Regex`, which this toolchain does not mark Sendable.
    // @unchecked Sendable: `regex` is immutable; init forces its lazily lowered program before sharing.
    final class Box: @unchecked Sendable {
        let regex: Regex<AnyRegexOutput>
        init(_ compiled: Regex<AnyRegexOutput>) {
            self.regex = compiled
            _ = try? compiled.firstMatch(in: "")
        }
    }

    var regex: Regex<AnyRegexOutput> { box.regex }

    /// Compiles `source`; throws `ContentSwitchConfigurationError.invalidRegex` on a syntax error.
    public init(_ source: String, ignoringCase: Bool = false) throws(ContentSwitchConfigurationError) {
        do {
            var compiled = try Regex(source)
            if ignoringCase { compiled = compiled.ignoresCase() }
            self.box = Box(compiled)
        } catch {
            throw .invalidRegex(source)
        }
        self.source = source
    }

    /// Whether the pattern matches anywhere in `bytes` (decoded as UTF-8; the one place a request
    /// costs an allocation, and only for rules that use a regex).
    public func matches(_ bytes: UnsafeRawBufferPointer.SubSequence) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        return (try? regex.firstMatch(in: text)) != nil
    }

    /// The text of capture group 1 (or the whole match without groups) of the first match.
    public func firstCapture(_ bytes: UnsafeRawBufferPointer.SubSequence) -> Substring? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let match = try? regex.firstMatch(in: text) else { return nil }
        let output = match.output
        if output.count > 1, let capture = output[1].substring { return capture }
        return output[0].substring
    }
}

/// A configuration the rule engine cannot use.
public enum ContentSwitchConfigurationError: Error, Sendable, Hashable {
    case invalidRegex(String)
    case invalidCIDR(String)
    case unknownGroup(String)
}
